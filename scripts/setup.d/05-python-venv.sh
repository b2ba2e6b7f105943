#!/usr/bin/env bash
# Python 3 and the virtual environment every Python peer is installed into
# (ALLOY_VENV, default .venv in the repository). apt-installs python3 and
# python3-venv only when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${ALLOY_VENV:-$PWD/.venv}"
if [ -x "$venv/bin/python3" ]; then
    exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    bash scripts/apt-install.sh python3 python3-venv
fi
python3 -m venv "$venv"
