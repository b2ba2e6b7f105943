#!/usr/bin/env bash
# Every test, on a fresh machine: set-up, then the whole workspace's tests.
# Conformance suites read ../shared/conformance (or ALLOY_CONFORMANCE_DIR)
# and skip when it is absent unless ALLOY_REQUIRE_CONFORMANCE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Python peers live in the set-up's virtual environment: `python3` is its.
export ALLOY_VENV="${ALLOY_VENV:-$PWD/.venv}"
export PATH="$ALLOY_VENV/bin:$PATH"
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
cargo test --workspace --locked
if [ -d scripts/test.d ]; then
    for step in scripts/test.d/*.sh; do
        [ -e "$step" ] || continue
        echo "==> test: $(basename "$step")" >&2
        bash "$step"
    done
fi
