"""The `escapes` counts of goescape/status are what the editors put in their status bars, as they
are: each count is the number of heap-escape diagnostics the user sees in that file. A finding
hidden by goescape:ignore is not counted; turning a category off sends a new status with the
smaller count; opening another file of a package already analyzed sends a status that counts
it, without a new analysis."""

from __future__ import annotations

import pytest

from robust_util import fakego, fakego_bin, rb, real_go, write_module  # noqa: F401

pytestmark = pytest.mark.timeout(300)

PKG = "example.com/st/p"

A_GO = """package p

// A returns a pointer to a local.
func A() *int {
	x := 1
	return &x
}

// AMap returns a new map.
func AMap() map[string]int { return map[string]int{"a": 1} }

// C's escape is accepted.
func C() *int { y := 2; return &y } // goescape:ignore
"""

B_GO = """package p

// B returns a closure over n.
func B() func() int {
	n := 0
	return func() int { n++; return n }
}
"""


def test_status_counts_what_is_shown(rb, tmp_path, fakego):
    root = write_module(tmp_path / "ws" / "m", "example.com/st", {"p/a.go": A_GO, "p/b.go": B_GO})
    fakego.set(f"exec={real_go()}\n")
    s = rb.start(env=fakego.env())
    settings = {"goBinary": fakego.path}
    s.initialize(root, settings)
    mark = s.mark()
    a = s.open(root / "p" / "a.go")
    diags = s.diagnostics(a, mark)
    assert sorted(d["code"] for d in diags) == ["map", "moved"], diags
    st = s.status("idle", mark, package=PKG)
    assert st["escapes"] == {a: 2}, "the ignored escape is counted: " + repr(st)

    mark = s.mark()
    settings["categories"] = {"map": False}
    s.notify("workspace/didChangeConfiguration", {"settings": {"goescape": settings}})
    st = s.status("idle", mark, timeout=30, package=PKG)
    assert st["escapes"] == {a: 1} and st["message"] == "1 heap escape", st
    assert [d["code"] for d in s.diagnostics(a, mark)] == ["moved"]

    mark = s.mark()
    b = s.open(root / "p" / "b.go")
    assert [d["code"] for d in s.diagnostics(b, mark)] == ["closure", "closure"]
    st = s.status("idle", mark, timeout=30, package=PKG)
    assert st["escapes"] == {a: 1, b: 2}, st
    assert len(fakego.invocations()) == 1, "opening b.go ran the go command again"
