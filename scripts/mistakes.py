#!/usr/bin/env python3
"""The catalogue of beginner mistakes (tests/mistakes/catalogue.toml), run on a real kernel.

    mistakes.py update    run every entry's cell and store its message (review the diff
                          like a golden file: each message is pinned exactly by
                          tests/cells/test_mistakes.py)
    mistakes.py measure   for ndplay and for rustc's plain output (what evcxr_jupyter
                          shows), count the entries whose message names the mistake and
                          shows a working fix; print the table for docs/performance.md,
                          and the time each failing cell took to answer

"Names the mistake": one of the entry's `names` is in the message. "Shows a working fix":
the entry's `shows` (a piece of its `fix`, which the test tier runs) is in the message.
rustc's plain output is made by compiling each cell inside a function with the kernel's
recorded rustc command (`--error-format=human`); a cell that compiles there but panics
when run is counted with rustc's output empty, as a compiler shows nothing of a panic.
Needs the environment of scripts/test.sh (JUPYTER_PATH, NDPLAY_CACHE_DIR) and a kernel
installed there.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from ndplay_harness import traceback_text

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "tests" / "mistakes" / "catalogue.toml"


def load():
    return tomllib.loads(CATALOGUE.read_text())["mistake"]


def plain(cell):
    return traceback_text(cell.error).rstrip("\n")


def literal(text):
    assert "'''" not in text, text
    return "'''\n" + text + "'''" if "\n" in text or "'" in text else "'" + text + "'"


def write(entries):
    out = [
        "# Beginner mistakes: each entry's cell, the message ndplay gives for it (pinned exactly by",
        "# tests/cells/test_mistakes.py), and a fix the test runs. `names`: words of the message",
        "# that name the mistake; `shows`: the piece of the fix the message shows. Messages are",
        "# written by `scripts/mistakes.py update` and reviewed like golden files.",
        "",
    ]
    for e in entries:
        out.append("[[mistake]]")
        for key in ("family", "name"):
            out.append(f"{key} = {json.dumps(e[key])}")
        if "setup" in e:
            out.append(f"setup = {literal(e['setup'])}")
        for key in ("cell", "fix"):
            out.append(f"{key} = {literal(e[key])}")
        out.append("names = [" + ", ".join(literal(n) for n in e["names"]) + "]")
        out.append(f"shows = {literal(e['shows'])}")
        if "why" in e:
            out.append(f"why = {json.dumps(e['why'])}")
        out.append(f"message = {literal(e.get('message', '').rstrip(chr(10)) + chr(10))}")
        out.append("")
    CATALOGUE.write_text("\n".join(out))


def each_run(entries):
    """Every entry's cell run on one warm kernel, each in a session cleared first (rustc's
    "similar name" suggestions depend on what the session holds), after its `setup`:
    (entry, cell) pairs."""
    from ndplay_harness import Kernel

    with Kernel(ready_timeout=120) as k:
        assert k.run("1", timeout=600).status == "ok"
        for e in entries:
            assert k.run(":clear").status == "ok"
            if "setup" in e:
                assert k.run(e["setup"]).status == "ok"
            yield e, k.run(e["cell"])


def update():
    entries = load()
    for e, cell in each_run(entries):
        e["message"] = (plain(cell) if cell.status == "error" else "(no error)") + "\n"
    write(entries)


def rustc_command():
    cache = Path(os.environ.get("NDPLAY_CACHE_DIR") or Path.home() / ".cache" / "ndplay")
    recorded = json.loads(next((cache / "sessions").glob("slot-*/rustc-command.json")).read_text())
    args, keep = [], iter(recorded["args"])
    for a in keep:
        if a in ("--error-format=json",) or a.startswith("--json=") or a.startswith("--emit") or a == "src/lib.rs":
            continue
        if a in ("--out-dir", "--crate-type"):
            next(keep)
            continue
        args.append(a)
    return args


def whole(entry):
    """An entry's code as one program: its setup cell, if any, then its cell."""
    return entry.get("setup", "") + ("\n" if "setup" in entry else "") + entry["cell"]


