#!/bin/sh
# Installs what goescape needs to build and test on Debian or Ubuntu, and checks for Go.
# Idempotent: installs only missing packages. As root it runs apt-get; through sudo when sudo
# works without a password; otherwise it prints the exact apt-get line and stops.
# usage: .ci/deps.sh build|test|fuzz (fuzz: the test set plus clang's libFuzzer runtime)
set -eu
mode=${1:-build}

pkgs="build-essential cmake pkg-config libuv1-dev libjansson-dev libpcre2-dev"
if [ "$mode" = test ] || [ "$mode" = fuzz ]; then
    pkgs="$pkgs libcmocka-dev python3 python3-venv valgrind clang clang-format"
fi
if [ "$mode" = fuzz ]; then
    pkgs="$pkgs libclang-rt-dev"
fi

if [ "$mode" = test ] && ! command -v node >/dev/null 2>&1; then
    pkgs="$pkgs nodejs npm"
fi

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

need_go=""
if ! command -v go >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then
        echo "goescape: no go command on PATH; CI=true, so installing the distribution's golang-go"
        need_go=golang-go
    else
        echo "goescape: no go command on PATH. goescape runs the Go compiler's escape analysis and"
        echo "needs Go 1.19 or newer: install it from your distribution (apt-get install golang-go)"
        echo "or from the Go project's downloads, make sure 'go version' works, and run this again."
        exit 1
    fi
fi

if [ -n "$missing$need_go" ]; then
    line="apt-get install -y --no-install-recommends$missing${need_go:+ $need_go}"
    if [ "$(id -u)" = 0 ]; then
        echo "goescape: installing$missing${need_go:+ $need_go}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $line -qq >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "goescape: installing$missing${need_go:+ $need_go} with sudo"
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive $line -qq >/dev/null
    else
        echo "goescape: missing system packages:$missing${need_go:+ $need_go}"
        echo "Install them with:"
        echo "    sudo apt-get update && sudo $line"
        exit 1
    fi
fi
command -v go >/dev/null 2>&1 || { echo "goescape: go is still not on PATH" >&2; exit 1; }

# The companion-mode tests run a pinned gopls (tests/lsp/support/gopls.py looks for it here).
if [ "$mode" = test ]; then
    gopls_version=v0.23.0
    gopls_bin="${XDG_CACHE_HOME:-$HOME/.cache}/goescape-gopls/$gopls_version"
    if [ ! -x "$gopls_bin/gopls" ]; then
        echo "goescape: installing gopls $gopls_version into $gopls_bin"
        (cd "$HOME" && GOBIN="$gopls_bin" go install "golang.org/x/tools/gopls@$gopls_version")
    fi
fi
