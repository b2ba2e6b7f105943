#!/usr/bin/env bash
# Self-test of the end-to-end harness with the fake server (fake_alloy_lsp.py):
# the harness must pass against a well-behaved server and fail, with the right message,
# against each kind of broken one. Does not need the real alloy binary.
#
#   editors/neovim/test/selftest.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fake="$here/fake_alloy_lsp.py"
export ALLOY_E2E_TIMEOUT_MS="${ALLOY_E2E_TIMEOUT_MS:-4000}"

passed=0
failed=0

# expect <mode> <exit status> [text that must appear in the output]
expect() {
  local mode="$1" want_status="$2" want_text="${3:-}"
  local output status
  output="$(FAKE_ALLOY_MODE="$mode" "$here/run.sh" "$fake" 2>&1)"
  status=$?
  if [[ "$status" == "$want_status" && ( -z "$want_text" || "$output" == *"$want_text"* ) ]]; then
    passed=$((passed + 1))
    echo "ok     mode '${mode:-default}': exit $status${want_text:+, reports \"$want_text\"}"
  else
    failed=$((failed + 1))
    echo "FAIL   mode '${mode:-default}': expected exit $want_status${want_text:+ and \"$want_text\"}, got exit $status:"
    sed 's/^/       /' <<<"$output"
  fi
}

expect "" 0 "9 passed, 0 failed"
expect "pull-diagnostics" 0 "9 passed, 0 failed"
expect "utf8" 0 "9 passed, 0 failed"
expect "slow-init" 0 "9 passed, 0 failed"
expect "no-diagnostics" 1 "FAIL   diagnostics: syntax_error.alloy"
expect "bad-format" 1 "formatted text differs"
expect "no-format" 1 "does not support textDocument/formatting"
expect "no-completion" 1 "missing forward_to"
expect "exit-on-init" 1 "the server exited with code 3"

# Setup errors: a missing binary, and a program that is not a language server.
output="$("$here/run.sh" /nonexistent/alloy 2>&1)"; status=$?
if [[ $status == 2 && "$output" == *"not found or not executable"* ]]; then
  passed=$((passed + 1)); echo "ok     missing binary: exit 2"
else
  failed=$((failed + 1)); echo "FAIL   missing binary: exit $status: $output"
fi
output="$("$here/run.sh" "$(type -P true)" 2>&1)"; status=$?
if [[ $status == 1 && "$output" == *"no initialized grafana_alloy client"* ]]; then
  passed=$((passed + 1)); echo "ok     not a language server (true): exit 1"
else
  failed=$((failed + 1)); echo "FAIL   not a language server (true): exit $status: $output"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
