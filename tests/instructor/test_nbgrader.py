"""An instructor's tools on a real kernel: nbgrader grades a small ndplay assignment.

The test plays the instructor of docs/authoring.md ("Grading with nbgrader"): it writes a
source notebook with two solution cells and two autograder test cells (2 and 3 points),
runs `nbgrader generate_assignment` with the Rust code stub, hands the released notebook
to three students who answer it differently, runs `nbgrader autograde`, and reads the
scores from the gradebook. Every number it expects follows from what the students wrote:

- alice answers both problems: 2 + 3 = 5 points;
- bob answers the first and takes the mean over the wrong axis in the second, which the
  partial-credit test cell (it ends with the number of cases passed) scores 1 of 3: 3;
- carol's first answer does not compile and she leaves the second stub (`todo!()`
  panics): 0.

nbgrader runs the notebooks through the kernelspec `ndplay` of JUPYTER_PATH, as
scripts/test.sh installs it; a missing nbgrader is an import error, never a skip.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

NBGRADER = [sys.executable, "-m", "nbgrader"]
# nbgrader runs `alembic` (its database migrations) from PATH, so the virtual environment's
# bin directory must be on it even when the environment is not activated.
VENV_BIN = str(Path(sys.executable).parent)
STUB = "// YOUR CODE HERE\ntodo!()"
ASSIGNMENT = "ps1"


def nbgrader_meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook():
    """The instructor's notebook: solutions between the markers, tests locked."""
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Problem set 1\n\nSquare every element; then average each row.",
            metadata=nbgrader_meta("intro", locked=True)),
        nbformat.v4.new_code_cell(
            "fn squares(a: &Array1<f64>) -> Array1<f64> {\n"
            "    // BEGIN SOLUTION\n"
            "    a.mapv(|v| v * v)\n"
            "    // END SOLUTION\n"
            "}",
            metadata=nbgrader_meta("squares", solution=True)),
        # All or nothing: a failed `check` is only a red badge, so the test panics on it
        # (an `error` output scores 0).
        nbformat.v4.new_code_cell(
            "let verdict = check(&squares(&array![1.0, -2.0, 0.5]), &array![1.0, 4.0, 0.25]);\n"
            "display(&verdict);\n"
            "assert!(verdict.passed(), \"squares is not right yet\");",
            metadata=nbgrader_meta("test_squares", grade=True, locked=True, points=2)),
        nbformat.v4.new_code_cell(
            "fn mean_rows(x: &Array2<f64>) -> Array1<f64> {\n"
            "    // BEGIN SOLUTION\n"
            "    x.mean_axis(Axis(1)).unwrap()\n"
            "    // END SOLUTION\n"
            "}",
            metadata=nbgrader_meta("mean_rows", solution=True)),
        # Partial credit: nbgrader reads a number as the cell's last value as the points
        # earned, one per case here.
        nbformat.v4.new_code_cell(
            "let cases = [\n"
            "    (array![[1.0, 2.0], [2.0, 5.0]], array![1.5, 3.5]),\n"
            "    (array![[1.0, 2.0, 3.0], [4.0, 6.0, 8.0]], array![2.0, 6.0]),\n"
            "    (array![[1.0, 3.0], [5.0, 7.0], [0.0, 0.0]], array![2.0, 6.0, 0.0]),\n"
            "];\n"
            "let mut passed = 0;\n"
            "for (x, expected) in &cases {\n"
            "    let verdict = check(&mean_rows(x), expected);\n"
            "    display(&verdict);\n"
            "    if verdict.passed() {\n"
            "        passed += 1;\n"
            "    }\n"
            "}\n"
            "passed as f64",
            metadata=nbgrader_meta("test_mean_rows", grade=True, locked=True, points=3)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "ndplay", "display_name": "Rust (ndplay)",
                                 "language": "rust"}
    nb.metadata["language_info"] = {"name": "rust"}
    return nb


def answer(released, answers):
    """A student's copy of the released notebook, with the stubs replaced in order."""
    nb = nbformat.reads(nbformat.writes(released), as_version=4)
    # nbgrader indents the stub as the marker it replaced: `    // YOUR CODE HERE\n    todo!()`.
    stub = re.compile(r"// YOUR CODE HERE\n\s*todo!\(\)")
    stubs = [c for c in nb.cells if c.cell_type == "code" and stub.search(c.source)]
    assert len(stubs) == len(answers)
    for cell, code in zip(stubs, answers, strict=True):
        # A function, so that backslashes in the answer are not read as escapes; `code`
        # bound now, for this cell.
        cell.source = stub.sub(lambda _, code=code: code, cell.source)
    return nb


def run(args, cwd):
    done = subprocess.run(NBGRADER + args, cwd=cwd, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_autograde_scores_three_students(tmp_path, monkeypatch):
    assert "JUPYTER_PATH" in os.environ, "run through scripts/test.sh: it installs the kernel"
    monkeypatch.setenv("PATH", VENV_BIN + os.pathsep + os.environ["PATH"])
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        f"c.ClearSolutions.code_stub = {{'rust': {STUB!r}}}\n"
        # The first kernel may wait for its cache; cells compile in about a second.
        "c.ExecutePreprocessor.timeout = 600\n"
    )
    nbformat.write(source_notebook(), course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")

    run(["generate_assignment", ASSIGNMENT, "--force"], course)
    released = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = json.dumps(released.cells)
    assert "mapv(|v| v * v)" not in text and "mean_axis(Axis(1))" not in text, \
        "the release still holds a solution"
    assert text.count("todo!()") == 2

    answers = {
        "alice": ["a.mapv(|v| v * v)", "x.mean_axis(Axis(1)).unwrap()"],
        "bob": ["a * a", "x.mean_axis(Axis(0)).unwrap()"],
        "carol": ["a.mapv(|v| v ^ 2)", STUB],
    }
    for student, code in answers.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(answer(released, code), folder / f"{ASSIGNMENT}.ipynb")

    run(["autograde", ASSIGNMENT, "--create", "--force"], course)

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        scores = {s: gradebook.find_submission(ASSIGNMENT, s).score for s in answers}
        assert gradebook.find_assignment(ASSIGNMENT).max_score == 5
    assert scores == {"alice": 5, "bob": 3, "carol": 0}, scores

    # Why carol has 0: her compile error and her panic are ordinary `error` outputs.
    graded = nbformat.read(course / "autograded" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                           as_version=4)
    errors = [o.ename for c in graded.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors[0] == "E0369", errors
    assert "panic" in errors, errors
