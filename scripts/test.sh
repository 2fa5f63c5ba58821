#!/usr/bin/env bash
# Runs every test tier, fastest first; stops at the first failing tier.
#   1. the style gate (rustfmt, clippy, ruff, file sizes), unit tests of the prelude and the kernel, and
#      protocol tests (mock engine)
#   2. the kernel installed into a temporary prefix, cache warmed once
#   3. real cells on one warmed kernel, and jupyter_kernel_test
#   4. the lesson notebooks with nbval and with `ndplay check`
#   4a. the instructor's tools: an nbgrader assignment graded, jupytext round trips
#   4b. a shared server (root): the system-wide install with its read-only cache, local
#      users made by the test, and a real JupyterHub with six students at once
#   5. the lessons in JupyterLab, in headless Chromium
# Everything it needs is installed here (cargo crates, pip into ./.venv, npm packages,
# Debian's chromium through apt when it is missing).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

# A private prefix and cache, so the tests see only what they installed. The build cache
# must lie outside this Cargo workspace (cargo would adopt the cells into it), so it goes
# to a fresh directory beside the real one, in the home directory like the default
# ~/.cache/ndplay: a cache under /tmp hid a bug in how cells find libstd, which only shows
# when the cache shares the home directory with ~/.rustup (see add_to_library_path in
# kernel/src/engine/rust/build/setup.rs).
WORK="$ROOT/target/ndplay-test"
export NDPLAY_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/ndplay-test"
rm -rf "$NDPLAY_CACHE_DIR"
# `ndplay install` and the kernels leave a warm spare kernel waiting; it exits when its
# socket is removed (kernel/src/spare.rs), so none outlives this run.
trap 'rm -f "$NDPLAY_CACHE_DIR"/spare-*.sock' EXIT
export JUPYTER_PATH="$WORK/prefix/share/jupyter"
export JUPYTER_CONFIG_DIR="$WORK/jupyter-config"
export JUPYTER_DATA_DIR="$WORK/jupyter-data"
export JUPYTER_RUNTIME_DIR="$WORK/runtime"
mkdir -p "$WORK"

build_kernel
build_analysis
make_venv

step "Tier 1: style gate (cargo fmt --check, cargo clippy -D warnings, ruff check, file sizes)"
# rustfmt.toml holds the settings; the fuzz targets are a workspace of their own.
cargo fmt --all --check
(cd fuzz && cargo fmt --check)
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings
# The Python tests, tools and benchmark held to a linter too (pyproject.toml's [tool.ruff]).
# `ruff check` only: `ruff format` would rewrite about a thousand lines of code written to
# the same 120 columns by hand, for layout alone. ruff comes from tests/requirements.txt; a
# missing one fails here loudly, never a skip.
[ -x "$VENV/bin/ruff" ] || { echo "Tier 1 needs ruff in $VENV (tests/requirements.txt)" >&2; exit 1; }
"$VENV/bin/ruff" check .
# No Rust file over 500 lines of code above its tests, unless ARCHITECTURE.md says why.
"$VENV/bin/python" scripts/file_sizes.py

step "Tier 1a: prelude unit, snapshot and property tests"
cargo test --locked -p ndplay

step "Tier 1b: kernel unit tests and protocol tests (mock engine, real sockets)"
cargo test --release --locked -p ndplay-kernel -p ndplay-analysis

step "Tier 2: install the kernel into $WORK/prefix and warm its cache"
"$NDPLAY" install --prefix "$WORK/prefix"

step "Tier 3: real cells on one warmed kernel, and jupyter_kernel_test"
"$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/cells tests/conformance

step "Tier 4: lesson notebooks with nbval, and ndplay check (which must agree)"
# Two notebooks at a time, each in one worker (`--dist loadfile`: spread cell by cell, a
# worker's kernel would miss the cells before), each worker with its own kernel and build
# slot (slots are claimed with flock, kernel/src/engine/rust/build/slot.rs).
"$VENV/bin/python" -m pytest -p no:cacheprovider -q -n 2 --dist loadfile --nbval --nbval-kernel-name ndplay \
  --nbval-sanitize-with notebooks/sanitize.cfg notebooks/
"$NDPLAY" check --color never notebooks/*.ipynb

step "Tier 4a: the instructor's tools: nbgrader grades an ndplay assignment; jupytext round trips"
# nbgrader and jupytext come from tests/requirements.txt; a missing one fails this tier
# loudly, never a skip.
"$VENV/bin/python" -c 'import nbgrader, jupytext' || {
  echo "Tier 4a needs nbgrader and jupytext in $VENV (tests/requirements.txt)" >&2
  exit 1
}
"$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/instructor

# It creates system users (useradd), so it needs root, as CI has; NDPLAY_SKIP_HUB=1 leaves
# it out on a developer's machine, and says so. About 4 minutes, plus the shared cache's
# first build (5-8 minutes) and the hub's environment (pip, npm) on a fresh machine.
if [ "${NDPLAY_SKIP_HUB:-0}" = 1 ]; then
  step "Tier 4b: LEFT OUT (NDPLAY_SKIP_HUB=1): the shared server and JupyterHub tests did not run"
else
  step "Tier 4b: a shared server: ndplay install --sys-prefix --shared-cache, local users, JupyterHub"
  if [ "$(id -u)" != 0 ]; then
    echo "Tier 4b creates system users and needs root; run as root, or set NDPLAY_SKIP_HUB=1" >&2
    exit 1
  fi
  # What the tier runs besides Python: the hub's environment is made from the system's
  # Python (every student can run it; ./.venv's may lie under /root), and the proxy comes
  # from npm. Checked first, so a missing piece fails here and not after the shared build.
  if ! /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "Tier 4b: /usr/bin/python3 has no venv module; installing Debian's python3-venv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  for tool in /usr/bin/python3 npm node useradd userdel chpasswd runuser pkill pgrep; do
    command -v "$tool" >/dev/null || { echo "Tier 4b needs $tool, which is missing" >&2; exit 1; }
  done
  "$VENV/bin/python" -m pytest -p no:cacheprovider -q tests/hub
fi

step "Tier 5: JupyterLab in headless Chromium (installs chromium and playwright-core if missing)"
tests/browser/run.sh

step "All tiers passed"
