#!/bin/sh
# Runs the LSP test suite: the real goescape binary over stdio, driven by pytest-lsp, against
# the real go toolchain. Extra arguments go to pytest (e.g. -m "not slow", -k hover, -x).
#
#   GOESCAPE_BIN    the server binary (default: build/goescape in the repository)
#   GOESCAPE_VENV   the virtual environment (default: ~/.cache/goescape-venv); it is created
#                   once and rebuilt whenever requirements.txt changes
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv=${GOESCAPE_VENV:-${HOME:-/tmp}/.cache/goescape-venv}
req="$here/requirements.txt"

command -v python3 >/dev/null 2>&1 || {
    echo "tests/lsp: python3 is missing; install python3 and python3-venv" >&2
    exit 1
}
command -v go >/dev/null 2>&1 || {
    echo "tests/lsp: no go command on PATH; the LSP tests run the real go toolchain" >&2
    exit 1
}

want=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$req")
have=$(cat "$venv/.requirements.sha256" 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -x "$venv/bin/python" ]; then
    echo "tests/lsp: creating the virtual environment in $venv"
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv"; then
        echo "tests/lsp: python3 -m venv failed; install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$venv/.requirements.sha256"
fi

GOESCAPE_BIN=${GOESCAPE_BIN:-$repo/build/goescape}
case $GOESCAPE_BIN in
/*) ;;
*) GOESCAPE_BIN=$(pwd)/$GOESCAPE_BIN ;;
esac
export GOESCAPE_BIN
if [ ! -x "$GOESCAPE_BIN" ]; then
    echo "tests/lsp: no server binary at $GOESCAPE_BIN; run make first or set GOESCAPE_BIN" >&2
    exit 1
fi

# Without a test path among the arguments, run the whole suite.
paths=
for a in "$@"; do
    case $a in
    -*) ;;
    *.py | *.py::* | */*) paths=yes ;;
    esac
done
cd "$repo"
if [ -n "$paths" ]; then
    exec "$venv/bin/python" -m pytest "$@"
fi
exec "$venv/bin/python" -m pytest "$here" "$@"
