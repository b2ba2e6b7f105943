#!/usr/bin/env bash
# Real OTLP peers for the pipeline tests: the OpenTelemetry Python SDK and its
# gRPC and HTTP exporters, at pinned versions. Installed into the user's
# Python (pip), skipped when already present at those versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=otelcol/tests/peers/requirements.txt
[ -f "$req" ] || exit 0
if python3 - "$req" <<'PY' 2>/dev/null; then
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
python3 -m pip install --quiet --disable-pip-version-check -r "$req"
