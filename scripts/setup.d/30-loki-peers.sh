#!/usr/bin/env bash
# Real Loki peer for the loki.source.api tests: python-logging-loki (pinned in
# loki/tests/peers/requirements.txt), installed into the user's Python with
# pip as 10-python-peers.sh installs the OTLP peers; skipped when importable.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=loki/tests/peers/requirements.txt
[ -f "$req" ] || exit 0
python3 -c 'import logging_loki' 2>/dev/null && exit 0
python3 -m pip install --quiet --disable-pip-version-check -r "$req"
