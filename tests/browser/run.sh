#!/usr/bin/env bash
# Browser tier: JupyterLab in headless Chromium, as a student sees the lessons.
#
#   JUPYTER_PATH=<prefix>/share/jupyter NDPLAY_CACHE_DIR=<cache> tests/browser/run.sh
#
# The caller installs the kernel first (`ndplay install --prefix <prefix>`), as
# scripts/test.sh does. This script installs what else is missing (Debian's chromium,
# npm playwright-core from the lockfile), starts `jupyter lab` from ./.venv on a free
# loopback port with no token and a temporary root holding a copy of notebooks/ plus a
# fixture notebook executed just now (so it has fresh stored outputs), runs
# lab.test.mjs, and always stops the server. Anything missing is an error, never a skip.
# The same server serves Notebook 7 (/notebooks/...), which runs lesson 1 too.
# Screenshots go to target/browser-artifacts/. NDPLAY_UPDATE_SCREENSHOT=1 also copies
# lesson 1's screenshots, light and dark, to docs/screenshots/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv"
CHROMIUM=/usr/bin/chromium
ARTIFACTS="$ROOT/target/browser-artifacts"

say() { printf '[browser] %s\n' "$*"; }
die() { printf '[browser] ERROR: %s\n' "$*" >&2; exit 1; }

# --- what this tier needs ------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  say "installing Debian's chromium (not found at $CHROMIUM)"
  [ "$(id -u)" = 0 ] || die "chromium is missing and we are not root: apt-get install chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  [ -x "$CHROMIUM" ] || die "apt-get install chromium did not provide $CHROMIUM"
fi
command -v node >/dev/null || die "node is missing"
command -v npm >/dev/null || die "npm is missing"
[ -x "$VENV/bin/jupyter-lab" ] || die "no JupyterLab in $VENV (scripts/test.sh makes the venv)"
[ -x "$VENV/bin/jupyter-notebook" ] || die "no Notebook 7 in $VENV (tests/requirements.txt pins notebook)"
[ -n "${JUPYTER_PATH:-}" ] || die "JUPYTER_PATH is not set: install the kernel with 'ndplay install --prefix P' and set JUPYTER_PATH=P/share/jupyter"
KERNEL_DIR=""
IFS=: read -r -a jp_dirs <<<"$JUPYTER_PATH"
for d in "${jp_dirs[@]}"; do
  if [ -f "$d/kernels/ndplay/kernel.json" ]; then KERNEL_DIR="$d/kernels/ndplay"; break; fi
done
[ -n "$KERNEL_DIR" ] || die "no kernels/ndplay/kernel.json under JUPYTER_PATH=$JUPYTER_PATH"
say "kernel: $KERNEL_DIR"

