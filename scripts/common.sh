# Shared by scripts/lab.sh and scripts/test.sh: build the kernel, make the venv.
# Sourced, not run. Every step says what it does; every failure stops the script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
NDPLAY="$ROOT/target/release/ndplay"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

build_kernel() {
  step "Building the ndplay kernel (release; the first build takes several minutes)"
  (cd "$ROOT" && cargo build --release --locked -p ndplay-kernel)
}

make_venv() {
  step "Python tools into $VENV"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/tests/requirements.txt"
}
