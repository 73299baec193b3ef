#!/bin/sh
# Builds the libFuzzer targets and runs each tests/fuzz/fuzz_<name> for FUZZ_SECONDS (default
# 60) on a scratch copy of tests/fuzz/corpus/<name>, so the committed seeds never grow. Exits
# non-zero when any target finds a crash, leak, timeout or failed invariant, or executes no
# input at all; a crash's reproducer is kept in FUZZ_ARTIFACTS (default
# <build>/fuzz-artifacts) for a unit test to adopt.
#
# Environment:
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_BUILD_DIR  build tree (default build-fuzz at the repository root)
#   FUZZ_TARGETS    space-separated names to run, e.g. "frame rpc" (default: all)
#   FUZZ_ARTIFACTS  where crash inputs go
#   CC              must be clang (default clang)
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
artifacts=${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DGOESCAPE_FUZZ=ON -DGOESCAPE_TESTS=OFF \
    -DGOESCAPE_BENCH=OFF >/dev/null
if [ -n "${FUZZ_TARGETS:-}" ]; then
    targets=$FUZZ_TARGETS
else
    targets=$(for f in "$root"/tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); echo "${n#fuzz_}"; done)
fi
for name in $targets; do
    cmake --build "$build" --target "fuzz_$name" -j"$(nproc)" >/dev/null
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
mkdir -p "$artifacts"
status=0
for name in $targets; do
    corpus=$scratch/$name
    mkdir -p "$corpus"
    if [ -d "$root/tests/fuzz/corpus/$name" ]; then
        cp "$root/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    fi
    echo "fuzz_$name: ${seconds}s"
    if ! "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/fuzz_$name-" "$corpus" >"$scratch/$name.log" 2>&1; then
        status=1
        echo "fuzz_$name: FAILED; reproducer in $artifacts" >&2
        tail -n 40 "$scratch/$name.log" >&2
    else
        grep -E '^(stat::number_of_executed_units|Done)' "$scratch/$name.log" || true
        # A target that ran no input proves nothing: that is a failure, not a pass.
        units=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$scratch/$name.log" | tail -n 1)
        if [ -z "$units" ] || [ "$units" -eq 0 ]; then
            status=1
            echo "fuzz_$name: FAILED; it executed no input" >&2
            tail -n 20 "$scratch/$name.log" >&2
        fi
    fi
done
exit $status
