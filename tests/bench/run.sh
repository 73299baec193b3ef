#!/bin/sh
# goescape's benchmarks. `make bench` builds a Release tree and runs this script with it:
#
#   tests/bench/run.sh BUILD_DIR [figure...]
#
# figures: startup parse latency many load check quiet companion (default: all of them). It
# prepares what the benchmarks need under $GOESCAPE_BENCH_CACHE (default ~/.cache/goescape-bench): a private copy
# of GOROOT to edit, gopls installed with `go install golang.org/x/tools/gopls@latest`, and a
# third-party module from the module cache with its dependencies, and for the check figures
# fasthttp at a pinned version (checkbench.py). Later runs reuse all of it.
# Then it measures, writes docs/benchmarks.md (a run of some figures writes its report beside
# its results instead) and prints one name=value line per figure.
#
# GOESCAPE_BENCH_QUICK=1 runs fewer rounds (for trying the scripts, not for reporting).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
    echo "usage: tests/bench/run.sh BUILD_DIR [figure...]" >&2
    exit 2
fi
shift
build=$(cd "$build" && pwd)
cache=${GOESCAPE_BENCH_CACHE:-$HOME/.cache/goescape-bench}
tools_module=golang.org/x/tools
tools_version=${GOESCAPE_BENCH_TOOLS_VERSION:-v0.52.0}

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf 'tests/bench/run.sh: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "no go on PATH; the benchmarks need the Go toolchain"
command -v python3 >/dev/null 2>&1 || die "no python3 on PATH"
[ -x "$build/goescape" ] || die "$build/goescape is missing; run make bench"

mkdir -p "$cache/results" "$cache/work" "$cache/bin"
# Everything the go command fetches or builds for the benchmarks stays in the cache.
export GOMODCACHE="$cache/gomod" GOPATH="$cache/gopath" GOCACHE="$cache/gocache"
export GOPLSCACHE="$cache/gopls-cache" GOWORK=off
unset GOROOT GOESCAPE_BENCH_GOLOG 2>/dev/null || true

pristine=$(GOTOOLCHAIN=local go env GOROOT)
gover=$(GOTOOLCHAIN=local go env GOVERSION)

# A private GOROOT: the standard library packages are edited there, never in place.
goroot="$cache/goroot-$gover"
if [ ! -f "$goroot/.goescape-bench-copy" ]; then
    say "copying $pristine to $goroot"
    rm -rf "$goroot" "$goroot.tmp"
    cp -a "$pristine" "$goroot.tmp"
    chmod -R u+w "$goroot.tmp"
    touch "$goroot.tmp/.goescape-bench-copy"
    mv "$goroot.tmp" "$goroot"
fi
# Files earlier runs edited go back to the originals.
for f in src/encoding/json/encode.go src/net/http/header.go; do
    cmp -s "$pristine/$f" "$goroot/$f" || cp "$pristine/$f" "$goroot/$f"
done

# gopls, the latest release. It may need a newer Go than the machine's to build; the go
# command then fetches that toolchain (GOTOOLCHAIN=auto) just for building gopls.
gopls="$cache/bin/gopls"
say "go install golang.org/x/tools/gopls@latest"
if ! GOBIN="$cache/bin" GOTOOLCHAIN=auto GOFLAGS=-mod=mod \
    go install golang.org/x/tools/gopls@latest >"$cache/work/gopls-install.log" 2>&1; then
    if [ -x "$gopls" ]; then
        say "gopls install failed (offline?); using the installed $("$gopls" version | head -1)"
    else
        cat "$cache/work/gopls-install.log" >&2
        die "cannot install gopls"
    fi
fi

# The third-party module, from the module cache, with its dependencies downloaded.
module="$cache/work/x-tools"
if [ ! -f "$module.pristine/.goescape-bench-ready" ]; then
    say "downloading $tools_module@$tools_version and its dependencies"
    dir=$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$tools_module@$tools_version" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
    [ -n "$dir" ] && [ -d "$dir" ] || die "cannot download $tools_module@$tools_version"
    rm -rf "$module.pristine"
    cp -a "$dir" "$module.pristine"
    chmod -R u+w "$module.pristine"
    (cd "$module.pristine" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download) ||
        die "cannot download the dependencies of $tools_module"
    echo "$tools_module@$tools_version" >"$module.pristine/.goescape-bench-ready"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$cache/results/run-$stamp.json"

say "measuring (results in $out)"
python3 "$here/lspbench.py" --build-dir "$build" --cache "$cache" --goroot "$goroot" \
    --pristine-goroot "$pristine" --gopls "$gopls" --module "$module" --out "$out" "$@"

# Only a run of every figure replaces docs/benchmarks.md; a run of some figures is written
# beside its results.
md="$repo/docs/benchmarks.md"
[ $# -eq 0 ] || md="${out%.json}.md"
python3 "$here/lspbench.py" report "$out" --history "$cache/results" \
    --notes "$here/notes.md" --md "$md"
[ $# -eq 0 ] || say "some figures only: the report is in $md, docs/benchmarks.md is unchanged"
# Against the newest earlier complete run, so two runs can be checked to agree within noise.
python3 "$here/lspbench.py" compare "$cache/results" "$out" >&2
