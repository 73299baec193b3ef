"""Only where the user looks (diagnosticsScope): with the default "open", diagnostics, code lenses
and the goescape/status count cover the open documents only; a document closed gets an empty
list; "package" shows every file of the package. And what nobody looks at is not compiled:
while no _test.go file of a package is open, an open or a save runs `go build` of the package
only, and opening a test file compiles the test binary (`go test -c`). The go command is the
fake go (tests/fakego) handing over to the real one, so its log lists every invocation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from robust_util import fakego, fakego_bin, rb, real_go, write_module  # noqa: F401

pytestmark = pytest.mark.timeout(300)

PKG = "example.com/sc/p"

A_GO = """package p

// A returns a pointer to a local.
func A() *int {
	x := 1
	return &x
}

// AMap returns a new map.
func AMap() map[string]int { return map[string]int{"a": 1} }
"""

B_GO = """package p

// B returns a closure over n.
func B() func() int {
	n := 0
	return func() int { n++; return n }
}
"""

A_TEST_GO = """package p

import "testing"

var sink any

func TestA(t *testing.T) {
	v := 7
	sink = &v
}
"""

A_TEST_GO_MORE = A_TEST_GO + """
func TestMore(t *testing.T) {
	sink = map[int]int{1: 2}
}
"""


def module(tmp_path: Path) -> Path:
    return write_module(tmp_path / "ws" / "m", "example.com/sc",
                        {"p/a.go": A_GO, "p/b.go": B_GO, "p/a_test.go": A_TEST_GO})


def start(rb, tmp_path, fakego, settings: dict | None = None):
    root = module(tmp_path)
    fakego.set(f"exec={real_go()}\n")
    s = rb.start(env=fakego.env())
    s.initialize(root, {"goBinary": fakego.path, **(settings or {})})
    return s, root / "p"


def published(s, uri: str, since: int = 0) -> list[list[dict]]:
    """Every diagnostics list published for uri since the mark, in order."""
    return [p["diagnostics"] for p in s.notifications("textDocument/publishDiagnostics", since)
            if p["uri"] == uri]


def idle(s, since: int) -> dict:
    return s.status("idle", since, package=PKG)


def go_runs(fakego) -> list[str]:
    """The go subcommand of each invocation: "build" or "test"."""
    return [i["argv"][1] for i in fakego.invocations()]


def wait_runs(fakego, n: int, timeout: float = 120.0) -> list[str]:
    fakego.wait_invocations(n, timeout)
    return go_runs(fakego)


def test_only_the_open_file_has_diagnostics(rb, tmp_path, fakego):
    s, pkg = start(rb, tmp_path, fakego)
    mark = s.mark()
    a = s.open(pkg / "a.go")
    diags = s.diagnostics(a, mark)
    st = idle(s, mark)
    b, t = (pkg / "b.go").as_uri(), (pkg / "a_test.go").as_uri()
    assert sorted(d["code"] for d in diags) == ["map", "moved"], diags
    assert not any(published(s, b, mark)), published(s, b, mark)
    assert not any(published(s, t, mark)), published(s, t, mark)
    # The status count and the progress end speak of what is shown, not of the package.
    assert st["escapes"] == {a: 2}, st
    ends = [p["value"]["message"] for p in s.notifications("$/progress", mark)
            if p["value"]["kind"] == "end"]
    assert ends == ["2 heap escapes"], ends
    lenses = s.code_lens(a)
    assert [l["command"]["title"] for l in lenses] == ["1 heap escape: 1 moved",
                                                       "1 heap escape: 1 map"], lenses
    # A file nobody opened has no lenses either.
    assert "error" in s.request("textDocument/codeLens", {"textDocument": {"uri": b}})


def test_opening_publishes_and_closing_clears(rb, tmp_path, fakego):
    s, pkg = start(rb, tmp_path, fakego)
    mark = s.mark()
    a = s.open(pkg / "a.go")
    s.diagnostics(a, mark)
    idle(s, mark)
    b = (pkg / "b.go").as_uri()
    assert not any(published(s, b)), "b.go was published before it was opened"
    mark = s.mark()
    b = s.open(pkg / "b.go")
    assert [d["code"] for d in s.diagnostics(b, mark)] == ["closure", "closure"]
    assert s.code_lens(b), "no code lens on the file just opened"
    mark = s.mark()
    s.close_doc(b)
    s.wait_notification("textDocument/publishDiagnostics",
                        lambda p: p["uri"] == b and p["diagnostics"] == [],
                        "an empty list for the closed file", 30, mark)
    # The other open file keeps its diagnostics: nothing else was published.
    assert not published(s, a, mark), published(s, a, mark)
    mark = s.mark()
    s.save(a)
    st = idle(s, mark)
    assert st["escapes"] == {a: 2}, st
    assert not any(published(s, b, mark)), "the closed file was published again"


def test_scope_package_shows_every_file_and_back(rb, tmp_path, fakego):
    s, pkg = start(rb, tmp_path, fakego)
    mark = s.mark()
    a = s.open(pkg / "a.go")
    s.diagnostics(a, mark)
    idle(s, mark)
    b, t = (pkg / "b.go").as_uri(), (pkg / "a_test.go").as_uri()
    assert not any(published(s, b, 0)) and not any(published(s, t, 0))
    mark = s.mark()
    s.settings = {"goBinary": fakego.path, "diagnosticsScope": "package"}
    s.notify("workspace/didChangeConfiguration", {"settings": {"goescape": s.settings}})
    assert [d["code"] for d in s.diagnostics(b, mark)] == ["closure", "closure"]
    assert [d["code"] for d in s.diagnostics(t, mark)] == ["moved"]
    st = idle(s, mark)
    assert st["escapes"] == {a: 2, b: 2, t: 1}, st
    assert "test" in go_runs(fakego), "scope package did not compile the tests"
    mark = s.mark()
    s.settings = {"goBinary": fakego.path, "diagnosticsScope": "open"}
    s.notify("workspace/didChangeConfiguration", {"settings": {"goescape": s.settings}})
    for uri in (b, t):
        s.wait_notification("textDocument/publishDiagnostics",
                            lambda p, uri=uri: p["uri"] == uri and p["diagnostics"] == [],
                            f"{uri} cleared", 60, mark)
    assert idle(s, mark)["escapes"] == {a: 2}


def test_bad_scope_is_named(rb, tmp_path, fakego):
    s, pkg = start(rb, tmp_path, fakego, {"diagnosticsScope": "everything"})
    msg = s.wait_shown("diagnosticsScope")
    assert '"open" or "package"' in msg["message"], msg


def test_tests_are_compiled_only_while_a_test_file_is_open(rb, tmp_path, fakego):
    s, pkg = start(rb, tmp_path, fakego)
    mark = s.mark()
    a = s.open(pkg / "a.go")
    s.diagnostics(a, mark)
    idle(s, mark)
    assert go_runs(fakego) == ["build"], fakego.invocations()
    mark = s.mark()
    s.save(a)
    idle(s, mark)
    assert go_runs(fakego) == ["build", "build"], "a save without a test file open " \
        "compiled more than the package"
    # Opening a test file compiles the test binary, and its findings come out.
    mark = s.mark()
    t = s.open(pkg / "a_test.go")
    assert [d["code"] for d in s.diagnostics(t, mark)] == ["moved"]
    assert wait_runs(fakego, 3)[2] == "test", fakego.invocations()
    idle(s, mark)
    assert [l["command"]["title"] for l in s.code_lens(t)] == ["1 heap escape: 1 moved"]
    # With it open, a save compiles the package first, then the tests (the quick pass).
    mark = s.mark()
    s.save(a)
    idle(s, mark)
    assert wait_runs(fakego, 5)[3:] == ["build", "test"], go_runs(fakego)
    # Closed again: the test file is out of view and saves go back to go build; a test
    # file changed meanwhile shows its new findings when it is opened again.
    mark = s.mark()
    s.close_doc(t)
    s.wait_notification("textDocument/publishDiagnostics",
                        lambda p: p["uri"] == t and p["diagnostics"] == [],
                        "the test file cleared", 30, mark)
    (pkg / "a_test.go").write_text(A_TEST_GO_MORE)
    mark = s.mark()
    s.save(a)
    idle(s, mark)
    assert go_runs(fakego)[5:] == ["build"], go_runs(fakego)
    mark = s.mark()
    t = s.open(pkg / "a_test.go")
    assert wait_runs(fakego, 7)[6] == "test", go_runs(fakego)
    idle(s, mark)
    got = [p for p in published(s, t, mark) if p]
    assert got and sorted(d["code"] for d in got[-1]) == ["map", "moved"], got


def test_test_file_opened_with_the_first_open(rb, tmp_path, fakego):
    """An editor restoring two tabs: a.go opens the package's first analysis and a_test.go
    follows at once; the test file's findings come out without a save."""
    s, pkg = start(rb, tmp_path, fakego)
    mark = s.mark()
    a = s.open(pkg / "a.go")
    t = s.open(pkg / "a_test.go")
    assert [d["code"] for d in s.diagnostics(t, mark)] == ["moved"]
    s.diagnostics(a, mark)
    time.sleep(0.5)
    assert go_runs(fakego)[-1] == "test", go_runs(fakego)
