"""Documents the server cannot take at face value: changes to documents that are not open,
versions out of order, ranges past the end or inside a surrogate pair, a 50 MB document,
URIs that are not file:, paths with spaces, non-ASCII characters and percent-escapes, files
outside any module, a symlinked module directory and a file deleted while open. Each is
answered or logged, and the other documents keep their findings."""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from pathlib import Path

import pytest

from robust_util import (error_code, measured_memory, rb, ready, still_serving,  # noqa: F401
                         write_module)

pytestmark = pytest.mark.timeout(300)


def rng(l1, c1, l2, c2) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def lines_of(diags: list[dict]) -> list[int]:
    return sorted(d["range"]["start"]["line"] for d in diags)


def test_did_change_for_unopened_document(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    other = (root / "bad" / "bad.go").as_uri()
    mark = s.mark()
    s.change(other, 2, [{"range": rng(0, 0, 0, 0), "text": "// x\n"}])
    s.change(other, 3, [{"text": "package bad\n"}])
    s.save(other)
    s.close_doc(other)
    s.wait_stderr("which is not open; ignored")
    s.wait_stderr("didSave for a document that is not open")
    s.wait_stderr("didClose for a document that is not open")
    # Requests about it are errors, not crashes; nothing was opened by the changes.
    resp = s.request("textDocument/codeLens", {"textDocument": {"uri": other}})
    assert "error" in resp, resp
    assert not [m for m in s.messages[mark:] if m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == other]
    still_serving(s, uri)


def test_versions_out_of_order(rb, tmp_path):
    """Changes are applied in arrival order whatever their version says; the warning is
    logged, and the text the server holds is the client's (diagnostics of an analysis of the
    buffer land on the shifted lines)."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50})
    bad = root / "bad" / "bad.go"
    mark = s.mark()
    buri = s.open(bad, version=10)
    s.diagnostics(buri, mark)
    mark = s.mark()
    s.change(buri, 5, [{"range": rng(0, 0, 0, 0), "text": "// one\n"}])
    s.change(buri, 5, [{"range": rng(0, 0, 0, 0), "text": "// two\n"}])
    s.change(buri, 3, [{"range": rng(0, 0, 0, 0), "text": "// three\n"}])
    s.wait_stderr("applying it in arrival order")
    # n (line 4) and the closure (line 5) are now three lines lower, in the analysis of the
    # buffer as in the published diagnostics.
    s.status("idle", mark, package="example.com/rb/bad")
    s.wait_notification("textDocument/publishDiagnostics",
                        lambda p: p["uri"] == buri and lines_of(p["diagnostics"]) == [7, 8],
                        "diagnostics three lines lower", 30, mark)
    assert [h["position"]["line"] for h in s.inlay(buri)] == [7, 8]
    still_serving(s, uri)


def test_range_past_the_last_line(rb, tmp_path):
    """A change whose range starts past the last line cannot be what the client meant: it is
    refused (or clamped) with a log line naming it, the document stays usable, and the other
    documents keep their findings."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50})
    bad = root / "bad" / "bad.go"
    mark = s.mark()
    buri = s.open(bad)
    s.diagnostics(buri, mark)
    before = len(s.stderr)
    s.change(buri, 2, [{"range": rng(500, 0, 501, 3), "text": "x"}])
    assert isinstance(s.inlay(buri), list)
    time.sleep(1)
    logged = s.stderr[before:]
    assert "cannot apply change" in logged or "past the end" in logged, \
        f"no log line for a change at line 500 of a 7-line document:\n{logged}"
    still_serving(s, uri)


def test_character_past_the_end_of_a_line_is_clamped(rb, tmp_path):
    """A character past the end of an existing line means the end of that line (LSP): the
    edit lands there and the buffer stays valid Go."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50})
    bad = root / "bad" / "bad.go"
    mark = s.mark()
    buri = s.open(bad)
    s.diagnostics(buri, mark)
    mark = s.mark()
    s.change(buri, 2, [{"range": rng(0, 400, 0, 400), "text": " // tail"}])
    s.status("idle", mark, package="example.com/rb/bad")
    assert not [m for m in s.shown(mark) if "build failed" in m.get("message", "")], s.shown(mark)
    assert isinstance(s.inlay(buri), list)
    still_serving(s, uri)


def test_range_splitting_a_surrogate_pair(rb, tmp_path):
    """A UTF-16 position between the two halves of a surrogate pair never produces invalid
    UTF-8 in the server's text: the edit is refused or rounded to a character boundary, and
    an analysis of the buffer reports no invalid encoding."""
    files = {"good/good.go": "package good\n\n// G has an emoji: \"😀\".\nfunc G() *int {\n\tx := 1\n"
                             "\treturn &x\n}\n\nvar S = \"a😀b\"\n"}
    root = write_module(tmp_path / "ws" / "m", files=files)
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50})
    line = 8  # var S = "a😀b"
    col = len('var S = "a'.encode("utf-16-le")) // 2 + 1  # inside the pair
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(line, col, line, col), "text": "X"}])
    s.change(uri, 3, [{"range": rng(line, col, line, col + 1), "text": ""}])
    s.change(uri, 4, [{"range": rng(line, col - 1, line, col), "text": ""}])
    s.wait_notification("goescape/status", lambda p: p.get("package") == "example.com/rb/good"
                        and p.get("state") in ("idle", "failed"), "the analysis of the buffer",
                        120, mark)
    hov = s.hover(uri, line, col)
    assert "result" in hov or "error" in hov
    msgs = [m.get("message", "") for m in s.shown(mark)]
    assert not [m for m in msgs if "UTF-8" in m or "utf-8" in m], msgs
    assert isinstance(s.inlay(uri), list)


def test_fifty_megabyte_document(rb, tmp_path):
    """A 50 MB document is opened, edited, hovered and analyzed; the server answers the other
    documents meanwhile and its memory stays proportionate."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    rss0 = s.rss_kb()
    head = "package big\n\n// F moves x.\nfunc F() *int {\n\tx := 1\n\treturn &x\n}\n\n"
    filler = "// " + "z" * 76 + "\n"
    n = (50 << 20) // len(filler)
    text = head + filler * n
    path = root / "big" / "big.go"
    path.parent.mkdir()
    path.write_text(text)
    mark = s.mark()
    t0 = time.monotonic()
    big = s.open(path, text)
    still_serving(s, uri)
    diags = s.diagnostics(big, mark, timeout=240)
    assert any(d["range"]["start"]["line"] == 4 for d in diags), diags
    last = text.count("\n")
    s.change(big, 2, [{"range": rng(0, 0, 0, 0), "text": "// top\n"},
                      {"range": rng(last + 1, 0, last + 1, 0), "text": "// end\n"}])
    assert isinstance(s.inlay(big), list)
    hov = s.hover(big, last, 5)
    assert "result" in hov, hov
    still_serving(s, uri)
    elapsed = time.monotonic() - t0
    hwm = s.hwm_kb()
    assert not measured_memory() or hwm - rss0 < 8 * 50 * 1024, f"VmHWM grew by {(hwm - rss0) >> 10} MB for a 50 MB document"
    print(f"50 MB document: {elapsed:.1f}s, VmHWM {hwm >> 10} MB (baseline {rss0 >> 10} MB)")


def test_a_long_stretch_of_loop_work_is_logged(rb, tmp_path):
    """Work that keeps the event loop from reading input (here, taking in a 20 MB document
    in one message) is a debug line with its length and the loop thread's CPU time, so a slow
    answer can be told from a busy machine. At info level there is one summary line when the
    analysis ends: how many such stretches, the longest and its CPU time."""
    root = write_module(tmp_path / "ws" / "m")
    s = rb.start(args=["--verbose"])
    s.initialize(root)
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    s.diagnostics(uri, mark)
    text = "package big\n\n" + ("// " + "z" * 76 + "\n") * ((20 << 20) // 80)
    path = root / "big" / "big.go"
    path.parent.mkdir()
    path.write_text(text)
    mark = s.mark()
    s.open(path, text)
    still_serving(s, uri)
    s.status("idle", mark, 120, package="example.com/rb/big")
    stretch = re.compile(r"goescape (\w+): the event loop was busy for ([0-9.]+) ms "
                         r"\(([0-9.]+) ms on the CPU\) without reading input")
    summary = re.compile(r"goescape (\w+): the analysis of example\.com/rb/big ended; since "
                         r"the last such line the event loop was busy over 4 ms (\d+) times? "
                         r"without reading input, longest ([0-9.]+) ms \(([0-9.]+) ms on the CPU\)")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not summary.search(s.stderr):
        time.sleep(0.1)
    stretches = stretch.findall(s.stderr)
    assert stretches, s.stderr[-2000:]
    assert {level for level, _, _ in stretches} == {"debug"}, stretches
    assert max(float(wall) for _, wall, _ in stretches) >= 4.0, stretches
    [(level, count, longest, cpu)] = summary.findall(s.stderr)
    assert level == "info" and int(count) >= 1 and float(longest) >= 4.0, s.stderr[-2000:]
    assert float(longest) <= max(float(wall) for _, wall, _ in stretches) + 0.05


NON_FILE_URIS = [
    "untitled:Untitled-1",
    "https://example.com/pkg/x.go",
    "file://otherhost/share/x.go",
    "file:relative/x.go",
    "vscode-notebook-cell:/nb.ipynb#W0sZmlsZQ%3D%3D",
    "git:/repo/x.go?%7B%22ref%22%3A%22HEAD%22%7D",
    "file:///tmp/bad%zzescape.go",
    "file:///tmp/nul%00byte.go",
    "",
]


@pytest.mark.parametrize("other", NON_FILE_URIS)
def test_uri_that_is_not_a_file(rb, tmp_path, other):
    """Documents under URIs without a local path are kept but not analyzed; requests about
    them are answered; nothing is started for them."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    s.open(other, "package x\n\nfunc F() *int { x := 1; return &x }\n")
    s.change(other, 2, [{"range": rng(0, 0, 0, 0), "text": "// c\n"}])
    s.save(other)
    for method, params in [
        ("textDocument/hover", {"textDocument": {"uri": other}, "position": {"line": 3, "character": 20}}),
        ("textDocument/inlayHint", {"textDocument": {"uri": other}, "range": rng(0, 0, 9, 0)}),
        ("textDocument/codeLens", {"textDocument": {"uri": other}}),
        ("workspace/executeCommand", {"command": "goescape.analyze", "arguments": [other]}),
    ]:
        resp = s.request(method, params)
        assert "result" in resp or "error" in resp, resp
        if "result" in resp and method != "workspace/executeCommand":
            assert resp["result"] in (None, []), (method, resp)
    s.close_doc(other)
    if other:
        s.wait_stderr("not a file: URI")
    assert not [p for p in s.notifications("textDocument/publishDiagnostics", mark)
                if p["uri"] == other and p["diagnostics"]]
    still_serving(s, uri)


# Characters that need escaping in a URI path, in directory and file names.
ODD_DIR = "my dir/ünïcødé/100% sure/a#b?c/[x]@y+z=w,v;u&t'(s)!$"
ODD_FILE = "hé llo wörld 😀.go"


def nvim_style_uri(path: Path) -> str:
    """How Neovim's vim.uri_from_fname writes a path: lowercase hex, RFC 3986 reserved
    characters kept."""
    safe = "-._~!$&'()*+,;=:@/"
    return "file://" + "".join(
        c if (c.isascii() and (c.isalnum() or c in safe)) else
        "".join(f"%{b:02x}" for b in c.encode("utf-8")) for c in str(path))


def vscode_style_uri(path: Path) -> str:
    """VS Code's form: every byte outside the unreserved set escaped as uppercase %XX."""
    return "file://" + urllib.parse.quote(str(path), safe="/-._~")


def open_odd_module(rb, tmp_path, style):
    base = tmp_path / "ws" / ODD_DIR
    root = write_module(base / "m", files={f"good/{ODD_FILE}": "package good\n\nfunc G() *int {\n"
                                                               "\tx := 1\n\treturn &x\n}\n"})
    path = root / "good" / ODD_FILE
    uri = vscode_style_uri(path) if style == "vscode" else nvim_style_uri(path)
    assert urllib.parse.unquote(urllib.parse.urlparse(uri).path) == str(path)
    s = rb.start()
    s.initialize(root)
    mark = s.mark()
    s.open(uri, path.read_text())
    diags = s.wait_notification("textDocument/publishDiagnostics",
                                lambda p: p["diagnostics"], "diagnostics", 120, mark)
    got = diags["uri"]
    assert urllib.parse.unquote(urllib.parse.urlparse(got).path) == str(path), \
        f"diagnostics for another file: {got}"
    assert lines_of(diags["diagnostics"]) == [3], diags
    return s, uri, path, got


@pytest.mark.parametrize("style", ["vscode", "nvim"])
def test_paths_with_spaces_non_ascii_and_escapes(rb, tmp_path, style):
    """A module under a directory full of characters that URIs escape, opened with the URI
    forms of VS Code and of Neovim (lowercase hex, RFC 3986 reserved characters kept). The
    findings come back for that file and are placed in the client's buffer: unsaved lines
    added above them move the republished diagnostics and the inlay hints."""
    s, uri, path, got = open_odd_module(rb, tmp_path, style)
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(1, 0, 1, 0), "text": "// a\n// b\n"}])
    moved = s.wait_notification("textDocument/publishDiagnostics",
                                lambda p: p["uri"] == got, "republished diagnostics", 30, mark)
    assert lines_of(moved["diagnostics"]) == [5], moved
    hints = s.inlay(uri)
    assert hints and all(h["position"]["line"] == 5 for h in hints), hints
    hov = s.hover(uri, 5, 1)
    assert hov.get("result"), f"no hover on the moved finding: {hov}"


