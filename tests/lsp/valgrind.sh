#!/bin/sh
# Runs a representative subset of the LSP tests with every server process under valgrind's
# memcheck, and fails on any memory error or on memory definitely or indirectly lost at exit.
# Each server writes its own report (vg.<pid>.log); a report with a non-zero ERROR SUMMARY
# fails the run. A report without any summary comes from a server the test harness killed
# with SIGKILL (valgrind summarises every other death, crashes included); those are counted
# and listed, not failed.
#
#   tests/lsp/valgrind.sh                  the default subset (see SUBSET below)
#   tests/lsp/valgrind.sh -x -q            extra pytest arguments are added
#   tests/lsp/valgrind.sh -k framing       a -k of your own replaces the default filter
#   tests/lsp/valgrind.sh tests/lsp/test_errors.py    explicit test paths replace the subset
#
#   GOESCAPE_BIN   the server binary (default: build/goescape)
#   VALGRIND_LOGS  where the reports go (default: a new temporary directory, kept on failure)
#
# Tests that flood hundreds of megabytes or compile large packages are left out: under
# valgrind they measure valgrind, not the server.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
real=${GOESCAPE_BIN:-$repo/build/goescape}
case $real in
/*) ;;
*) real=$(pwd)/$real ;;
esac
command -v valgrind >/dev/null 2>&1 || {
    echo "tests/lsp/valgrind.sh: valgrind is not installed" >&2
    exit 1
}
[ -x "$real" ] || {
    echo "tests/lsp/valgrind.sh: no server binary at $real; run make first" >&2
    exit 1
}
logs=${VALGRIND_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/goescape-valgrind-XXXXXX")}
mkdir -p "$logs"
rm -f "$logs"/vg.*.log

# The server is started by the tests as $GOESCAPE_BIN; this wrapper puts valgrind in front.
wrapper=$logs/goescape-valgrind
cat >"$wrapper" <<EOF
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30 \\
    --child-silent-after-fork=yes --vgdb=no \\
    --log-file="$logs/vg.%p.log" "$real" "\$@"
EOF
chmod +x "$wrapper"

SUBSET="tests/lsp/test_robust_framing.py tests/lsp/test_robust_json.py
tests/lsp/test_robust_protocol.py tests/lsp/test_robust_documents.py
tests/lsp/test_robust_compiler.py tests/lsp/test_robust_client.py
tests/lsp/test_robust_security.py tests/lsp/test_errors.py tests/lsp/test_lifecycle.py"
FILTER="not fifty and not flood and not never_reads and not real_compiler and not not_reading and not huge_content"

paths=
own_filter=
for a in "$@"; do
    case $a in
    -k | -k*) own_filter=yes ;;
    -*) ;;
    *.py | *.py::* | */*) paths=yes ;;
    esac
done
status=0
cd "$repo"
existing=
for f in $SUBSET; do
    [ -f "$f" ] && existing="$existing $f"
done
if [ -n "$paths" ]; then
    GOESCAPE_BIN=$wrapper "$here/run.sh" -p no:cacheprovider "$@" || status=$?
elif [ -n "$own_filter" ]; then
    # shellcheck disable=SC2086
    GOESCAPE_BIN=$wrapper "$here/run.sh" -p no:cacheprovider $existing "$@" || status=$?
else
    # shellcheck disable=SC2086
    GOESCAPE_BIN=$wrapper "$here/run.sh" -p no:cacheprovider $existing -k "$FILTER" "$@" ||
        status=$?
fi

reports=0
bad=0
killed=0
for f in "$logs"/vg.*.log; do
    [ -s "$f" ] || continue # a forked child that exec'd the go command: nothing to report
    reports=$((reports + 1))
    if ! grep -q "ERROR SUMMARY:" "$f"; then
        killed=$((killed + 1))
        echo "valgrind: no summary in $f (the server was killed with SIGKILL)"
    elif ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
        bad=$((bad + 1))
        echo "== valgrind found errors or leaks: $f" >&2
        grep -E "^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source|[0-9,]+ bytes in|   (at|by) |ERROR SUMMARY|Process terminating)" "$f" | head -n 60 >&2
    fi
done
echo "valgrind: $reports server runs, $bad with errors or leaks, $killed killed without a summary; reports in $logs"
if [ "$reports" -eq 0 ]; then
    echo "valgrind: no server ran under valgrind" >&2
    exit 1
fi
if [ "$bad" -gt 0 ] || [ "$status" -ne 0 ]; then
    exit 1
fi
[ -z "${VALGRIND_LOGS:-}" ] && rm -rf "$logs"
exit 0
