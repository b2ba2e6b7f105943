#!/usr/bin/env bash
# Installs what a README command needs on a fresh machine, and nothing more.
# Idempotent: every step checks before it installs.
#
#   bash scripts/setup.sh main   # the main job (scripts/main.sh): only cargo
#   bash scripts/setup.sh        # everything the tests need (scripts/test.sh,
#                                # .ci/run): the steps in scripts/setup.d
#
# Python packages go into a virtual environment (ALLOY_VENV, default .venv in
# the repository), never into the system's Python; scripts/test.sh puts its
# bin/ first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (install Rust with rustup)" >&2
    exit 2
fi

profile="${1:-test}"
case "$profile" in
    main) exit 0 ;;
    test) ;;
    *)
        echo "usage: scripts/setup.sh [main|test]" >&2
        exit 2
        ;;
esac

# Each step of the test set-up is a script in scripts/setup.d (Python peers
# in the venv, Node for the editor clients, Chromium for the /graph page).
if [ -d scripts/setup.d ]; then
    for step in scripts/setup.d/*.sh; do
        [ -e "$step" ] || continue
        log "setup: $(basename "$step")"
        bash "$step"
    done
fi
