#!/usr/bin/env bash
# `make dist`: statically linked goescape binaries for linux-x64, linux-arm64 (fully static,
# musl), darwin-x64 and darwin-arm64 (libSystem only), cross-compiled on Linux with zig cc,
# each packed as build-dist/out/goescape-<version>-<target>.tar.gz with the man page, the
# licences and a SHA-256 sums file. libuv, jansson and pcre2 are built from the pinned source
# releases in dist/sources.txt. Arguments name a subset of targets. With --tests first, it
# instead cross-builds the unit tests of each target (with cmocka) into build-dist/<target>/tests,
# set up so that ctest runs them under qemu-user.
set -euo pipefail

TESTS=0
if [ "${1:-}" = --tests ]; then
    TESTS=1
    shift
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${GOESCAPE_DIST_CACHE:-$HOME/.cache/goescape-dist}
WORK=${GOESCAPE_DIST_BUILD:-$ROOT/build-dist}
ZIG_VERSION=0.14.1
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(linux-x64 linux-arm64 darwin-x64 darwin-arm64)
JOBS=${JOBS:-2}
NICE=(nice -n 10)

# zig from PyPI's ziglang package, in a private virtual environment.
venv="$CACHE/zig-$ZIG_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null; then
    echo "== dist: installing ziglang $ZIG_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "ziglang==$ZIG_VERSION"
fi
GE_ZIG=$("$venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
export GE_ZIG
[ "$("$GE_ZIG" version)" = "$ZIG_VERSION" ] || { echo "dist: $GE_ZIG is not zig $ZIG_VERSION" >&2; exit 1; }

"$HERE/fetch.sh"

VERSION=$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo unknown)
COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
mkdir -p "$WORK/out"

