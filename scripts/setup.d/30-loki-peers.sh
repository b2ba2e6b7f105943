#!/usr/bin/env bash
# Real Loki peers for the loki.source.api tests: python-logging-loki (and its
# dependencies), at a pinned version. Installed into the user's
# Python (pip), as 10-python-peers.sh does; skipped when already present.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=loki/tests/peers/requirements.txt
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
