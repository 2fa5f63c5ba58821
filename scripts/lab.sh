#!/usr/bin/env bash
# Sets everything up and opens the lessons in JupyterLab.
#   - builds the kernel, makes ./.venv with JupyterLab,
#   - installs the "Rust (ndplay)" kernel into that venv and warms its build cache,
#   - starts JupyterLab on notebooks/.
# Extra arguments go to `jupyter lab` (e.g. --no-browser, --port 8899).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
build_kernel
make_venv
step "Installing the kernel into $VENV and warming its cache"
"$NDPLAY" install --prefix "$VENV"
step "Starting JupyterLab on notebooks/ (Ctrl-C to stop)"
cd "$ROOT/notebooks"
exec "$VENV/bin/jupyter" lab "$@"
