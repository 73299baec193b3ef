#!/bin/sh
# Builds the goescape VS Code extension as a .vsix.
# usage: editors/vscode/build-vsix.sh [OUT]
#   OUT: the .vsix to write, or a directory to write goescape-<version>.vsix into
#        (default: <repo>/build/goescape-<version>.vsix)
# Needs node >= 20 and npm. Installs the build tools with npm ci (cache first, so a second
# run works without the network) when node_modules is missing or older than the lock file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"
version=$(node -p "require('./package.json').version")
out=${1:-$repo/build}
case "$out" in
  *.vsix) ;;
  *) out=${out%/}/goescape-$version.vsix ;;
esac
mkdir -p "$(dirname "$out")"
case "$out" in /*) ;; *) out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out") ;; esac
# npm ci wipes node_modules: only when it is missing or older than the lock file
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
# The extension is bundled by esbuild (vscode:prepublish), so node_modules stays out.
npx --no-install vsce package --no-dependencies --out "$out"
echo "$out"
