#!/usr/bin/env bash
# Debian's Prometheus (2.42) and node exporter: the real remote-write receiver
# and scrape targets of the Prometheus pipeline tests (tests/run_remote_write.rs,
# tests/run_prometheus.rs), and curl for the Loki push API tests. The tests
# start their own servers on 127.0.0.1; the packaged services are not started.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || missing+=(prometheus-node-exporter)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ "${#missing[@]}" -eq 0 ] && exit 0
bash scripts/apt-install.sh "${missing[@]}"
