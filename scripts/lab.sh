#!/usr/bin/env bash
# Sets everything up and opens the lessons in JupyterLab.
#   - builds the kernel while ./.venv gets JupyterLab (the two at once),
#   - installs the "Rust (ndplay)" kernel into that venv and warms its build cache,
#   - builds completion's helper and its index in the background (minutes, at low
#     priority, while the student starts: Tab offers names until they are there),
#   - starts JupyterLab on notebooks/, without its news and update pop-ups.
# Extra arguments go to `jupyter lab` (e.g. --no-browser, --port 8899).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$ROOT/target"
PIP_LOG="$ROOT/target/lab-pip.log"
# pip mostly waits for the network, cargo for the cores: side by side, a fresh machine's
# set-up is the longer of the two, not their sum (docs/performance.md, "A fresh machine").
make_venv "$ROOT/tests/requirements-lab.txt" >"$PIP_LOG" 2>&1 &
VENV_JOB=$!
trap 'kill "$VENV_JOB" 2>/dev/null || true' EXIT
step "JupyterLab into $VENV, in the background (log: $PIP_LOG)"
build_kernel
step "Waiting for JupyterLab's install"
if ! wait "$VENV_JOB"; then
  cat "$PIP_LOG" >&2
  echo "Installing JupyterLab into $VENV failed (above); fix that and run this script again." >&2
  exit 1
fi
trap - EXIT
step "Installing the kernel into $VENV and warming its cache"
"$NDPLAY" install --prefix "$VENV"
# Completion's helper (evcxr's rust-analyzer: most of the build) and the completion index
# it makes: nothing a first cell waits for. At the lowest priority, so cells run first;
# `ndplay install` again keeps what is built and adds the index. Jupyter's Ctrl-C does not
# stop it (background jobs of a script ignore SIGINT), so a closed JupyterLab still ends up
# with completion for next time. Kernels started before it is done take the index up at
# their next Tab.
ANALYSIS_LOG="$ROOT/target/lab-analysis.log"
step "Completion's helper and index: building in the background (log: $ANALYSIS_LOG)"
(
  cd "$ROOT"
  nice -n 19 cargo build --release --locked -p ndplay-analysis &&
    nice -n 19 "$NDPLAY" install --prefix "$VENV" &&
    echo "Completion is ready: Tab on an array offers its methods."
) >"$ANALYSIS_LOG" 2>&1 &
# JupyterLab asks on its first start whether to fetch "official Jupyter news", in a pop-up
# that covers outputs in a classroom. overrides.json in the venv's application settings
# changes that default for this JupyterLab only: no news, no update checks. A choice the
# user made in Settings still wins, and other keys of the file are kept.
step "JupyterLab without news and update pop-ups ($VENV/share/jupyter/lab/settings/overrides.json)"
"$VENV/bin/python" - "$VENV/share/jupyter/lab/settings/overrides.json" <<'PY'
import json, os, sys
path = sys.argv[1]
os.makedirs(os.path.dirname(path), exist_ok=True)
try:
    with open(path) as f:
        overrides = json.load(f)
except FileNotFoundError:
    overrides = {}
overrides.setdefault("@jupyterlab/apputils-extension:notification", {}).update(
    {"fetchNews": "false", "checkForUpdates": False}
)
with open(path, "w") as f:
    json.dump(overrides, f, indent=2)
    f.write("\n")
PY
# nbgrader (in the venv for the instructor's tier) adds an Nbgrader menu, a "Create
# Assignment" panel and a Validate button to every notebook: noise for a student. Off in this
# JupyterLab; an instructor turns it on with `jupyter labextension enable @jupyter/nbgrader`
# (docs/authoring.md).
if "$VENV/bin/jupyter" labextension list 2>&1 | grep -q "@jupyter/nbgrader"; then
  step "JupyterLab without nbgrader's panels (an instructor's tool; see docs/authoring.md)"
  "$VENV/bin/jupyter" labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null
fi
step "Starting JupyterLab on notebooks/ (Ctrl-C to stop)"
cd "$ROOT/notebooks"
# Jupyter refuses to start as root without --allow-root; a fresh machine of the kind the
# README describes (apt as root) often is root.
ROOT_FLAG=()
if [ "$(id -u)" = 0 ]; then ROOT_FLAG=(--allow-root); fi
exec "$VENV/bin/jupyter" lab "${ROOT_FLAG[@]}" "$@"
