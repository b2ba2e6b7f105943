#!/usr/bin/env bash
# Debian's Prometheus (2.42) and node exporter: the real remote-write
# receiver and scrape targets of the Prometheus pipeline tests
# (tests/run_remote_write.rs). The tests start their own servers on
# 127.0.0.1; the packaged services are not started here. Idempotent:
# installs only what is missing, and runs `apt-get update` only then.
set -euo pipefail

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "${missing[*]} missing and apt-get is not available; install them to run the Prometheus peer tests" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
