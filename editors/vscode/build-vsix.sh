#!/bin/sh
# Builds the goescape VS Code extension as a .vsix.
# usage: editors/vscode/build-vsix.sh [--target TARGET (--binary FILE | --archive FILE)] [OUT]
#   OUT: the .vsix to write, or a directory to write goescape-<version>[-TARGET].vsix into
#        (default: <repo>/build)
#   Without --target: the universal .vsix, which runs goescape from goescape.serverPath or PATH.
#   --target linux-x64|linux-arm64|darwin-x64|darwin-arm64: a platform .vsix that carries the
#        server as server/goescape and runs it when goescape.serverPath is empty. The binary is
#        FILE (--binary) or the one executable named goescape inside a release archive
#        (--archive, e.g. build-dist/goescape-<version>-linux-x64.tar.gz).
# Needs node >= 20 and npm. Installs the build tools with npm ci (cache first, so a second
# run works without the network) when node_modules is missing or older than the lock file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { echo "build-vsix.sh: $*" >&2; exit 2; }

target="" binary="" archive="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --target) [ $# -ge 2 ] || die "--target needs a value"; target=$2; shift 2 ;;
    --binary) [ $# -ge 2 ] || die "--binary needs a file"; binary=$2; shift 2 ;;
    --archive) [ $# -ge 2 ] || die "--archive needs a file"; archive=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$out" ] || die "only one OUT"; out=$1; shift ;;
  esac
done
case $target in
  "" | linux-x64 | linux-arm64 | darwin-x64 | darwin-arm64) ;;
  *) die "unknown target '$target' (linux-x64, linux-arm64, darwin-x64, darwin-arm64)" ;;
esac
if [ -n "$target" ]; then
  [ -n "$binary$archive" ] || die "--target $target needs --binary FILE or --archive FILE"
  [ -z "$binary" ] || [ -z "$archive" ] || die "give --binary or --archive, not both"
elif [ -n "$binary$archive" ]; then
  die "--binary and --archive need --target"
fi
# absolute paths before the cd below
abs() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
[ -z "$binary" ] || binary=$(abs "$binary")
[ -z "$archive" ] || archive=$(abs "$archive")
[ -z "$out" ] || out=$(abs "$out")

cd "$here"
version=$(node -p "require('./package.json').version")
out=${out:-$repo/build}
case "$out" in
  *.vsix) ;;
  *) out=${out%/}/goescape-$version${target:+-$target}.vsix ;;
esac
mkdir -p "$(dirname "$out")"

# The server directory exists only while a platform .vsix is packed; the universal build
# never includes it (.vscodeignore leaves it out).
rm -rf server
scratch=""
cleanup() { rm -rf "$here/server"; [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$archive" ]; then
  [ -f "$archive" ] || die "no archive $archive"
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/goescape-vsix.XXXXXX")
  tar -xzf "$archive" -C "$scratch" || die "cannot unpack $archive"
  # the archive's layout below its top directory is not fixed: take the one goescape in it
  found=$(find "$scratch" -type f -name goescape -perm -u+x)
  [ -n "$found" ] || die "$archive holds no executable named goescape"
  [ "$(printf '%s\n' "$found" | wc -l)" = 1 ] || die "$archive holds more than one goescape: $found"
  binary=$found
fi
if [ -n "$target" ]; then
  [ -f "$binary" ] && [ -x "$binary" ] || die "$binary is not an executable file"
  mkdir server
  cp "$binary" server/goescape
  chmod 0755 server/goescape
fi

# npm ci wipes node_modules: only when it is missing or older than the lock file
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
# The extension is bundled by esbuild (vscode:prepublish), so node_modules stays out.
if [ -n "$target" ]; then
  npx --no-install vsce package --no-dependencies --target "$target" \
    --ignoreFile .vscodeignore-platform --out "$out" >&2
else
  npx --no-install vsce package --no-dependencies --out "$out" >&2
fi
echo "$out"
