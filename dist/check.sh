#!/usr/bin/env bash
# `make dist-check`: checks the archives `make dist` made in build-dist/out.
#  - every archive holds the binary, the man page, the licences and a SHA256SUMS that matches;
#  - the linux binaries have no dynamic section and no interpreter: nothing to load at start;
#  - each darwin binary is a Mach-O of its architecture that loads only libSystem, and the
#    arm64 one carries the ad hoc signature macOS requires there;
#  - the linux-arm64 binary passes the unit tests and the fuzz replays (cross-built, under
#    qemu-user) and an LSP smoke test (dist/smoke.py) under qemu-user;
#  - last, the linux-x64 binary passes the LSP test suite (tests/lsp, without the slow tests).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${GOESCAPE_DIST_BUILD:-$ROOT/build-dist}
OUT="$WORK/out"
CHECK="$WORK/check"
fail() { echo "dist-check: $*" >&2; exit 1; }

updated=0
for tool in file readelf llvm-objdump qemu-aarch64; do
    if ! command -v "$tool" >/dev/null; then
        [ "$updated" = 1 ] || apt-get update -qq
        updated=1
        case $tool in
        file) pkg=file ;; readelf) pkg=binutils ;; llvm-objdump) pkg=llvm ;; qemu-aarch64) pkg=qemu-user ;;
        esac
        echo "== dist-check: installing $pkg"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
    fi
done

rm -rf "$CHECK"
mkdir -p "$CHECK"
(cd "$OUT" && sha256sum -c --quiet SHA256SUMS) || fail "archive sums do not match"
for target in linux-x64 linux-arm64 darwin-x64 darwin-arm64; do
    archive=$(ls "$OUT"/goescape-*-"$target".tar.gz 2>/dev/null | head -1)
    [ -n "$archive" ] || fail "no archive for $target in $OUT"
    tar -xzf "$archive" -C "$CHECK"
    dir="$CHECK/$(basename "$archive" .tar.gz)"
    for f in goescape goescape.1 LICENSE licenses/libuv-LICENSE licenses/jansson-LICENSE \
             licenses/pcre2-LICENCE SHA256SUMS; do
        [ -s "$dir/$f" ] || fail "$target: $f missing from $(basename "$archive")"
    done
    (cd "$dir" && sha256sum -c --quiet SHA256SUMS) || fail "$target: SHA256SUMS does not match"
    bin="$dir/goescape"
    desc=$(file -b "$bin")
    case $target in
    linux-*)
        want=$([ "$target" = linux-x64 ] && echo x86-64 || echo "ARM aarch64")
        [[ $desc == *"ELF 64-bit"*"$want"*"statically linked"* ]] || fail "$target: $desc"
        ! readelf -lW "$bin" | grep -q INTERP || fail "$target: has a program interpreter"
        readelf -d "$bin" | grep -q "no dynamic section" || fail "$target: has a dynamic section"
        ;;
    darwin-*)
        want=$([ "$target" = darwin-x64 ] && echo x86_64 || echo arm64)
        [[ $desc == "Mach-O 64-bit"*"$want executable"* ]] || fail "$target: $desc"
        dylibs=$(llvm-objdump --macho --dylibs-used "$bin" | tail -n +2 | awk '{print $1}')
        [ "$dylibs" = /usr/lib/libSystem.B.dylib ] || fail "$target: loads $(echo $dylibs)"
        # macOS on arm64 runs only signed code; the linker signs ad hoc.
        if [ "$target" = darwin-arm64 ]; then
            llvm-objdump --macho --private-headers "$bin" | grep -q 'cmd LC_CODE_SIGNATURE' ||
                fail "$target: not signed"
        fi
        ;;
    esac
    printf '== dist-check: %-12s %8s bytes  %s\n' "$target" "$(stat -c %s "$bin")" "$desc"
done

arm_bin=$(ls "$CHECK"/goescape-*-linux-arm64/goescape)
x64_bin=$(ls "$CHECK"/goescape-*-linux-x64/goescape)
echo "== dist-check: linux-arm64 --version under qemu-user"
qemu-aarch64 "$arm_bin" --version

echo "== dist-check: linux-arm64 unit tests under qemu-user"
"$HERE/build.sh" --tests linux-arm64
# recordings_expected and include_graph check source files with this machine's Python:
# nothing of arm64 to test.
ctest --test-dir "$WORK/linux-arm64/tests" --output-on-failure --no-tests=error -j2 \
    -E '^unit/(recordings_expected|include_graph)$'

echo "== dist-check: linux-arm64 LSP smoke test under qemu-user"
python3 "$HERE/smoke.py" --wrapper qemu-aarch64 "$arm_bin"

echo "== dist-check: linux-x64 LSP tests"
"$x64_bin" --version
GOESCAPE_BIN="$x64_bin" "$ROOT/tests/lsp/run.sh" -m "not slow"
