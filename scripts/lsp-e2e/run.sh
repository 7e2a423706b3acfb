#!/usr/bin/env bash
# End-to-end test of `bglint lsp` driven by a real editor: headless Neovim runs check.lua
# against a temporary copy of fixtures/flutter-crossfile-fixed.
# Usage: scripts/lsp-e2e/run.sh [BGLINT_BINARY]   (default: target/release/bglint, built if missing)
# Exit: 0 every step passed, 1 a step failed, 2 the environment is not usable (no Neovim, no binary).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# The binary: as given, or the release build (built only when it is missing).
if [ $# -ge 1 ]; then
  bin=$1
  if [ ! -x "$bin" ]; then
    echo "lsp-e2e: $bin is not an executable file" >&2
    exit 2
  fi
else
  bin=$repo/target/release/bglint
  if [ ! -x "$bin" ]; then
    echo "lsp-e2e: $bin is missing; running cargo build --release" >&2
    (cd "$repo" && cargo build --release)
  fi
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# Neovim: Debian's package when it is not on PATH.
if ! command -v nvim >/dev/null 2>&1; then
  echo "lsp-e2e: nvim not found; installing Debian's neovim package" >&2
  if ! { command -v apt-get >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q neovim; } >&2; then
    echo "lsp-e2e: could not install Neovim (apt-get install neovim failed); install Neovim 0.7 or later and re-run" >&2
    exit 2
  fi
  if ! command -v nvim >/dev/null 2>&1; then
    echo "lsp-e2e: neovim was installed but nvim is still not on PATH ($PATH)" >&2
    exit 2
  fi
fi
nvim_version=$(nvim --version | head -n 1)
if ! nvim --headless --clean -u NONE -c 'if !has("nvim-0.7") | cquit 1 | endif' -c 'qa!' </dev/null >/dev/null 2>&1; then
  echo "lsp-e2e: $nvim_version is too old; Neovim 0.7 or later is needed" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bglint-lsp-e2e.XXXXXX")
cleanup() { if [ -z "${BGLINT_E2E_KEEP:-}" ]; then rm -rf "$work"; fi; }
trap cleanup EXIT
# Resolve symlinks (macOS: /tmp and $TMPDIR are links): Neovim resolves symlinked directories
# in buffer names, and the server matches documents to the root by path prefix, unresolved.
work=$(cd "$work" && pwd -P)
project=$work/app
cp -R "$repo/fixtures/flutter-crossfile-fixed" "$project"
# BGLINT_E2E_ROOT_VIA_SYMLINK=1 hands the server the root through a symlink instead (the
# buffers still get resolved names): a reproduction of that mismatch.
root=$project
if [ -n "${BGLINT_E2E_ROOT_VIA_SYMLINK:-}" ]; then
  root=$work/app-link
  ln -s "$project" "$root"
fi
summary=$work/summary.json

echo "lsp-e2e: $nvim_version, server $bin"
echo "lsp-e2e: project $root"

# A private XDG home: no user config, and Neovim's lsp.log (the server's stderr) lands in $work.
status=0
(
  cd "$here"
  export XDG_CONFIG_HOME=$work/xdg/config XDG_DATA_HOME=$work/xdg/data
  export XDG_CACHE_HOME=$work/xdg/cache XDG_STATE_HOME=$work/xdg/state
  export BGLINT_BIN=$bin BGLINT_PROJECT=$root BGLINT_E2E_SUMMARY=$summary
  # check.lua quits by itself; the second -c only runs if it could not even be loaded.
  timeout 300 nvim --headless --clean -u NONE -c "luafile check.lua" -c "cquit 3" </dev/null
) || status=$?

if [ -s "$summary" ]; then
  echo "lsp-e2e: summary"
  if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool --sort-keys "$summary"
  else
    cat "$summary"
  fi
else
  echo "lsp-e2e: no summary was written" >&2
fi

passed=no
if [ "$status" -eq 0 ] && grep -q '"result": *"pass"' "$summary" 2>/dev/null; then
  passed=yes
fi
if [ "$passed" != yes ]; then
  [ "$status" -eq 124 ] && echo "lsp-e2e: Neovim did not finish within 300 s" >&2
  log=$work/xdg/cache/nvim/lsp.log
  if [ -s "$log" ]; then
    echo "lsp-e2e: last lines of Neovim's lsp.log (server stderr included):" >&2
    tail -n 40 "$log" >&2
  fi
  echo "lsp-e2e: FAILED (nvim exit $status)" >&2
  exit 1
fi
echo "lsp-e2e: all steps passed"
