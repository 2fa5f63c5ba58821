#!/usr/bin/env python3
"""How long a first-time reader needs for each lesson notebook: a model, not a stopwatch.

    python3 scripts/reading_time.py [--sections] [NOTEBOOK ...]    (default: notebooks/*.ipynb)

Nobody was timed. The minutes printed come from counting what a notebook holds and pricing
each thing at a stated rate; the rates are the whole model, and they are below with their
reasons. Each lesson states the model's minutes at its top ("About N minutes"), and
tests/instructor/test_reading_time.py fails when a lesson's model time is over
MAX_MINUTES or more than TOLERANCE away from what it states. Change a constant here and
the test tells you which lessons must say something new.

The model, for a reader who meets the material for the first time (the course's
student: knows some NumPy, no Rust):

  prose       markdown words / PROSE_WPM. Brysbaert (2019, "How many words do we read
              per minute?", J. Memory and Language 109) puts silent reading of English
              non-fiction at about 238 words a minute. A lesson is read to be learnt, full
              of inline code, shapes and formulas, and re-read when a cell surprises: we
              take half that rate, 120. Words are whitespace-separated tokens; table rules
              and bare punctuation (`|`, `---`) are not words.
  code        CELL_MINUTES for every code cell (read what it is for, run it, look at what
              it printed or drew: an array, a chart, a badge) plus LINE_MINUTES for every
              line of its source (6 s a line: a newcomer reads Rust slowly, and the lines
              are dense; a dozen-line cell costs a minute and a half in all).
  errors      ERROR_MINUTES more for a cell whose stored output is an error: those cells
              exist to be read — the message, its hint, the fix — and the prose says so.
  try-its     TRY_MINUTES for each "Try it" heading: a slider to move and an answer to
              write into a checked cell.
  exercises   EXERCISE_MINUTES for each "Exercise" heading (write a few lines, run the
              check, usually fix once), CAPSTONE_MINUTES for one marked "capstone" (a
              backward pass, a gradient check and a training loop of one's own). The
              solution cells are code cells like any other and are priced as such.

What it leaves out: breaks, installing anything, a slow machine, and the reader who
experiments beyond the cells. What it may overprice: a reader fluent in Rust. It is a
yardstick to keep the stated durations honest and comparable between lessons, and to
split a lesson that would not fit a 90-minute session.
"""
import argparse
import json
import math
import re
import sys
from pathlib import Path

PROSE_WPM = 120
CELL_MINUTES = 0.5
LINE_MINUTES = 0.1
ERROR_MINUTES = 1.0
TRY_MINUTES = 3.0
EXERCISE_MINUTES = 8.0
CAPSTONE_MINUTES = 30.0
MAX_MINUTES = 90  # the longest a lesson part may take: one session
TOLERANCE = 0.10  # how far a lesson's stated minutes may be from the model's

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"\S+")
NOT_A_WORD = re.compile(r"^[|:\-–—=*#>]+$")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)
STATED = re.compile(r"About\s+(\d+)\s+minutes")


def words(text):
    return sum(1 for w in WORD.findall(text) if not NOT_A_WORD.match(w))


def source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


class Tally:
    def __init__(self, name):
        self.name = name
        self.words = self.cells = self.lines = self.errors = 0
        self.tries = self.exercises = self.capstones = 0

    def add(self, cell):
        text = source(cell)
        if cell["cell_type"] == "markdown":
            self.words += words(text)
            for _, title in HEADING.findall(text):
                if re.match(r"Try it\b", title):
                    self.tries += 1
                if re.match(r"Exercise\b", title):
                    if "capstone" in title.lower():
                        self.capstones += 1
                    else:
                        self.exercises += 1
        elif cell["cell_type"] == "code":
            self.cells += 1
            self.lines += len([line for line in text.splitlines() if line.strip()])
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                self.errors += 1

    @property
    def prose(self):
        return self.words / PROSE_WPM

    @property
    def code(self):
        return self.cells * CELL_MINUTES + self.lines * LINE_MINUTES + self.errors * ERROR_MINUTES

    @property
    def tasks(self):
        return self.tries * TRY_MINUTES + self.exercises * EXERCISE_MINUTES + self.capstones * CAPSTONE_MINUTES

    @property
    def total(self):
        return self.prose + self.code + self.tasks


def stated_minutes(nb):
    """The minutes a lesson states in its first cell ("About N minutes"), or None."""
    first = source(nb["cells"][0]) if nb["cells"] else ""
    m = STATED.search(first)
    return int(m.group(1)) if m else None


def measure(path):
    """(whole-notebook Tally, [Tally per "## " section], stated minutes)."""
    nb = json.loads(Path(path).read_text())
    whole, sections = Tally(Path(path).name), [Tally("(opening)")]
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            h2 = re.search(r"^##\s+(.*)$", source(cell), re.M)
            if h2:
                sections.append(Tally(h2.group(1)[:40]))
        whole.add(cell)
        sections[-1].add(cell)
    return whole, sections, stated_minutes(nb)


def rounded(minutes):
    """What a lesson states: the model's minutes rounded up to a multiple of 5."""
    return int(5 * math.ceil(minutes / 5))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--sections", action="store_true", help="also one row per ## section")
    args = ap.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(
        f"model: prose {PROSE_WPM} words/min; code {CELL_MINUTES} min a cell + {LINE_MINUTES} min a line"
        f" + {ERROR_MINUTES} min an error; try-it {TRY_MINUTES}; exercise {EXERCISE_MINUTES};"
        f" capstone {CAPSTONE_MINUTES}; limit {MAX_MINUTES} min"
    )
    print("tasks: Try its (t), exercises (e), capstones (c); minutes: prose + code + task = model")
    head = (
        f"{'notebook':<34} {'words':>6} {'prose':>6} {'cells':>5} {'lines':>5} {'errs':>4} {'code':>6} {'tasks':>5} "
        f"{'task':>5} {'model':>6} {'states':>6}"
    )
    print(head)
    print("-" * len(head))
    bad = 0
    for path in paths:
        whole, sections, stated = measure(path)

        def row(t, label, stated_text=""):
            tasks = f"{t.tries}t{t.exercises}e{t.capstones}c"
            print(
                f"{label:<34} {t.words:>6} {t.prose:>6.1f} {t.cells:>5} {t.lines:>5} {t.errors:>4} {t.code:>6.1f}"
                f" {tasks:>5} {t.tasks:>5.0f} {t.total:>6.1f} {stated_text:>6}"
            )

        row(whole, whole.name, "—" if stated is None else str(stated))
        if args.sections:
            for s in sections:
                row(s, "  " + s.name)
        over = whole.total > MAX_MINUTES
        off = stated is None or abs(stated - whole.total) > TOLERANCE * whole.total
        if over or off:
            bad += 1
            why = []
            if over:
                why.append(f"over {MAX_MINUTES} min")
            if off:
                why.append(f"states {stated}, model {whole.total:.0f} (say About {rounded(whole.total)} minutes)")
            print(f"  ^ {'; '.join(why)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
