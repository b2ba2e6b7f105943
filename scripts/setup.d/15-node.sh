#!/usr/bin/env bash
# Node and npm for the VS Code extension's tests and its .vsix
# (scripts/test.d/30-vscode.sh, scripts/vsix.sh) and the LSP client end-to-end
# test. apt-installs them only when missing.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    exit 0
fi
cd "$(dirname "$0")/../.."
bash scripts/apt-install.sh nodejs npm
