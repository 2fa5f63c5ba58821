"""Tier 1's size gate: no Rust file over 500 lines of code outside its tests.

A file that grows past 500 lines of code has usually taken on a second job (ARCHITECTURE.md,
"each file has one job"). What counts is a file's lines above its `#[cfg(test)]` module:
unit tests live beside the code they test, and a file is not split because its tests grew.
Files under a `tests/` or `benches/` folder, unit-test modules in a `tests.rs` of their own, and
the fuzz workspace, are not counted.
A file may stay longer only if ARCHITECTURE.md says why; it is then listed here.

    python scripts/file_sizes.py        # exit status 1 and the list when a file is over
"""
import subprocess
import sys
from pathlib import Path

LIMIT = 500
ROOT = Path(__file__).resolve().parents[1]
# Each one is explained in ARCHITECTURE.md.
ALLOWED = {
    "src/instances.rs": "a flat list of the generic instances cells share, read and grown by scanning it",
}


def code_lines(path):
    """Lines above the file's first `#[cfg(test)]` (all of them when it has none)."""
    count = 0
    for line in path.read_text().splitlines():
        if line.startswith("#[cfg(test)]"):
            break
        count += 1
    return count


def counted(rel):
    """A Rust file of code: not under tests/ or benches/, not the fuzz workspace, and not a
    `tests.rs` (a unit-test module in a file of its own, as `process/kernel_side/tests.rs`)."""
    parts = Path(rel).parts
    return (rel.endswith(".rs") and parts[0] != "fuzz" and "tests" not in parts and "benches" not in parts
            and parts[-1] != "tests.rs")


def main():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    over = [(code_lines(ROOT / f), f) for f in files if counted(f) and (ROOT / f).exists()]
    over = sorted(((n, f) for n, f in over if n > LIMIT and f not in ALLOWED), reverse=True)
    for n, f in over:
        print(f"{f}: {n} lines of code (above its tests); the limit is {LIMIT}: split it by job", file=sys.stderr)
    missing = [f for f in ALLOWED if not (ROOT / f).exists()]
    for f in missing:
        print(f"{f} is allowed to be long but no longer exists: take it off ALLOWED", file=sys.stderr)
    return 1 if over or missing else 0


if __name__ == "__main__":
    sys.exit(main())
