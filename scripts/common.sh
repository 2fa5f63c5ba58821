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
}