@pytest.mark.parametrize("style", ["vscode", "nvim"])
def test_diagnostics_use_the_uri_the_client_opened(rb, tmp_path, style):
    """publishDiagnostics names an open document by the very URI string the client used in
    didOpen; clients that compare URIs as strings (or escape differently from VS Code) would
    otherwise never show them."""
    s, uri, path, got = open_odd_module(rb, tmp_path, style)
    assert got == uri, f"diagnostics published under {got!r}, but the client opened {uri!r}"


def test_file_outside_any_module(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    loose = tmp_path / "loose"
    loose.mkdir()
    for p in [tmp_path, *tmp_path.parents]:
        assert not (p / "go.mod").exists(), f"a go.mod above the test directory: {p}"
    (loose / "l.go").write_text("package main\n\nvar sink *int\n\nfunc main() {\n\tx := 1\n"
                                "\tsink = &x\n}\n")
    (loose / "k.go").write_text("package main\n\nfunc K() map[int]int { return map[int]int{} }\n")
    mark = s.mark()
    luri = s.open(loose / "l.go")
    diags = s.diagnostics(luri, mark)
    assert lines_of(diags) == [5], diags
    kuri = s.open(loose / "k.go")
    s.diagnostics(kuri, mark)
    s.wait_stderr("outside any module")
    still_serving(s, uri)
    still_serving(s, luri)


def test_symlinked_module_directory(rb, tmp_path):
    """The workspace reaches the module through a symlink; diagnostics come back for the
    path the client opened."""
    real = write_module(tmp_path / "real" / "m")
    link = tmp_path / "ws" / "linked"
    link.parent.mkdir(parents=True)
    os.symlink(real, link)
    s = rb.start()
    s.initialize(link)
    mark = s.mark()
    uri = s.open(link / "good" / "good.go")
    diags = s.diagnostics(uri, mark)
    assert lines_of(diags) == [4, 9], diags
    # A package linked from inside the module works too.
    inner = real / "inner"
    inner.mkdir()
    os.symlink(real / "bad", inner / "bad")
    mark = s.mark()
    b = s.open(link / "bad" / "bad.go")
    s.diagnostics(b, mark)
    still_serving(s, uri)


def test_deleted_file(rb, tmp_path):
    """A file deleted on disk while it is open: the package is analyzed again without a
    crash (the buffer stands in for the file), requests about it are answered, and the other
    package keeps its findings."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    bad = root / "bad" / "bad.go"
    (root / "bad" / "more.go").write_text("package bad\n\nfunc More() *int { return new(int) }\n")
    mark = s.mark()
    buri = s.open(bad)
    s.diagnostics(buri, mark)
    bad.unlink()
    mark = s.mark()
    s.save(buri)
    s.wait_notification("goescape/status", lambda p: p.get("package") == "example.com/rb/bad" and
                        p.get("state") in ("idle", "failed"), "the analysis after the delete",
                        120, mark)
    assert isinstance(s.inlay(buri), list)
    assert "result" in s.hover(buri, 5, 10)
    s.close_doc(buri)
    # The whole package gone, then a document of it opened again from the buffer only.
    (root / "bad" / "more.go").unlink()
    (root / "bad").rmdir()
    mark = s.mark()
    s.open(buri, "package bad\n\nfunc B() *int { return new(int) }\n")
    s.wait_notification("goescape/status", lambda p: p.get("package") == "example.com/rb/bad" and
                        p.get("state") in ("idle", "failed"), "the analysis of a vanished package",
                        120, mark)
    assert isinstance(s.inlay(buri), list)
    still_serving(s, uri)
