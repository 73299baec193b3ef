"""A slow build is not a hung one. On a cold build cache the go command compiles every
dependency before the analyzed package, for minutes and without a word; timeoutMs stops only a
run that makes no progress (no output and no CPU time in its process group), and a run that
timed out is started once more on its own. Progress says what is happening. The go command is
the fake go (tests/fakego): it burns CPU in a child that looks like go's compiler for a
dependency, talks slowly, or hangs, then hands over to the real go command."""

from __future__ import annotations

import time

import pytest

from robust_util import (fakego, fakego_bin, rb, real_go, wait_gone,  # noqa: F401
                         write_module)

pytestmark = pytest.mark.timeout(300)

PKG = "example.com/rb/good"


def start(rb, tmp_path, fakego, spec: str, timeout_ms: int):
    root = write_module(tmp_path / "ws" / "m")
    fakego.set(spec)
    s = rb.start(env=fakego.env())
    s.initialize(root, {"goBinary": fakego.path, "timeoutMs": timeout_ms})
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    return s, uri, mark


def reports(s, since: int) -> list[str]:
    return [p["value"].get("message", "") for p in s.notifications("$/progress", since)
            if p["value"]["kind"] == "report"]


def test_a_build_busy_compiling_dependencies_is_not_stopped(rb, tmp_path, fakego):
    """Four seconds of CPU in a dependency's compiler and no output, with timeoutMs at one
    second: the run goes on, progress says it builds dependencies, and findings come."""
    s, uri, mark = start(rb, tmp_path, fakego,
                         f"spin_ms=4000\nspin_pkg=example.com/some/dependency\nexec={real_go()}\n",
                         1000)
    t0 = time.monotonic()
    diags = s.diagnostics(uri, mark, timeout=60)
    assert time.monotonic() - t0 >= 3.5, "the fake go did not spin"
    assert sorted(d["code"] for d in diags) == ["map", "moved"], diags
    assert len(fakego.invocations()) == 1, "the busy run was stopped and started again"
    assert "building dependencies… (example.com/some/dependency)" in reports(s, mark), \
        reports(s, mark)
    st = [p for p in s.notifications("goescape/status", mark) if p["state"] == "analyzing"]
    assert any(p["message"].startswith("building dependencies…") for p in st), st
    assert not [m for m in s.shown(mark) if "timeoutMs" in m["message"]], s.shown(mark)


def test_a_build_that_keeps_talking_is_not_stopped(rb, tmp_path, fakego):
    """Output counts as progress as well."""
    s, uri, mark = start(rb, tmp_path, fakego, f"drip_ms=3500\nexec={real_go()}\n", 1000)
    diags = s.diagnostics(uri, mark, timeout=60)
    assert diags
    assert len(fakego.invocations()) == 1
    assert not [m for m in s.shown(mark) if "timeoutMs" in m["message"]], s.shown(mark)


def test_a_hung_build_is_retried_once_and_succeeds(rb, tmp_path, fakego):
    """The first run hangs without output or CPU time and is stopped after timeoutMs; the
    server starts it again on its own, this time it goes through, and findings come."""
    s, uri, mark = start(rb, tmp_path, fakego, "child\nhang\n", 1000)
    first = fakego.wait_invocations(1)[0]
    fakego.set(f"exec={real_go()}\n")
    diags = s.diagnostics(uri, mark, timeout=60)
    assert sorted(d["code"] for d in diags) == ["map", "moved"], diags
    assert wait_gone([first["pid"], first["child"]], 10) == []
    assert len(fakego.invocations()) == 2, fakego.invocations()
    assert any("trying once more" in r for r in reports(s, mark)), reports(s, mark)
    s.wait_stderr("starting it once more")
    assert not [m for m in s.shown(mark) if "failed" in m["message"]], s.shown(mark)


def test_a_hung_build_is_retried_once_then_reported(rb, tmp_path, fakego):
    s, uri, mark = start(rb, tmp_path, fakego, "child\nhang\n", 1000)
    msg = s.wait_shown("timeoutMs", mark, timeout=60)
    assert "no progress" in msg["message"] and "both tries" in msg["message"], msg
    runs = fakego.invocations()
    assert len(runs) == 2, runs
    assert runs[1]["time"] - runs[0]["time"] >= 1.0, "retried before the timeout"
    assert wait_gone([p for r in runs for p in (r["pid"], r["child"])], 10) == []
    st = s.status("failed", mark, package=PKG)
    assert "timeoutMs" in st["message"], st
    time.sleep(1.5)
    assert len(fakego.invocations()) == 2, "retried more than once"
