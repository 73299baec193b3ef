"""A go command that misbehaves, through the fake go (tests/fakego): missing, failing without a
word, flooding stderr, hanging, ignoring SIGTERM (with a child in its process group), dying by
a signal, printing lines the parser does not know, and replaying recorded output. The fake
misbehaves only for the package bad/; every other package is built by the real go command, so
each test also proves that the healthy package keeps its findings and the server keeps
serving. Every process the fake starts must be gone when the test ends."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from support.hints import hint_positions
from robust_util import (JOB_STDERR_MAX, RECORDINGS, TESTMOD, fakego, fakego_bin,  # noqa: F401
                         measured_memory, rb,
                         ready, real_go, still_serving, wait_gone, write_module)

pytestmark = pytest.mark.timeout(300)

BAD_PKG = "example.com/rb/bad"


def faulty(rb, tmp_path, fakego, fault: str, settings: dict | None = None):
    """A server whose go command misbehaves as told for ./bad only; good/ is open and
    analyzed. Returns the server, good's URI, bad's URI and the mark before bad was opened."""
    root = write_module(tmp_path / "ws" / "m")
    fakego.set(f"match=./bad\notherwise_exec={real_go()}\n{fault}\n")
    s, uri = ready(rb, root, {"goBinary": fakego.path, **(settings or {})}, env=fakego.env())
    mark = s.mark()
    buri = s.open(root / "bad" / "bad.go")
    return s, uri, buri, mark


def bad_runs(fakego) -> list[dict]:
    return [i for i in fakego.invocations() if "./bad" in i["argv"]]


def wait_bad_run(fakego, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = bad_runs(fakego)
        if runs:
            return runs[-1]
        time.sleep(0.05)
    raise AssertionError(f"the go command never ran for ./bad: {fakego.invocations()}")


def failed_status(s, mark, timeout=120.0) -> dict:
    return s.status("failed", mark, timeout, package=BAD_PKG)


def test_go_missing(rb, tmp_path):
    """goBinary names nothing: one error message naming the setting, requests still served,
    and a corrected setting brings the findings back."""
    root = write_module(tmp_path / "ws" / "m")
    s = rb.start()
    s.initialize(root, {"goBinary": "/nonexistent/dir/go"})
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    msg = s.wait_shown("not found", mark)
    assert msg["type"] == 1 and "goBinary" in msg["message"], msg
    buri = s.open(root / "bad" / "bad.go")
    s.status("failed", mark, package=BAD_PKG)
    assert len([m for m in s.shown(mark) if "not found" in m["message"]]) == 1, s.shown(mark)
    still_serving(s, uri, findings=False)
    mark = s.mark()
    s.notify("workspace/didChangeConfiguration", {"settings": {"goescape": {"goBinary": "go"}}})
    s.diagnostics(uri, mark)
    s.diagnostics(buri, mark)
    still_serving(s, uri)


@pytest.mark.parametrize("kind", ["not on PATH", "not executable", "a directory"])
def test_go_not_runnable(rb, tmp_path, kind):
    """A name not on PATH, a file that is not executable, a directory: a clear message, no
    crash, and the server goes on."""
    root = write_module(tmp_path / "ws" / "m")
    plain = tmp_path / "plain-file"
    plain.write_text("not a program\n")
    plain.chmod(0o644)
    binary = {"not on PATH": "no-such-go-command-on-path", "not executable": str(plain),
              "a directory": str(tmp_path)}[kind]
    s = rb.start()
    s.initialize(root, {"goBinary": binary})
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    msg = s.wait_notification("window/showMessage", lambda p: binary in p["message"],
                              f"a message naming {binary}", 60, mark)
    assert msg["type"] in (1, 2), msg
    still_serving(s, uri, findings=False)


def test_go_binary_that_is_a_script_without_shebang_runs_no_shell(rb, tmp_path):
    """An executable text file without "#!" is not a program. execvp() would hand it to
    /bin/sh (the ENOEXEC fallback); the server must not: child processes get an argv, never
    a shell. The file here would create a marker if a shell ran it."""
    root = write_module(tmp_path / "ws" / "m")
    marker = tmp_path / "a-shell-ran"
    script = tmp_path / "go-script"
    script.write_text(f"touch '{marker}'\n")
    script.chmod(0o755)
    s = rb.start()
    s.initialize(root, {"goBinary": str(script)})
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    s.wait_notification("goescape/status", lambda p: p.get("state") in ("idle", "failed"),
                        "the end of the analysis", 60, mark)
    assert not marker.exists(), "the go binary was run through /bin/sh"
    still_serving(s, uri, findings=False)


def test_go_exits_non_zero_without_output(rb, tmp_path, fakego):
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, "status=2")
    msg = s.wait_shown("status 2", mark)
    assert "printed no error" in msg["message"] and "example.com/rb/bad" in msg["message"], msg
    failed_status(s, mark)
    # Once per failure episode: another failing run says nothing new.
    mark2 = s.mark()
    s.save(buri)
    failed_status(s, mark2)
    assert not [m for m in s.shown(mark2) if "status 2" in m["message"]], s.shown(mark2)
    assert s.inlay(buri) == [], "findings for a package that never built"
    still_serving(s, uri)


def test_go_floods_200_megabytes(rb, tmp_path, fakego):
    """200 MB on stderr: reading stops at the cap, the process group is stopped, the failure
    names the cap, and the server's memory stays near the cap instead of the flood."""
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, f"flood={200 << 20}")
    rss0 = s.rss_kb()
    t0 = time.monotonic()
    msg = s.wait_shown("more than", mark, timeout=120)
    assert f"{JOB_STDERR_MAX >> 20} MB" in msg["message"], msg
    elapsed = time.monotonic() - t0
    inv = wait_bad_run(fakego)
    assert wait_gone([inv["pid"]], 10) == [], "the flooding go command survived"
    s.wait_stderr("printed more than")
    hwm = s.hwm_kb()
    assert not measured_memory() or hwm - rss0 < 3 * (JOB_STDERR_MAX >> 10), \
        f"VmHWM grew by {(hwm - rss0) >> 10} MB for a {JOB_STDERR_MAX >> 20} MB cap"
    assert s.inlay(buri) == [], "findings for a package that never built"
    still_serving(s, uri)
    print(f"flood: reported after {elapsed:.1f}s, VmHWM {hwm >> 10} MB")


