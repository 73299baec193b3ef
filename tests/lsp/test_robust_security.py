"""Security defaults: the server never writes into the user's tree (not even for a main
package, and go.mod and go.sum stay byte for byte), works on a read-only tree, keeps unsaved
buffers in a private 0700 directory that it removes, runs the go command by argv with
GOTOOLCHAIN=local and GOPROXY=off unless downloads are allowed, and says plainly which setting
allows them when a build needs the network."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import require
from robust_util import (BAD_GO, GOOD_GO, binary, fakego, fakego_bin, rb, ready,  # noqa: F401
                         real_go, snapshot, still_serving, tree_changes, under_valgrind,
                         write_module)

pytestmark = pytest.mark.timeout(300)


def rng(l1, c1, l2, c2) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


MAIN_GO = """package main

import "fmt"

type T struct{ A, B int }

func newT() *T { return &T{1, 2} }

func main() {
	t := newT()
	fmt.Println(t.A, t.B)
}
"""

MAIN_TEST_GO = """package main

import "testing"

func TestT(t *testing.T) {
	if newT().A != 1 {
		t.Fatal("A")
	}
}
"""


def test_never_writes_into_the_tree(rb, tmp_path):
    """A module with a main package and its test, a go.sum, a nested module without a go
    directive, and a vendor-less dependency-free build: after opening, editing (analyzeOn
    type, so overlays are used), saving nothing, analyzing on command and exiting, the tree is
    exactly as before: no file, directory, go.mod or go.sum touched, no binary written."""
    root = tmp_path / "ws" / "app"
    write_module(root, "example.com/app", {"main.go": MAIN_GO, "main_test.go": MAIN_TEST_GO,
                                           "good/good.go": GOOD_GO})
    (root / "go.sum").write_text("example.com/unused v1.0.0/go.mod h1:"
                                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    nested = root / "tools"
    nested.mkdir()
    (nested / "go.mod").write_text("module example.com/tools\n")
    (nested / "tool.go").write_text("package main\n\nfunc main() { p := new(int); println(p) }\n")
    os.utime(root / "go.mod", (1_000_000_000, 1_000_000_000))
    before = snapshot(root)
    gomod, gosum = (root / "go.mod").read_bytes(), (root / "go.sum").read_bytes()

    s = rb.start()
    s.initialize(root, {"analyzeOn": "type", "debounceMs": 50})
    mark = s.mark()
    main_uri = s.open(root / "main.go")
    s.diagnostics(main_uri, mark)
    test_uri = s.open(root / "main_test.go")
    tool_uri = s.open(nested / "tool.go")
    good_uri = s.open(root / "good" / "good.go")
    s.diagnostics(good_uri, mark)
    mark = s.mark()
    s.change(main_uri, 2, [{"range": rng(8, 0, 8, 0), "text": "var sink = map[int]int{}\n\n"}])
    s.change(test_uri, 2, [{"range": rng(3, 0, 3, 0), "text": "var tsink []int\n"}])
    s.status("idle", mark, package="example.com/app")
    resp = s.request("workspace/executeCommand",
                     {"command": "goescape.analyze", "arguments": [tool_uri]}, timeout=120)
    assert "result" in resp, resp
    s.save(good_uri)
    assert s.shutdown_exit() == 0
    changes = tree_changes(before, snapshot(root))
    assert not changes, "the server changed the user's tree:\n" + "\n".join(changes)
    assert (root / "go.mod").read_bytes() == gomod and (root / "go.sum").read_bytes() == gosum


def unshare_problem() -> str | None:
    """Why `unshare -rm` (a user and mount namespace, for a read-only bind mount) cannot run
    here, or None when it can."""
    if not shutil.which("unshare"):
        return "the unshare command is not installed (util-linux)"
    try:
        r = subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unshare -rm true: {e}"
    if r.returncode != 0:
        return (f"unshare -rm true exited {r.returncode}: "
                f"{r.stderr.decode('utf-8', 'replace').strip()} (user namespaces disabled?)")
    return None


READ_ONLY = ['sh', '-c', 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && '
             'exec "$@"', 'sh']


def test_read_only_tree(rb, tmp_path):
    """The module is mounted read-only (so even root cannot write it): analyses, edits with
    overlays, and commands all work, and nothing fails for want of a writable tree. Without
    user namespaces it cannot run: a skip, or a failure under CI=true."""
    problem = unshare_problem()
    require(problem is None, f"a read-only bind mount needs unshare -rm: {problem}")
    root = write_module(tmp_path / "ws" / "m")
    before = snapshot(root)
    wrap = ["unshare", "-rm"] + READ_ONLY + [str(root)]
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50}, wrap=wrap)
    mark = s.mark()
    buri = s.open(root / "bad" / "bad.go")
    s.diagnostics(buri, mark)
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(0, 0, 0, 0), "text": "// edited\n"}])
    s.status("idle", mark, package="example.com/rb/good")
    assert not [m for m in s.shown(mark) if "failed" in m.get("message", "")], s.shown(mark)
    resp = s.request("workspace/executeCommand",
                     {"command": "goescape.analyze", "arguments": [buri]}, timeout=120)
    assert resp.get("result", {}).get("ok") is True, resp
    still_serving(s, buri)
    assert s.shutdown_exit() == 0
    assert not tree_changes(before, snapshot(root))


def test_overlays_are_private_and_removed(rb, tmp_path, fakego):
    """analyzeOn "type": unsaved buffers go to an -overlay in a 0700 directory inside a 0700
    per-server directory under TMPDIR, files 0600, never in the user's tree. The go command
    sees the buffer (the new function's escape is reported), the run's directory is gone when
    the run ends, and the server's directory is gone when it exits."""
    root = write_module(tmp_path / "ws" / "m")
    before = snapshot(root)
    fakego.set(f"exec={real_go()}")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50, "goBinary": fakego.path},
                   env=fakego.env())
    n0 = len(fakego.invocations())
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(10, 0, 10, 0),
                       "text": "\n// N is only in the buffer.\nfunc N() *int { return new(int) }\n"}])
    diags = s.wait_notification("textDocument/publishDiagnostics",
                                lambda p: p["uri"] == uri and any(
                                    d["range"]["start"]["line"] == 12 for d in p["diagnostics"]),
                                "a finding from the unsaved buffer", 120, mark)
    inv = [i for i in fakego.invocations()[n0:] if i["overlay"]]
    assert inv, f"no -overlay argument in {[i['argv'] for i in fakego.invocations()]}"
    ov = inv[-1]["overlay"]
    path = Path(ov["path"])
    tmpdir = s.tmpdir.resolve()
    assert tmpdir in path.parents, f"overlay outside the server's TMPDIR: {path}"
    assert root not in path.parents
    assert ov["dir"]["mode"] == 0o700, oct(ov["dir"]["mode"])
    assert ov["parent"]["mode"] == 0o700, oct(ov["parent"]["mode"])
    assert ov["file"]["mode"] & 0o077 == 0, oct(ov["file"]["mode"])
    assert ov["dir"]["uid"] == os.getuid()
    import json
    replace = json.loads(ov["content"])["Replace"]
    good = str(root / "good" / "good.go")
    assert list(replace) == [good], replace
    assert path.parent in Path(replace[good]).parents, replace
    assert Path(replace[good]).name == "good.go", replace
    s.status("idle", mark, package="example.com/rb/good")
    deadline = time.monotonic() + 10
    while path.parent.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not path.parent.exists(), f"the overlay directory outlived its run: {path.parent}"
    assert s.shutdown_exit() == 0
    assert not list(tmpdir.glob("goescape-*")), list(tmpdir.iterdir())
    assert not tree_changes(before, snapshot(root))
    del diags


