#!/usr/bin/env bash
# End-to-end tests of `alloy lsp` with real clients:
#   1. pytest-lsp (lsp/tests/e2e, Python venv under the cargo target directory),
#   2. the headless Neovim harness (editors/neovim/test/run.sh),
#   3. the VS Code extension's bundled client (vscode-languageclient) in Node, with a stand-in for
#      the `vscode` module (editors/vscode/test/unit/real-server.test.ts; needs npm).
# Prints "N passed, N failed" over all and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/lsp-e2e-venv"
passed=0
failed=0

# Adds the counts of a "N passed" / "N failed" summary in $1 (a file).
count() {
    local p f
    p="$(grep -oE '[0-9]+ passed' "$1" | tail -n 1 | grep -oE '[0-9]+' || true)"
    f="$(grep -oE '[0-9]+ (failed|errors?)' "$1" | tail -n 1 | grep -oE '[0-9]+' || true)"
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
}

echo "==> building alloy" >&2
if ! cargo build --locked --bin alloy; then
    echo "0 passed, 1 failed"
    exit 1
fi
bin="$target/debug/alloy"

echo "==> pytest-lsp (venv: $venv)" >&2
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r lsp/tests/e2e/requirements.txt; then
    echo "pip install failed" >&2
    failed=$((failed + 1))
else
    log="$(mktemp)"
    ALLOY_BIN="$bin" "$venv/bin/python" -m pytest lsp/tests/e2e -p no:cacheprovider -q -rf 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    before=$failed
    count "$log"
    if [ "$status" -ne 0 ] && [ "$failed" -eq "$before" ]; then
        failed=$((failed + 1)) # pytest failed without a count (collection error, exit 5, ...)
    fi
    rm -f "$log"
fi

echo "==> Neovim (editors/neovim/test/run.sh)" >&2
log="$(mktemp)"
editors/neovim/test/run.sh "$bin" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
before=$failed
count "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq "$before" ]; then
    failed=$((failed + 1)) # setup error (no Neovim, ...)
fi
rm -f "$log"

echo "==> VS Code extension client (editors/vscode, real-server.test.ts)" >&2
if ! command -v npm >/dev/null 2>&1; then
    echo "npm is required for the VS Code client test" >&2
    failed=$((failed + 1))
else
    log="$(mktemp)"
    (
        cd editors/vscode &&
            npm ci --no-audit --no-fund --loglevel=error &&
            npm run --silent build &&
            npm run --silent compile-tests &&
            ALLOY_BIN="$bin" node --test --test-reporter=tap out/test/unit/real-server.test.js
    ) 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    p="$(grep -oE '^# pass [0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)"
    f="$(grep -oE '^# fail [0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)"
    s="$(grep -oE '^# skipped [0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)"
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${s:-0})) # skipped here means the binary was not found
    if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        failed=$((failed + 1))
    fi
    rm -f "$log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
