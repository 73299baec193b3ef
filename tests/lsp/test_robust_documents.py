"""Documents the server cannot take at face value: changes to documents that are not open,
versions out of order, ranges past the end or inside a surrogate pair, a 50 MB document,
URIs that are not file:, paths with spaces, non-ASCII characters and percent-escapes, files
outside any module, a symlinked module directory and a file deleted while open. Each is
answered or logged, and the other documents keep their findings."""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
from pathlib import Path

import pytest

from support.hints import hint_positions
from robust_util import (REQUEST_FAILED, error_code, fakego, fakego_bin, measured_memory, rb,  # noqa: F401
                         ready, real_go, still_serving, write_module)

pytestmark = pytest.mark.timeout(300)


def rng(l1, c1, l2, c2) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def lines_of(diags: list[dict]) -> list[int]:
    return sorted(d["range"]["start"]["line"] for d in diags)


def last_diagnostics(s, uri: str) -> list[dict]:
    """The diagnostics of the last publish for uri (an unchanged set is not sent again)."""
    return [p for p in s.notifications("textDocument/publishDiagnostics")
            if p["uri"] == uri][-1]["diagnostics"]


def hint_ends(hints: list[dict]) -> list[tuple[int, int]]:
    return sorted((h["position"]["line"], h["position"]["character"]) for h in hints)


def hint_places(text: str, diags: list[dict]) -> list[tuple[int, int]]:
    """Where the hints of diags go in text (utf-16): after the expression before a
    delimiter, else at the end of the line, one hint for each place."""
    return sorted(hint_positions(text, diags, "utf-16"))


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
    diags = s.diagnostics(buri, mark)
    s.change(buri, 2, [{"range": rng(500, 0, 501, 3), "text": "x"}])
    # The findings above the end of the document stay where they are.
    assert hint_ends(s.inlay(buri)) == hint_places(bad.read_text(), diags)
    # Requests are read in order, so the change has been taken and its warning written.
    s.wait_stderr("starts at line 501, past the end of the document", 30)
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
    assert lines_of(last_diagnostics(s, buri)) == [4, 5]
    # Only the first line changed, so the hints' lines read as on disk.
    assert hint_ends(s.inlay(buri)) == hint_places(bad.read_text(), last_diagnostics(s, buri))
    still_serving(s, uri)


SURROGATE_LINE = 'var S = "a😀b"; func H() *int { y := 2; return &y }'


