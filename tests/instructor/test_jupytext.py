"""Lessons as text: every lesson survives jupytext's `.rs` percent format and back.

docs/authoring.md ("Lessons as text with jupytext") tells instructors they may keep a
lesson as a `.rs` file and pair it with the notebook. That is only safe if the round trip
loses nothing a lesson relies on: the cells' kinds, their sources byte for byte, and the
cell tags that nbval and `ndplay check` read (`raises-exception`, `nbval-ignore-output`).
Outputs are not part of the text format; pairing keeps them in the `.ipynb`.
"""
from pathlib import Path

import jupytext
import nbformat
import pytest

LESSONS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_lessons():
    assert len(LESSONS) >= 4, LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_rs_percent_round_trip(path):
    nb = nbformat.read(path, as_version=4)
    text = jupytext.writes(nb, fmt="rs:percent")
    assert text.count("\n// %%") >= len(nb.cells) - 1, "not every cell got a marker"
    back = jupytext.reads(text, fmt="rs:percent")

    def cells(notebook):
        return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in notebook.cells]

    assert cells(back) == cells(nb)
    assert back.metadata["kernelspec"]["name"] == "ndplay"
