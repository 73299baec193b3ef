#!/bin/bash
# The newest Neovim Debian has (unstable: 0.11 or newer, the first releases with
# vim.lsp.config and vim.lsp.enable) on Debian 12, the way install-neovim.sh takes 0.10 from
# Debian 13: apt-get download of neovim, neovim-runtime and the packages neovim depends on
# (read from apt-cache, since unstable renames its libraries), dpkg -x into DEST, then
# patchelf onto the newer glibc that comes with them. The system's own packages are
# untouched. Idempotent: does nothing when DEST/nvim already runs.
# usage: install-neovim-unstable.sh [DEST]   (default ~/.cache/goescape-e2e/neovim-unstable) -> DEST/nvim
set -eu
DEST=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/goescape-e2e/neovim-unstable}
if [ -x "$DEST/nvim" ] && "$DEST/nvim" --version >/dev/null 2>&1; then "$DEST/nvim" --version | head -1; exit 0; fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/_apt-suite.sh"
command -v patchelf >/dev/null || ge_apt_install patchelf
rm -rf "$DEST"; mkdir -p "$DEST/debs" "$DEST/root"
ge_apt_suite "$DEST/apt" sid
deps=$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances neovim | awk '$1 == "Depends:" && $2 !~ /^</ { print $2 }' | sort -u)
cd "$DEST/debs"
# shellcheck disable=SC2086 # one package a word
apt-get download -qq neovim neovim-runtime libluajit-5.1-common $deps
ge_unpack_neovim "$DEST"