def test_go_hangs_until_the_timeout(rb, tmp_path, fakego):
    """A go command that never ends is stopped at timeoutMs with its whole process group (a
    child that shares the group goes too), and the failure names the setting."""
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, "child\nhang", {"timeoutMs": 1500})
    inv = wait_bad_run(fakego)
    t0 = time.monotonic()
    msg = s.wait_shown("timeoutMs", mark, timeout=30)
    assert "1500" in msg["message"], msg
    assert wait_gone([inv["pid"], inv["child"]], 5) == [], "the hanging go command survived"
    assert time.monotonic() - t0 < 10
    still_serving(s, uri)


def test_go_ignores_sigterm(rb, tmp_path, fakego):
    """SIGTERM is ignored by the go command and by its child: SIGKILL follows after the grace
    period, for the whole group."""
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, "ignore_term\nchild\nhang",
                                {"timeoutMs": 1000})
    inv = wait_bad_run(fakego)
    t_start = inv["time"]
    msg = s.wait_shown("timeoutMs", mark, timeout=30)
    assert wait_gone([inv["pid"], inv["child"]], 10) == [], \
        "a go command that ignores SIGTERM survived: no SIGKILL followed"
    gone = time.time()
    assert gone - t_start >= 2.5, f"killed {gone - t_start:.1f}s after start: no SIGTERM grace"
    assert gone - t_start < 10
    still_serving(s, uri)
    del msg


def test_go_ignores_sigterm_when_cancelled(rb, tmp_path, fakego):
    """A run cancelled by a new edit (not a timeout) escalates the same way."""
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, "ignore_term\nchild\nhang")
    first = wait_bad_run(fakego)
    fakego.set(f"exec={real_go()}")
    s.save(buri)
    assert wait_gone([first["pid"], first["child"]], 10) == [], "the cancelled run survived"
    s.diagnostics(buri, mark)
    still_serving(s, uri)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux has a parent-death signal")
def test_server_killed_takes_its_build_along(rb, tmp_path, fakego):
    """An editor that gives up on the server kills it with SIGKILL, which leaves it no time
    to stop its build. The go command, and what the go command started, end with it all the
    same, instead of compiling on for as long as a cold build takes."""
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, "child\nhang")
    inv = wait_bad_run(fakego)
    s.sigkill()
    assert wait_gone([inv["pid"], inv["child"]], 3) == [], \
        "the go command outlived the server killed by SIGKILL"


