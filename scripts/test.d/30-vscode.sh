#!/usr/bin/env bash
# The VS Code extension: TextMate grammar tests, snapshot tests and unit tests
# of the client code (no VS Code instance needed).
set -euo pipefail
cd "$(dirname "$0")/../../editors/vscode"
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is required for the VS Code extension tests" >&2
    exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
npm test
