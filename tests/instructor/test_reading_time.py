"""Stated durations are measured, and no lesson part runs over one session.

scripts/reading_time.py models a first-time reader's minutes per notebook (its docstring
states the rates and their reasons; it is a model, not a timed reader). Every lesson part
states that model's minutes at its top ("About N minutes"). These tests run the script and
fail when a part's model time is over the script's MAX_MINUTES (90), or more than its
TOLERANCE (10 %) away from what the part states: change a lesson, and the test says
whether its stated time still holds. They also check what the split into parts promised:
names that sort in reading order, and little set-up before a part's first idea.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import reading_time  # scripts/reading_time.py (pyproject.toml's pythonpath)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "reading_time.py"
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_SETUP_LINES = 15


def test_the_script_prints_a_row_per_lesson_and_passes():
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    for path in LESSONS:
        assert re.search(rf"^{re.escape(path.name)}\s", run.stdout, re.M), run.stdout


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_model_time_fits_a_session_and_is_what_the_lesson_states(path):
    whole, _, stated = reading_time.measure(path)
    assert whole.total <= reading_time.MAX_MINUTES, (
        f"{path.name}: the model says {whole.total:.0f} min, over {reading_time.MAX_MINUTES}: split it"
    )
    assert stated is not None, f"{path.name} states no 'About N minutes' in its first cell"
    assert abs(stated - whole.total) <= reading_time.TOLERANCE * whole.total, (
        f"{path.name} states {stated} min, the model says {whole.total:.1f}"
    )


def test_the_parts_sort_in_the_course_order():
    names = [p.name for p in LESSONS]
    # Lesson 1 is the seed's NumPy Playground; then model, loss, optimizer.
    assert names[0] == "01a-numpy-playground.ipynb", names
    assert [n[:2] for n in names] == sorted(n[:2] for n in names)
    assert {n[:2] for n in names} == {"01", "02", "03", "04"}, names


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_a_part_opens_with_little_set_up(path):
    """Code lines before the first section or exercise heading after the title."""
    cells = json.loads(path.read_text())["cells"]
    lines = 0
    for cell in cells[1:]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and re.search(r"^#{2,3} ", text, re.M):
            break
        if cell["cell_type"] == "code":
            lines += len([line for line in text.splitlines() if line.strip()])
    assert lines <= MAX_SETUP_LINES, f"{path.name}: {lines} lines of set-up before its first idea"