@pytest.mark.parametrize("sig", [9, 11, 6])
def test_go_killed_by_a_signal(rb, tmp_path, fakego, sig):
    s, uri, buri, mark = faulty(rb, tmp_path, fakego, f"stderr_text=# {BAD_PKG}\\n\nsignal={sig}")
    msg = s.wait_shown(f"signal {sig}", mark)
    assert "example.com/rb/bad" in msg["message"], msg
    failed_status(s, mark)
    assert s.inlay(buri) == [], "findings for a package that never built"
    still_serving(s, uri)


JUNK = [
    "this line means nothing",
    "./bad.go:notanumber:3: something",
    "bad/bad.go:4:2: a message the parser has never seen",
    "# example.com/some/other/pkg",
    "\x1b[31mcolour codes\x1b[0m",
    "invalid utf-8 \udcff here",
    "x" * 200000,
    "",
    "go: warning: something about the environment",
]


def test_unknown_output_lines(rb, tmp_path, fakego):
    """Lines the parser does not know are kept out of the findings, logged once per run, and
    never make a good build fail: the known escape lines around them are all published."""
    root = write_module(tmp_path / "ws" / "m")
    import subprocess
    env = dict(__import__("os").environ, GOTOOLCHAIN="local", GOPROXY="off")
    real = subprocess.run([real_go(), "test", "-c", "-o", "/dev/null", "-gcflags=-m=2",
                           "-mod=readonly", "./bad"], cwd=root, env=env, capture_output=True)
    assert real.returncode == 0, real.stderr
    lines = real.stderr.split(b"\n")
    mixed = []
    for i, line in enumerate(lines):
        mixed.append(line)
        if i % 3 == 1:
            mixed.append(JUNK[i % len(JUNK)].encode("utf-8", "surrogateescape"))
    recording = tmp_path / "mixed.stderr"
    recording.write_bytes(b"\n".join(mixed))
    fakego.set(f"match=./bad\notherwise_exec={real_go()}\nstderr_file={recording}\nstatus=0\n")
    s, uri = ready(rb, root, {"goBinary": fakego.path}, env=fakego.env())
    mark = s.mark()
    buri = s.open(root / "bad" / "bad.go")
    diags = s.diagnostics(buri, mark)
    assert sorted(d["code"] for d in diags) == ["closure", "closure"], diags
    assert not [m for m in s.shown(mark) if "failed" in m["message"]]
    log = s.wait_stderr("were not escape facts")
    assert log.count("were not escape facts") == 1, log[-3000:]
    still_serving(s, uri)


def test_replay_of_a_recording(rb, tmp_path, fakego):
    """The recorded go1.26 output of the test module, replayed with its exit status, gives
    the same findings as a live build would, with the ranges in the right files."""
    root = tmp_path / "ws" / "escdemo"
    shutil.copytree(TESTMOD, root)
    fakego.set(f"stderr_file={RECORDINGS / 'go126_testmod_test_c_m2_misc.txt'}\nstatus=0\n")
    s = rb.start(env=fakego.env())
    s.initialize(root, {"goBinary": fakego.path})
    mark = s.mark()
    uri = s.open(root / "misc" / "loop.go")
    diags = s.diagnostics(uri, mark)
    assert diags and all(d["source"] == "goescape" for d in diags)
    moved = [d for d in diags if d["message"].startswith("i moved to heap")]
    assert [d["range"]["start"] for d in moved] == [{"line": 4, "character": 5}], diags
    places = sorted(hint_positions((root / "misc" / "loop.go").read_text(), diags, "utf-16"))
    assert sorted((h["position"]["line"], h["position"]["character"]) for h in s.inlay(uri)) \
        == places, "the inlay hints are not where the replayed findings put them"


def test_replay_of_a_failed_build(rb, tmp_path, fakego):
    """A recorded compile error replayed with exit status 1: the message quotes it."""
    root = write_module(tmp_path / "ws" / "m", "example.com/errmod",
                        {"a.go": "package errmod\n\n\n\n\n\n\nfunc F() int {\n\treturn undefinedThing\n}\n"})
    rec = Path(__file__).resolve().parents[1] / "fixtures" / "go1.19" / "go119_compile_error_m.stderr"
    fakego.set(f"stderr_file={rec}\nstatus=1\n")
    s = rb.start(env=fakego.env())
    s.initialize(root, {"goBinary": fakego.path})
    mark = s.mark()
    s.open(root / "a.go")
    msg = s.wait_shown("build failed", mark)
    assert "undefined: undefinedThing" in msg["message"], msg