def rustc_plain(args, cell):
    """rustc's own report of a cell compiled inside a function, as a terminal shows it."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "cell.rs"
        body = "\n".join("    " + line for line in cell.splitlines())
        src.write_text(
            f"#![allow(unused)]\nuse ndplay::prelude::*;\npub fn cell() {{\n    let _ = {{\n{body}\n    }};\n}}\n"
        )
        run = subprocess.run(
            ["rustc", *args, str(src), "--crate-type", "lib", "--emit=metadata", "--out-dir", d, "--color", "never"],
            capture_output=True,
            text=True,
        )
        return run.stderr


SUGGESTED = re.compile(r"^\s*\d+\s+(?:\||\+)\s(.*)$")
MARKS = re.compile(r"^\s*\|\s*[+~ ]+$")


def suggestions(rustc_text):
    """The lines of rustc's `help:` suggestions with the change in place (`N | …` followed by
    a `+++` line, or `N + …`), without the wrapper's indentation."""
    lines = rustc_text.splitlines()
    found, in_help = [], False
    for i, line in enumerate(lines):
        if line.startswith("help:"):
            in_help = True
            continue
        if line.startswith(("error", "warning")) or not line.strip():
            in_help = False
        m = SUGGESTED.match(line) if in_help else None
        if not m:
            continue
        marks = lines[i + 1] if i + 1 < len(lines) else ""
        inserted = MARKS.match(marks) and "+" in marks
        if line.lstrip().split(" ", 2)[1:2] == ["+"] or inserted:
            found.append(m.group(1).strip())
    return [s for s in found if s and s not in ("let _ = {", "};")]


def measure():
    from ndplay_harness import Kernel

    entries = load()
    args = rustc_command()
    score = {"ndplay": [0, 0, 0], "rustc": [0, 0, 0]}
    in_place, missing = 0, []
    times, longest = [], 0
    for e, cell in each_run(entries):
        ours = plain(cell) if cell.status == "error" else ""
        if cell.status == "error" and cell.error["ename"] not in ("panic",):
            times.append((cell.seconds, e["name"]))
        longest = max(longest, len(ours.splitlines()))
        theirs = rustc_plain(args, whole(e))
        ours_lines = {SUGGESTED.sub(r"\1", line).strip() for line in ours.splitlines()}
        lost = [s for s in suggestions(theirs) if s not in ours_lines]
        in_place += not lost
        if lost:
            missing.append((e["name"], lost))
        for who, text in (("ndplay", ours), ("rustc", theirs)):
            named = any(n in text for n in e["names"])
            shown = e["shows"] in text
            score[who][0] += named
            score[who][1] += shown
            score[who][2] += named and shown
    n = len(entries)
    times.sort()
    print(f"| over {n} catalogue entries | names the mistake | shows a working fix | both |")
    print("|---|---|---|---|")
    for who, label in (("ndplay", "ndplay"), ("rustc", "rustc's plain output (evcxr_jupyter)")):
        a, b, c = score[who]
        print(f"| {label} | {a} | {b} | {c} |")
    print()
    print(f"longest ndplay message: {longest} lines")
    print(f"entries whose ndplay message has every line rustc suggests, in place: {in_place} of {n}")
    for name, lost in missing:
        print(f"  {name}: rustc suggests {lost}")
    if times:
        print(
            f"compile errors, each just after `:clear`: median {times[len(times) // 2][0]:.3f} s, "
            f"slowest {times[-1][0]:.3f} s ({times[-1][1]}), over {len(times)} cells"
        )
    # The same cells again in one session, as a student meets them (no `:clear`), 3 rounds.
    again = []
    with Kernel(ready_timeout=120) as k:
        assert k.run("1", timeout=600).status == "ok"
        for _ in range(3):
            for e in entries:
                cell = k.run(e["cell"])
                if cell.status == "error" and cell.error["ename"] != "panic":
                    again.append((cell.seconds, e["name"]))
    again.sort()
    p95 = again[int(len(again) * 0.95)][0]
    print(
        f"compile errors in one warm session (3 rounds): median {again[len(again) // 2][0]:.3f} s, "
        f"p95 {p95:.3f} s, slowest {again[-1][0]:.3f} s ({again[-1][1]}), over {len(again)} cells"
    )


if __name__ == "__main__":
    {"update": update, "measure": measure}[sys.argv[1]]()
