"""Tables of names say whose a name is: ndarray's, or this course's.

A student who looks up `.cast()` in ndarray's documentation will not find it: it is the
prelude's. So every table in a lesson that lists one of the course's own names (the
prelude's helpers, `ndplay::course`'s set-up) marks it with ◆ and says, in the table's last
column "in plain ndarray", what to write without ndplay (docs/authoring.md, "Tables of
names: whose is it?").
"""
import json
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))

# How the course's own names appear in a table's code: each is not ndarray's.
COURSE_NAMES = [
    r"\.cast::<", r"\bfloor_div\(", r"\bouter\(", r"\.dtype\(\)", r"\bRng::new\(", r"\brng\.normal\(",
    r"\btimeit\(", r"\btimeit_n\(", r"\bhealth\(", r"\bcheck\(", r"\bslider\(", r"\binteract\(", r"\bchart\(\)",
    r"\bexplain_broadcast\(", r"\bexplain_dot\(", r"\bshape_diagram\(", r"\bplot::", r"\bndplay::course\b",
]
CELL = re.compile(r"(?<!\\)\|")


def tables(path):
    """(cell index, header cells, rows of cells) of every markdown table in a notebook."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        block = []
        for line in "".join(cell["source"]).splitlines() + [""]:
            if line.startswith("|"):
                block.append([c.strip() for c in CELL.split(line)[1:-1]])
            elif block:
                yield i, block[0], block[2:]
                block = []


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_course_names_in_tables_are_marked_with_their_plain_ndarray_equivalent(path):
    problems = []
    for i, header, rows in tables(path):
        for row in rows:
            if len(row) != len(header):
                problems.append(f"cell {i}: {len(row)} columns, the header has {len(header)}: {row}")
                continue
            code = " ".join(row[1:-1] if len(row) > 2 else row)
            named = [n for n in COURSE_NAMES if re.search(n, code)]
            if not named:
                continue
            if "◆" not in " ".join(row):
                problems.append(f"cell {i}: {named} without ◆: {row}")
            if "plain" not in header[-1]:
                problems.append(f"cell {i}: a table with {named} has no 'in plain ndarray' column: {header}")
            elif not row[-1]:
                problems.append(f"cell {i}: {named} with no plain-ndarray equivalent: {row}")
    assert problems == [], "\n".join(problems)
