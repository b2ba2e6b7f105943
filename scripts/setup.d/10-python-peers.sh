#!/usr/bin/env bash
# Real OTLP peers for the pipeline tests: the OpenTelemetry Python SDK and its
# gRPC and HTTP exporters, at pinned versions, installed into the virtual
# environment of 05-python-venv.sh (never the system's Python). Skipped when
# already present at those versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=otelcol/tests/peers/requirements.txt
[ -f "$req" ] || exit 0
venv="${ALLOY_VENV:-$PWD/.venv}"
py="$venv/bin/python3"
if "$py" - "$req" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if not line:
        continue
    name, _, want = line.partition('==')
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
    exit 0
fi
"$py" -m pip install --quiet --disable-pip-version-check -r "$req"
