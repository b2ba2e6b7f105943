#!/usr/bin/env bash
# The main job on a fresh machine: build the release binary and run it on the
# example configuration shipped in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked
./target/release/alloy parse examples/config.alloy
echo "examples/config.alloy: no syntax errors"