def test_compile_errors_in_unsaved_buffers_name_the_file(rb, tmp_path):
    """A compile error in an unsaved buffer is reported against the user's file, never the
    overlay copy: the showMessage names good.go, and with reportBuildErrors the error is a
    diagnostic on good.go at the right line."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50, "reportBuildErrors": True})
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(10, 0, 10, 0), "text": "\nvar _ = undefinedName\n"}])
    shown = s.wait_notification("window/showMessage", lambda p: "build failed" in p["message"],
                                "a build failure message", 120, mark)
    assert "good.go:12" in shown["message"], shown["message"]
    diags = s.wait_notification("textDocument/publishDiagnostics",
                                lambda p: p["uri"] == uri and any(
                                    d.get("code") == "build" for d in p["diagnostics"]),
                                "a build error diagnostic on good.go", 30, mark)
    errs = [d for d in diags["diagnostics"] if d.get("code") == "build"]
    assert [d["range"]["start"]["line"] for d in errs] == [11], errs


def test_go_command_line_and_environment(rb, tmp_path, fakego):
    """The go command is run by argv (its parent is the server itself, or on Linux the
    server's own binary as its guard, no shell between), in its own process group, in the
    module root, with -o /dev/null, -gcflags=-m=2 and
    -mod=readonly, GOTOOLCHAIN=local and GOPROXY=off whatever the user's environment says,
    stdin on /dev/null and no other descriptor of the server."""
    root = write_module(tmp_path / "ws" / "m")
    fakego.set(f"exec={real_go()}")
    user_env = {"GOTOOLCHAIN": "auto", "GOPROXY": "http://127.0.0.1:9/", "GOFLAGS": "-mod=mod"}
    s, uri = ready(rb, root, {"goBinary": fakego.path, "diagnosticsScope": "package"},
                   env=fakego.env(), inherit=user_env)
    inv = fakego.invocations()[0]
    assert inv["argv"] == [fakego.path, "test", "-c", "-o", "/dev/null", "-gcflags=-m=2",
                           "-mod=readonly", "./good"], inv["argv"]
    if sys.platform == "linux":
        assert inv["parent_ppid"] == s.pid, "the go command's parent is not a child of the server"
        assert os.path.realpath(inv["parent_exe"]) == os.path.realpath(binary()), \
            "the go command's parent is not the server's own binary (its guard)"
        assert inv["pgid"] == inv["ppid"], "the go command is not in the guard's process group"
    else:
        assert inv["ppid"] == s.pid, "the go command is not a direct child of the server"
        assert inv["pgid"] == inv["pid"], "the go command is not in its own process group"
    assert os.path.realpath(inv["cwd"]) == os.path.realpath(root)
    assert inv["env"]["GOTOOLCHAIN"] == "local" and inv["env"]["GOPROXY"] == "off", inv["env"]
    assert inv["env"]["GOFLAGS"] == "-mod=mod"  # overridden on the command line by -mod=readonly
    if not under_valgrind():
        assert sorted(inv["fds"], key=int) == ["0", "1", "2"], f"descriptors leaked: {inv['fds']}"
    assert inv["fds"]["0"] == "/dev/null", inv["fds"]

    # With downloads allowed, the user's own settings pass through untouched; build flags,
    # extra gcflags and env settings are added where documented.
    mark = s.mark()
    n = len(fakego.invocations())
    s.notify("workspace/didChangeConfiguration", {"settings": {"goescape": {
        "goBinary": fakego.path, "allowModuleDownloads": True, "includeTests": False,
        "buildFlags": ["-tags=robust"], "extraGcflags": ["-l"], "env": {"GOFLAGS": "-v"}}}})
    inv = fakego.wait_invocations(n + 1)[n]
    assert inv["argv"] == [fakego.path, "build", "-o", "/dev/null", "-gcflags=-m=2 -l",
                           "-mod=readonly", "-tags=robust", "./good"], inv["argv"]
    assert inv["env"]["GOTOOLCHAIN"] == "auto" and inv["env"]["GOPROXY"] == "http://127.0.0.1:9/"
    assert inv["env"]["GOFLAGS"] == "-v"


def test_module_download_is_refused_and_named(rb, tmp_path):
    """A module that is not in the module cache is not downloaded by default; the build
    failure says so and names goescape.allowModuleDownloads. go.mod and go.sum are unchanged."""
    root = write_module(tmp_path / "ws" / "dl", "example.com/dl", {
        "good/good.go": 'package good\n\nimport "example.com/notcached"\n\nvar X = notcached.X\n'})
    (root / "go.mod").write_text("module example.com/dl\n\ngo 1.19\n\n"
                                 "require example.com/notcached v1.0.0\n")
    (root / "go.sum").write_text(
        "example.com/notcached v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        "example.com/notcached v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    before = snapshot(root)
    s = rb.start(inherit={"GOPROXY": "http://127.0.0.1:9/", "GOFLAGS": ""})
    s.initialize(root)
    mark = s.mark()
    s.open(root / "good" / "good.go")
    msg = s.wait_shown("build failed", mark, 120)
    assert "allowModuleDownloads" in msg["message"], msg
    assert s.shutdown_exit() == 0
    assert not tree_changes(before, snapshot(root))


def test_newer_toolchain_is_not_downloaded(rb, tmp_path):
    """A go.mod asking for a newer Go does not make the go command fetch a toolchain; the
    message says why and names the setting."""
    root = write_module(tmp_path / "ws" / "tc", "example.com/tc", go_version="1.999")
    before = snapshot(root)
    s = rb.start(inherit={"GOTOOLCHAIN": "auto"})
    s.initialize(root)
    mark = s.mark()
    s.open(root / "good" / "good.go")
    msg = s.wait_shown("build failed", mark, 120)
    assert "allowModuleDownloads" in msg["message"] and "1.999" in msg["message"], msg
    still_serving(s, (root / "good" / "good.go").as_uri(), findings=False)
    assert s.shutdown_exit() == 0
    assert not tree_changes(before, snapshot(root))
