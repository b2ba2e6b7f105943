#!/usr/bin/env bash
# The VS Code extension: TextMate grammar tests, snapshot tests and unit tests
# of the client code (no VS Code instance needed), then the README's packaging
# command, checked to produce a .vsix with the bundled client in it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is required for the VS Code extension tests (scripts/setup.d/20-node.sh installs it)" >&2
    exit 1
fi
vsix="$(bash scripts/vsix.sh)"
(cd editors/vscode && npm test)
python3 - "$vsix" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for want in ("extension/package.json", "extension/dist/extension.js",
             "extension/syntaxes/alloy.tmLanguage.json"):
    assert want in names, f"{want} missing from {sys.argv[1]}: {sorted(names)}"
print(f"vsix ok: {sys.argv[1]}")
PY
