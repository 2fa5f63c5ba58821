#!/usr/bin/env bash
# A rehearsal of binder/ without a container engine (there is none on this machine): the
# steps repo2docker runs, as a fresh user, in a fresh home, from a clean export of HEAD:
# the notebook environment (a venv of the system's Python with environment.yml's pip
# packages standing in for the conda environment, and a readable copy of the CI's rustc
# 1.95 standing in for conda-forge's rust), then binder/postBuild, then a first cell as
# that user. Not a CI tier: it builds the kernel from nothing (15-25 minutes on 2 cores).
# Run as root: tests/hub/binder_rehearsal.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
USER_NAME=ndplaybinder
ENV_DIR=/srv/ndplay-rehearsal/notebook
TOOLCHAIN=/opt/ndplay-hubtest/rust
[ "$(id -u)" = 0 ] || { echo "run as root (it creates a user)" >&2; exit 1; }
[ -x "$TOOLCHAIN/bin/rustc" ] || { echo "run tests/hub first: it makes $TOOLCHAIN" >&2; exit 1; }

pkill -KILL -u "$USER_NAME" 2>/dev/null || true
userdel --remove "$USER_NAME" 2>/dev/null || true
useradd --create-home --shell /bin/bash "$USER_NAME"
HOME_DIR="$(getent passwd "$USER_NAME" | cut -d: -f6)"
rm -rf /srv/ndplay-rehearsal && mkdir -p /srv/ndplay-rehearsal && chown "$USER_NAME:" /srv/ndplay-rehearsal
mkdir "$HOME_DIR/repo" && git -C "$ROOT" archive HEAD | tar -x -C "$HOME_DIR/repo"
chown -R "$USER_NAME:" "$HOME_DIR/repo"

as_user() {
  runuser -u "$USER_NAME" -- env -i HOME="$HOME_DIR" USER="$USER_NAME" LANG=C.UTF-8 \
    PATH="$ENV_DIR/bin:$TOOLCHAIN/bin:/usr/bin:/bin" NB_PYTHON_PREFIX="$ENV_DIR" "$@"
}
start=$(date +%s)
# environment.yml's pip section, into the stand-in for the conda environment.
pip_pkgs=$(sed -n 's/^      - \(.*==.*\)$/\1/p' "$ROOT/binder/environment.yml")
as_user /usr/bin/python3 -m venv "$ENV_DIR"
as_user "$ENV_DIR/bin/pip" install --quiet --disable-pip-version-check $pip_pkgs
echo "environment: $(( $(date +%s) - start )) s"
(cd "$HOME_DIR/repo" && as_user bash binder/postBuild)
echo "postBuild done: $(( $(date +%s) - start )) s"
# A student's session in the image: the kernelspec from the environment, no compile.
as_user env PYTHONPATH="$HOME_DIR/repo/tests" "$ENV_DIR/bin/python" "$HOME_DIR/repo/tests/hub/student_first_cell.py" ndplay