def test_range_splitting_a_surrogate_pair(rb, tmp_path, fakego):
    """A UTF-16 position between the two halves of a surrogate pair never produces invalid
    UTF-8 in the server's text: each such edit is refused, so the buffer the go command is
    given (read from the overlay while the build is held) is the original text plus the one
    valid edit, and the findings after the emoji sit where the client's text puts them."""
    good = "package good\n\n// G has an emoji: \"😀\".\nfunc G() *int {\n\tx := 1\n" \
           "\treturn &x\n}\n\n" + SURROGATE_LINE + "\n"
    root = write_module(tmp_path / "ws" / "m", files={"good/good.go": good})
    path = root / "good" / "good.go"
    fakego.set(f"exec={real_go()}")
    s, uri = ready(rb, root, {"analyzeOn": "type", "debounceMs": 50, "goBinary": fakego.path},
                   env=fakego.env())
    line = 8  # SURROGATE_LINE
    col = len('var S = "a'.encode("utf-16-le")) // 2 + 1  # inside the pair
    fakego.set(fakego.held(f"exec={real_go()}"))
    seen = len(fakego.invocations())
    mark = s.mark()
    s.change(uri, 2, [{"range": rng(line, col, line, col), "text": "X"}])
    s.change(uri, 3, [{"range": rng(line, col, line, col + 1), "text": ""}])
    s.change(uri, 4, [{"range": rng(line, col - 2, line, col), "text": ""}])
    s.change(uri, 5, [{"range": rng(line + 1, 0, line + 1, 0), "text": "// edited\n"}])
    expected = good + "// edited\n"
    overlay = None
    while overlay is None:
        inv = fakego.wait_invocations(seen + 1)[seen]
        seen += 1
        if inv["overlay"] is not None:
            overlay = inv["overlay"]
        fakego.release(inv)
    copy = Path(json.loads(overlay["content"])["Replace"][str(path)])
    assert copy.read_text(encoding="utf-8") == expected, \
        "the server's text is not the original plus the valid edit"
    fakego.release()
    s.status("idle", mark, package="example.com/rb/good")
    assert s.stderr.count("invalid range") >= 3, s.stderr[-3000:]
    msgs = [m.get("message", "") for m in s.shown(mark)]
    assert not [m for m in msgs if "UTF-8" in m or "utf-8" in m], msgs
    # The last publish (an unchanged set is not sent again).
    diags = [p for p in s.notifications("textDocument/publishDiagnostics")
             if p["uri"] == uri][-1]["diagnostics"]
    y = len(SURROGATE_LINE[:SURROGATE_LINE.index("y :=")].encode("utf-16-le")) // 2
    want = {(4, 1, 4, 2, "x"), (line, y, line, y + 1, "y")}
    got = {(d["range"]["start"]["line"], d["range"]["start"]["character"],
            d["range"]["end"]["line"], d["range"]["end"]["character"], d["message"].split()[0])
           for d in diags if " moved to heap: " in d["message"]}
    assert got == want, diags
    hov = s.hover(uri, line, y)["result"]
    assert "`y` moves to the heap in `H`" in hov["contents"]["value"], hov
    assert hov["range"] == rng(line, y, line, y + 1), hov
    hints = hint_ends(s.inlay(uri))
    assert hints == hint_places(expected, diags), (hints, diags)


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
    assert hint_ends(s.inlay(big)) == [(l + 1, c) for l, c in hint_places(text, diags)], \
        "the hints did not move down with the line added at the top"
    hov = s.hover(big, last, 5)
    assert hov.get("result", "missing") is None, f"a hover on a comment: {hov}"
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
        # request() waits for a result or an error; which one, and what it holds, is fixed:
        # the document is kept without findings, and it is in no Go package, so it cannot be
        # analyzed.
        if method == "workspace/executeCommand":
            assert error_code(resp) == REQUEST_FAILED, (method, resp)
        else:
            assert resp.get("result", "missing") in (None, []), (method, resp)
            assert resp["result"] == (None if method == "textDocument/hover" else []), resp
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
    bad_text = bad.read_text()
    bad.unlink()
    mark = s.mark()
    s.save(buri)
    s.wait_notification("goescape/status", lambda p: p.get("package") == "example.com/rb/bad" and
                        p.get("state") in ("idle", "failed"), "the analysis after the delete",
                        120, mark)
    # Whether the deleted file keeps its findings is test_deleted_open_file_keeps_its_findings;
    # here the answers agree with what was published.
    diags = last_diagnostics(s, buri)
    assert hint_ends(s.inlay(buri)) == hint_places(bad_text, diags)
    hov = s.hover(buri, 5, 10)
    assert ("**Cause:**" in hov["result"]["contents"]["value"]) if diags else \
        hov["result"] is None, (diags, hov)
    s.close_doc(buri)
    # The whole package gone, then a document of it opened again from the buffer only.
    (root / "bad" / "more.go").unlink()
    (root / "bad").rmdir()
    mark = s.mark()
    vanished = "package bad\n\nfunc B() *int { return new(int) }\n"
    s.open(buri, vanished)
    st = s.wait_notification("goescape/status", lambda p: p.get("package") == "example.com/rb/bad"
                             and p.get("state") in ("idle", "failed"),
                             "the analysis of a vanished package", 120, mark)
    # What the go command makes of a package directory that is gone is its own business; the
    # server's answers agree with what it published.
    diags = last_diagnostics(s, buri)
    counted = {k: n for k, n in st["escapes"].items() if n}
    assert counted == ({buri: len(diags)} if diags else {}), (st, diags)
    assert hint_ends(s.inlay(buri)) == hint_places(vanished, diags)
    still_serving(s, uri)


def test_deleted_open_file_keeps_its_findings(rb, tmp_path):
    """A file deleted on disk while it is open is analyzed from its buffer: its findings stay,
    and the package's other file keeps its own (counted with the package scope)."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root, {"diagnosticsScope": "package"})
    bad = root / "bad" / "bad.go"
    (root / "bad" / "more.go").write_text("package bad\n\nfunc More() *int { return new(int) }\n")
    mark = s.mark()
    buri = s.open(bad)
    s.diagnostics(buri, mark)
    bad_text = bad.read_text()
    bad.unlink()
    mark = s.mark()
    s.save(buri)
    st = s.status("idle", mark, package="example.com/rb/bad")
    more = (root / "bad" / "more.go").as_uri()
    assert st["escapes"] == {buri: 2, more: 1}, st
    assert lines_of(last_diagnostics(s, buri)) == [4, 5]
