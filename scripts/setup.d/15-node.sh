#!/usr/bin/env bash
# Node and npm for the VS Code extension's tests and its .vsix
# (scripts/test.d/30-vscode.sh, scripts/vsix.sh) and the LSP client end-to-end
# test. apt-installs them only when missing.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "node and npm are required for the editor tests; install Node 20+" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends nodejs npm
