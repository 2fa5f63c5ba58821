"""The catalogue of beginner mistakes (tests/mistakes/catalogue.toml): every entry's cell
gives exactly its stored message, short, naming the mistake and showing the fix; and the
fix runs. All on the one warmed kernel: a compile error answers in a tenth of a second."""
import tomllib
from pathlib import Path

import pytest

from ndplay_harness import traceback_text

CATALOGUE = Path(__file__).resolve().parents[1] / "mistakes" / "catalogue.toml"
ENTRIES = tomllib.loads(CATALOGUE.read_text())["mistake"]
# The bound: no message longer than this many lines (rustc's own for `a / 2.0` is ~20).
MAX_LINES = 25


@pytest.fixture
def clean(kernel):
    """The shared kernel with no variables (`:clear` takes milliseconds): rustc's "a local
    variable with a similar name exists" depends on what a session holds, and the messages
    were stored from an empty one (`scripts/mistakes.py update` clears before each cell)."""
    assert kernel.run(":clear").status == "ok"
    yield kernel
    assert kernel.run(":clear").status == "ok"


def test_the_catalogue_covers_every_family_with_sixty_entries():
    assert len(ENTRIES) >= 60
    families = {e["family"] for e in ENTRIES}
    assert families >= {"numpy", "types", "ownership", "mutability", "indexing", "overflow", "floats", "vec"}
    assert len({e["name"] for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_a_mistake_is_named_and_its_fix_works(clean, entry):
    # `setup`: an earlier cell the mistake needs (a variable made without `mut`).
    if "setup" in entry:
        assert clean.run(entry["setup"]).status == "ok"
    cell = clean.run(entry["cell"])
    assert cell.status == "error", cell.outputs
    message = traceback_text(cell.error).rstrip("\n") + "\n"
    assert message == entry["message"]
    assert len(message.splitlines()) <= MAX_LINES
    assert any(n in message for n in entry["names"]), entry["names"]
    assert entry["shows"] in message and entry["shows"] in entry["fix"]
    assert clean.run(":clear").status == "ok"
    if "setup" in entry:
        assert clean.run(entry["setup"]).status == "ok"
    fixed = clean.run(entry["fix"])
    assert fixed.status == "ok", fixed.outputs


def test_every_rustc_suggestion_is_in_the_message_or_the_entry_says_why():
    # rustc's own report of each cell (the kernel's recorded rustc command, the cell inside a
    # function): every line it suggests with the change in place must be in ndplay's stored
    # message, unless the entry's `why` says why not.
    import mistakes  # scripts/mistakes.py (pyproject.toml's pythonpath)

    args = mistakes.rustc_command()
    lost = {}
    for e in ENTRIES:
        ours = {mistakes.SUGGESTED.sub(r"\1", line).strip() for line in e["message"].splitlines()}
        missing = [s for s in mistakes.suggestions(mistakes.rustc_plain(args, mistakes.whole(e))) if s not in ours]
        if missing and "why" not in e:
            lost[e["name"]] = missing
        assert not ("why" in e and not missing), f"{e['name']}: `why` no longer needed"
    assert lost == {}
