#!/usr/bin/env bash
# The benchmark of issue 5: prints the table (ndplay, the compile floor, tuned
# evcxr_jupyter 0.22.0, and the ratios), every figure a median over several fresh runs.
#
#   bench/run.sh [--quick] [--only ndplay,lesson,cache,loops,widget,completion,evcxr,floor] [--read-wait SECONDS]
#
# Uses target/release/ndplay as built (it does not build the kernel). Builds
# evcxr_jupyter 0.22.0 once into target/bench/evcxr (~10 min on 2 cores), then reuses it.
# Everything else is private, under $BENCH_WORK (default ~/.cache/ndplay-bench: outside the
# cargo workspace, whose manifest would otherwise claim the generated crates):
# ndplay's cache and kernelspec, evcxr's kernelspec, config (init.evcxr) and :cache,
# the floor crate's target dir, kernel logs and the raw results (results-*.json).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NDPLAY="$ROOT/target/release/ndplay"
PY="$ROOT/.venv/bin/python"
EVCXR_ROOT="$ROOT/target/bench/evcxr"
EVCXR="$EVCXR_ROOT/bin/evcxr_jupyter"
# Under the home directory: the kernel refuses a cache under /tmp, which others can write.
WORK="${BENCH_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/ndplay-bench}"
mkdir -p "$WORK"

[ -x "$NDPLAY" ] || { echo "no $NDPLAY: build the kernel first (cargo build --release)" >&2; exit 1; }
# The completion rows measure the index and rust-analyzer's process: both need the helper.
[ -x "$ROOT/target/release/ndplay-analysis" ] ||
  { echo "no $ROOT/target/release/ndplay-analysis: build it first (cargo build --release)" >&2; exit 1; }
[ -x "$PY" ] || { echo "no $PY: run scripts/lab.sh or scripts/test.sh once" >&2; exit 1; }
# bench.py imports the kernel harness of tests/ through .venv's path file, which
# scripts/common.sh writes (a venv made before it has none).
"$PY" -c 'import ndplay_harness' 2>/dev/null || {
  echo "$PY cannot import tests/ndplay_harness: run scripts/lab.sh or scripts/test.sh once," \
    "or just: bash -c 'source scripts/common.sh && make_venv'" >&2
  exit 1
}

# Private Jupyter dirs: nothing of the user's is read or written.
export JUPYTER_CONFIG_DIR="$WORK/jupyter-config"
export JUPYTER_DATA_DIR="$WORK/jupyter-data"
export JUPYTER_RUNTIME_DIR="$WORK/jupyter-runtime"
EVCXR_KERNELS="$WORK/evcxr-jupyter"
export JUPYTER_PATH="$WORK/ndplay-prefix/share/jupyter:$EVCXR_KERNELS"
export NDPLAY_CACHE_DIR="$WORK/ndplay-cache"
export EVCXR_CONFIG_DIR="$WORK/evcxr-config"
export XDG_CACHE_HOME="$WORK/evcxr-cache-home"   # evcxr's :cache (dirs::cache_dir)
export BENCH_WORK="$WORK"
# The compiled-cell cache off for every kernel and spare: the compile rows measure compiling.
# bench.py turns it on where it measures the cache itself (issue 27).
export NDPLAY_CELL_CACHE=0

# 1. ndplay installed into a private prefix; the first install compiles ndarray and the
#    prelude, later ones find them cached ("a machine where ndplay install has run").
echo "== ndplay install --prefix $WORK/ndplay-prefix" >&2
"$NDPLAY" install --prefix "$WORK/ndplay-prefix" >"$WORK/ndplay-install.log" 2>&1 \
  || { cat "$WORK/ndplay-install.log" >&2; exit 1; }
# The route "generics not shared" needs its own cache, built the old way (prelude at
# opt-level 3 without the shared instances, cells at 0); its spare is not used.
export NDPLAY_CACHE_UNSHARED="$WORK/ndplay-cache-unshared"
NDPLAY_SHARED_GENERICS=0 NDPLAY_SPARE=0 NDPLAY_CACHE_DIR="$NDPLAY_CACHE_UNSHARED" \
  "$NDPLAY" install --prefix "$WORK/ndplay-prefix" >"$WORK/ndplay-install-unshared.log" 2>&1 \
  || { cat "$WORK/ndplay-install-unshared.log" >&2; exit 1; }

# 2. evcxr_jupyter 0.22.0, built once; its kernelspec ("rust") in a private dir.
if [ ! -x "$EVCXR" ]; then
  echo "== cargo install evcxr_jupyter 0.22.0 (once, ~10 min)" >&2
  cargo install evcxr_jupyter --locked --version 0.22.0 --root "$EVCXR_ROOT"
fi
JUPYTER_PATH="$EVCXR_KERNELS" "$EVCXR" --install >/dev/null
# Tuned as issue 5 says: :cache and :opt 0 run at start-up (init.evcxr, which
# evcxr_jupyter loads before the first cell), and a fast linker when present (evcxr picks
# mold, then lld, by itself when they are on PATH; :linker makes it explicit).
mkdir -p "$EVCXR_CONFIG_DIR"
{
  echo ":cache 500"
  echo ":opt 0"
  if command -v mold >/dev/null; then echo ":linker mold"
  elif command -v lld >/dev/null || command -v ld.lld >/dev/null; then echo ":linker lld"; fi
} >"$EVCXR_CONFIG_DIR/init.evcxr"

# 3. Warm evcxr's :cache with the session the benchmark runs, once per work dir, so that
#    `:dep ndarray` is "from its cache" as the issue measured it.
if [ ! -e "$WORK/evcxr-warm" ]; then
  echo "== warming evcxr's :cache (once)" >&2
  "$PY" bench/bench.py --only evcxr --warm-only
  touch "$WORK/evcxr-warm"
fi

{
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  echo "ndplay: $("$NDPLAY" --version) (binary of $(date -r "$NDPLAY" '+%F %T')), checkout $(git rev-parse --short HEAD)"
  echo "evcxr_jupyter: 0.22.0 ($EVCXR); init.evcxr: $(tr '\n' ' ' <"$EVCXR_CONFIG_DIR/init.evcxr")"
  echo "linker: mold $(command -v mold >/dev/null && echo yes || echo no), lld $(command -v lld >/dev/null || command -v ld.lld >/dev/null && echo yes || echo no); rustc $(rustc --version | cut -d' ' -f2)"
}
STAMP="$(date +%Y%m%d-%H%M%S)"
"$PY" bench/bench.py --out "$WORK/results-$STAMP.json" "$@"
# Issue 27, goal 4: the README's first command on a fresh machine (a clean clone of HEAD,
# empty caches; minutes of both cores, so last).
echo "== a fresh machine: scripts/lab.sh from a clean clone (bench/fresh_machine.py)" >&2
# Its steps and record go to a log; the goal's line (or what went wrong) is printed.
"$PY" bench/fresh_machine.py --work "$WORK/fresh" >"$WORK/fresh-machine.log" 2>&1 || true
tail -1 "$WORK/fresh-machine.log"
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end (1, 5 and 15 minutes)"
echo "raw results: $WORK/results-$STAMP.json; kernel logs: $WORK/logs" >&2
