#!/usr/bin/env bash
# Real Loki client for the loki.source.api tests: python-logging-loki (pinned
# in loki/tests/peers/requirements.txt), installed into the virtual environment
# of 05-python-venv.sh as 10-python-peers.sh installs the OTLP peers; skipped
# when importable there.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=loki/tests/peers/requirements.txt
[ -f "$req" ] || exit 0
venv="${ALLOY_VENV:-$PWD/.venv}"
py="$venv/bin/python3"
"$py" -c 'import logging_loki' 2>/dev/null && exit 0
"$py" -m pip install --quiet --disable-pip-version-check -r "$req"
