#!/usr/bin/env bash
# Builds the VS Code extension as editors/vscode/alloy-vscode.vsix with vsce
# (an npm dev dependency, pinned in package-lock.json). Needs node 20+ and
# npm (installed by scripts/setup.d/15-node.sh). Install the result with
#   code --install-extension editors/vscode/alloy-vscode.vsix
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"
npm ci --no-audit --no-fund --loglevel=error >&2
npm run --silent package >&2
echo "$(pwd)/alloy-vscode.vsix"
