# Shared by scripts/lab.sh and scripts/test.sh: build the kernel, make the venv.
# Sourced, not run. Every step says what it does; every failure stops the script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
NDPLAY="$ROOT/target/release/ndplay"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

build_kernel() {
  step "Building the ndplay kernel (release; the first build takes a few minutes)"
  (cd "$ROOT" && cargo build --release --locked -p ndplay-kernel)
}

# Completion's helper (evcxr's rust-analyzer): most of a fresh machine's build, and needed
# only for Tab on what the completion index does not hold (analysis/Cargo.toml says why it
# is a binary of its own).
build_analysis() {
  step "Building ndplay-analysis, completion's helper (release; the first build takes minutes)"
  (cd "$ROOT" && cargo build --release --locked -p ndplay-analysis)
}

# make_venv [REQUIREMENTS]: the venv with the tools of REQUIREMENTS (default: every test
# tier's, tests/requirements.txt; JupyterLab alone is tests/requirements-lab.txt).
make_venv() {
  local requirements="${1:-$ROOT/tests/requirements.txt}"
  step "Python tools into $VENV ($(basename "$requirements"))"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  # The scripts run directly (`python bench/bench.py`, `python tests/tools/first_cells.py`,
  # scripts/mistakes.py) import the kernel harness from tests/ as the tests do. pytest finds
  # it through pyproject.toml's `pythonpath`; the venv gets the same folders in a .pth file
  # (Python's own way to extend the path, as an editable install does), so that no script
  # edits sys.path and the list is written once.
  "$VENV/bin/python" - "$ROOT" <<'PY'
import site, sys, tomllib
from pathlib import Path
root = Path(sys.argv[1])
config = tomllib.loads((root / "pyproject.toml").read_text())
folders = config["tool"]["pytest"]["ini_options"]["pythonpath"]
pth = Path(site.getsitepackages()[0]) / "ndplay-dev-paths.pth"
pth.write_text("# written by scripts/common.sh from pyproject.toml's pythonpath\n"
               + "".join(f"{root / f}\n" for f in folders))
PY
}
