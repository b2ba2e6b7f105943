#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine. Idempotent:
# every step checks before it installs. Used by scripts/main.sh,
# scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (install Rust with rustup)" >&2
    exit 2
fi

# Extra steps register themselves here as the project grows (Python peers,
# Node for the editor clients, ...). Each one is a script in scripts/setup.d.
if [ -d scripts/setup.d ]; then
    for step in scripts/setup.d/*.sh; do
        [ -e "$step" ] || continue
        log "setup: $(basename "$step")"
        bash "$step"
    done
fi