# The libraries are built once per pinned release, zig version and toolchain files, into a
# prefix in the cache that every checkout shares (a clean clone in CI reuses them).
TOOLCHAINS=$(cat "$HERE"/toolchains/*.cmake | sha256sum | cut -c1-12)
lib_prefix() {
    echo "$CACHE/prefix/zig-$ZIG_VERSION-$TOOLCHAINS/$1"
}

# Configures, builds and installs one library into the target's prefix, once per pinned release.
build_lib() {
    local target=$1 name=$2
    shift 2
    local prefix
    prefix=$(lib_prefix "$target")
    local stamp
    stamp="$prefix/.$name-$(cat "$CACHE/src/$name/.sha256")"
    [ -f "$stamp" ] && return 0
    echo "== dist: $target: $name"
    mkdir -p "$prefix" "$WORK/$target"
    rm -rf "$WORK/$target/$name"
    "${NICE[@]}" cmake -S "$CACHE/src/$name" -B "$WORK/$target/$name" -Wno-dev \
        -DCMAKE_TOOLCHAIN_FILE="$HERE/toolchains/$target.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF \
        -DBUILD_TESTING=OFF "$@" >"$WORK/$target/$name.log" 2>&1 ||
        { tail -30 "$WORK/$target/$name.log" >&2; exit 1; }
    "${NICE[@]}" cmake --build "$WORK/$target/$name" -j"$JOBS" >>"$WORK/$target/$name.log" 2>&1 ||
        { tail -30 "$WORK/$target/$name.log" >&2; exit 1; }
    cmake --install "$WORK/$target/$name" >>"$WORK/$target/$name.log" 2>&1
    # Only static archives may be linked in.
    find "$prefix/lib" \( -name '*.so*' -o -name '*.dylib' \) -delete
    touch "$stamp"
}

build_target() {
    local target=$1
    local prefix
    prefix=$(lib_prefix "$target")
    mkdir -p "$prefix" "$WORK/$target"
    build_lib "$target" libuv -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF
    build_lib "$target" jansson -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_BUILD_SHARED_LIBS=OFF
    build_lib "$target" pcre2 -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF \
        -DPCRE2_BUILD_PCRE2_32=OFF -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_PCRE2GREP=OFF \
        -DPCRE2_BUILD_TESTS=OFF -DPCRE2_SUPPORT_LIBZ=OFF -DPCRE2_SUPPORT_LIBBZ2=OFF \
        -DPCRE2_SUPPORT_LIBREADLINE=OFF -DPCRE2_SUPPORT_LIBEDIT=OFF

    if [ "$TESTS" = 1 ]; then
        build_tests "$target"
        return
    fi
    echo "== dist: $target: goescape $VERSION"
    local build="$WORK/$target/goescape"
    PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH="" "${NICE[@]}" cmake -S "$ROOT" -B "$build" \
        -DCMAKE_TOOLCHAIN_FILE="$HERE/toolchains/$target.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
        -DCMAKE_FIND_ROOT_PATH="$prefix" -DGOESCAPE_STATIC=ON -DGOESCAPE_TESTS=OFF \
        -DGOESCAPE_BENCH=OFF -DGOESCAPE_WERROR=ON -DCMAKE_EXE_LINKER_FLAGS=-s \
        -DGOESCAPE_VERSION="$VERSION" -DGOESCAPE_COMMIT="$COMMIT" >"$WORK/$target/goescape.log" 2>&1 ||
        { tail -30 "$WORK/$target/goescape.log" >&2; exit 1; }
    "${NICE[@]}" cmake --build "$build" -j"$JOBS" >>"$WORK/$target/goescape.log" 2>&1 ||
        { tail -30 "$WORK/$target/goescape.log" >&2; exit 1; }

    local name="goescape-$VERSION-$target"
    local stage="$WORK/$target/stage/$name"
    rm -rf "$WORK/$target/stage"
    mkdir -p "$stage/licenses"
    cp "$build/goescape" "$stage/goescape"
    cp "$ROOT/docs/goescape.1" "$stage/goescape.1"
    cp "$ROOT/LICENSE" "$stage/LICENSE"
    cp "$CACHE/src/libuv/LICENSE" "$stage/licenses/libuv-LICENSE"
    cp "$CACHE/src/jansson/LICENSE" "$stage/licenses/jansson-LICENSE"
    cp "$CACHE/src/pcre2/LICENCE" "$stage/licenses/pcre2-LICENCE"
    (cd "$stage" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' |
        xargs sha256sum > SHA256SUMS)
    # The same tree gives the same bytes: sorted names, no owners, the commit's time.
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
        -C "$WORK/$target/stage" -cf - "$name" | gzip -n -9 > "$WORK/out/$name.tar.gz"
    printf '== dist: %s: %s bytes (binary %s bytes)\n' "$target" \
        "$(stat -c %s "$WORK/out/$name.tar.gz")" "$(stat -c %s "$build/goescape")"
}

# The unit tests and fuzz replays for a linux target, run by ctest under qemu-user.
build_tests() {
    local target=$1
    local prefix
    prefix=$(lib_prefix "$target")
    local arch
    arch=$(sed -n 's/^set(CMAKE_SYSTEM_PROCESSOR \(.*\))$/\1/p' "$HERE/toolchains/$target.cmake")
    # cmocka 1.1.5's header guesses uintptr_t from __WORDSIZE, which musl does not define.
    local cflags="-D_UINTPTR_T_DEFINED"
    build_lib "$target" cmocka -DWITH_STATIC_LIB=ON -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF \
        -DCMAKE_C_FLAGS="$cflags"
    # Its pkg-config file names -lcmocka, the shared library's name.
    cp -f "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
    echo "== dist: $target: unit tests"
    PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH="" "${NICE[@]}" cmake -S "$ROOT" -B "$WORK/$target/tests" \
        -DCMAKE_TOOLCHAIN_FILE="$HERE/toolchains/$target.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
        -DCMAKE_FIND_ROOT_PATH="$prefix" -DGOESCAPE_STATIC=ON -DGOESCAPE_TESTS=ON \
        -DGOESCAPE_BENCH=OFF -DGOESCAPE_WERROR=ON -DCMAKE_CROSSCOMPILING_EMULATOR="qemu-$arch" \
        -DCMAKE_C_FLAGS="$cflags" \
        >"$WORK/$target/tests.log" 2>&1 || { tail -30 "$WORK/$target/tests.log" >&2; exit 1; }
    "${NICE[@]}" cmake --build "$WORK/$target/tests" -j"$JOBS" >>"$WORK/$target/tests.log" 2>&1 ||
        { tail -30 "$WORK/$target/tests.log" >&2; exit 1; }
}

if [ "$TESTS" = 1 ]; then
    for t in "${TARGETS[@]}"; do
        [[ $t == linux-* ]] || { echo "dist: --tests builds only linux targets (qemu-user)" >&2; exit 2; }
        build_target "$t"
    done
    exit 0
fi

rm -f "$WORK/out/"goescape-*.tar.gz "$WORK/out/SHA256SUMS"
for t in "${TARGETS[@]}"; do
    [ -f "$HERE/toolchains/$t.cmake" ] || { echo "dist: unknown target $t" >&2; exit 2; }
    build_target "$t"
done
(cd "$WORK/out" && sha256sum goescape-*.tar.gz > SHA256SUMS)
echo "== dist: archives in $WORK/out"
ls -l "$WORK/out"
