#!/usr/bin/env bash
# Headless Chromium from Debian, for the `/graph` page test of `alloy run`
# (tests/run_graph.rs). Idempotent: installs only when missing, and runs
# `apt-get update` once, only then.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and apt-get is not available; install Chromium to run tests/run_graph.rs" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