(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $HERE"

# --- a private, throw-away Jupyter world ----------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ndplay-browser.XXXXXX")"
LAB_ROOT="$TMP/root"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping jupyter lab (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      say "jupyter lab did not stop in 20 s; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  local rc=$?
  stop_server
  if [ -f "$TMP/server.log" ]; then cp "$TMP/server.log" "$ARTIFACTS/jupyter-server.log" 2>/dev/null || true; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export JUPYTER_CONFIG_DIR="$TMP/config"
export JUPYTER_DATA_DIR="$TMP/data"        # empty: no notebook is trusted
export JUPYTER_RUNTIME_DIR="$TMP/runtime"
export JUPYTER_PATH
export NDPLAY_CACHE_DIR="${NDPLAY_CACHE_DIR:-}"
rm -rf "$ARTIFACTS"
mkdir -p "$LAB_ROOT" "$JUPYTER_CONFIG_DIR" "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$ARTIFACTS"

# A student's JupyterLab, as scripts/lab.sh makes it: nbgrader is in the venv for the
# instructor's tier (4a), and its lab extension adds an Nbgrader menu, a "Create Assignment"
# panel and a Validate button to every notebook. Disabled here in the throw-away config
# (user level), so the venv is left as it is and the screenshots that go to
# docs/screenshots/ show what a student sees, whatever the venv's own setting.
if "$VENV/bin/jupyter" labextension list 2>&1 | grep -q "@jupyter/nbgrader"; then
  say "nbgrader's lab extension off in this JupyterLab (a student's view)"
  # ("locked at a higher level" when the venv's own setting already disables it: fine.)
  "$VENV/bin/jupyter" labextension disable --level=user @jupyter/nbgrader >/dev/null 2>&1 \
    || die "could not disable @jupyter/nbgrader in $JUPYTER_CONFIG_DIR"
fi

# Lab settings: every cell in the DOM (no windowing), no news/update pop-ups.
SETTINGS="$TMP/settings"
mkdir -p "$SETTINGS/@jupyterlab/notebook-extension" "$SETTINGS/@jupyterlab/apputils-extension"
echo '{"windowingMode": "none"}' >"$SETTINGS/@jupyterlab/notebook-extension/tracker.jupyterlab-settings"
echo '{"fetchNews": "false", "checkForUpdates": false}' >"$SETTINGS/@jupyterlab/apputils-extension/notification.jupyterlab-settings"

# The whole notebooks/ dir: lessons read data files next to them.
cp -R "$ROOT/notebooks/." "$LAB_ROOT/"
find "$LAB_ROOT" -name .ipynb_checkpoints -prune -exec rm -rf {} +
LESSONS=()
shopt -s nullglob
for nb in "$LAB_ROOT"/*.ipynb; do LESSONS+=("$(basename "$nb")"); done
shopt -u nullglob
say "lesson notebooks: ${LESSONS[*]:-(none)}"

# The fixture gets its stored outputs from the kernel now, so the untrusted view is
# tested on what the current kernel writes (HTML arrays, SVG diagrams, an error).
say "executing the fixture notebook with nbclient (stored outputs for the untrusted view)"
"$VENV/bin/python" - "$HERE/fixtures/browser-fixture.ipynb" "$LAB_ROOT/browser-fixture.ipynb" <<'EOF' \
  || die "the fixture notebook failed to execute"
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="ndplay", timeout=600, startup_timeout=120).execute()
nbformat.write(nb, sys.argv[2])
EOF

PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
say "starting jupyter lab on $URL (root $LAB_ROOT)"
"$VENV/bin/jupyter-lab" --no-browser --ip=127.0.0.1 --port="$PORT" --port-retries=0 \
  --IdentityProvider.token='' --ServerApp.password='' --ServerApp.disable_check_xsrf=True \
  --ServerApp.root_dir="$LAB_ROOT" --ServerApp.open_browser=False --allow-root \
  --LabApp.expose_app_in_browser=True --LabApp.user_settings_dir="$SETTINGS" \
  --LabApp.workspaces_dir="$TMP/workspaces" \
  --JupyterNotebookApp.expose_app_in_browser=True --JupyterNotebookApp.user_settings_dir="$SETTINGS" \
  --JupyterNotebookApp.workspaces_dir="$TMP/workspaces" \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

for i in $(seq 1 120); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$TMP/server.log" >&2
    die "jupyter lab exited during start-up"
  fi
  if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('$URL/api/status', timeout=2)" 2>/dev/null; then
    break
  fi
  [ "$i" = 120 ] && { cat "$TMP/server.log" >&2; die "jupyter lab did not answer on $URL within 60 s"; }
  sleep 0.5
done
"$VENV/bin/python" -c "
import json, urllib.request, sys
specs = json.load(urllib.request.urlopen('$URL/api/kernelspecs'))['kernelspecs']
sys.exit(0 if 'ndplay' in specs else 'the server does not list the ndplay kernel: %s' % sorted(specs))
" || die "kernelspec check failed"
say "jupyter lab is up"

set +e
LAB_URL="$URL" LAB_ROOT="$LAB_ROOT" LAB_LESSONS="${LESSONS[*]:-}" ARTIFACTS="$ARTIFACTS" \
  CHROMIUM="$CHROMIUM" REPO_ROOT="$ROOT" \
  node --test --test-reporter=spec --test-concurrency=1 \
    ${LAB_TEST_PATTERN:+--test-name-pattern="$LAB_TEST_PATTERN"} "$HERE/lab.test.mjs"
status=$?
set -e
if [ "$status" = 0 ]; then
  say "passed; screenshots in $ARTIFACTS"
else
  say "FAILED (node --test exited $status); screenshots and server log in $ARTIFACTS"
fi
exit "$status"
