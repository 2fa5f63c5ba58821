#!/usr/bin/env bash
# Sets everything up and opens the lessons in JupyterLab.
#   - builds the kernel, makes ./.venv with JupyterLab,
#   - installs the "Rust (ndplay)" kernel into that venv and warms its build cache,
#   - starts JupyterLab on notebooks/, without its news and update pop-ups.
# Extra arguments go to `jupyter lab` (e.g. --no-browser, --port 8899).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_kernel
make_venv
step "Installing the kernel into $VENV and warming its cache"
"$NDPLAY" install --prefix "$VENV"
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
