#!/usr/bin/env bash
# The main job on a fresh machine: build the release binary and run it on the
# example configuration shipped in the repository: parse it, check it (every
# upstream validation plus types, signals and dead pipelines) and verify that
# it is formatted as upstream `alloy fmt` would format it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh main
cargo build --release --locked
ALLOY="${CARGO_TARGET_DIR:-target}/release/alloy"
"$ALLOY" parse examples/config.alloy
echo "examples/config.alloy: no syntax errors"
"$ALLOY" check examples/config.alloy
echo "examples/config.alloy: checks clean"
"$ALLOY" fmt --test examples/config.alloy
echo "examples/config.alloy: formatted"
