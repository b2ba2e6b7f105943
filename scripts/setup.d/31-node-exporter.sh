#!/usr/bin/env bash
# Debian's node exporter: the real scrape target of tests/run_prometheus.rs
# (the test starts its own instance on 127.0.0.1; the packaged service is
# not started here). Idempotent: installs only when missing, and runs
# `apt-get update` only then.
set -euo pipefail

if command -v prometheus-node-exporter >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "prometheus-node-exporter is missing and apt-get is not available; install it to run tests/run_prometheus.rs" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends prometheus-node-exporter
