#!/usr/bin/env bash
# Installs Debian packages for a set-up step: `apt-get update` then
# `apt-get install --no-install-recommends PKG...`, through sudo when not
# root. Fails with a message naming the packages when apt-get is missing.
set -euo pipefail
if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get is not available; install these yourself: $*" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "$@"
