"""Findings that stay true while the user types (issue 3).

An edit above a finding moves it by exactly the lines inserted, with no compiler run; an edit
inside a finding removes it until the next analysis; the hints and hovers follow the moved
findings; analyzeOn "type" analyzes unsaved buffers through an overlay, outside the tree.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from support import procs
from support import text as tx
from support.checks import assert_parity
from support.compiler import Escape, reference_escapes
from robust_util import real_go
from support.gen import write_heavy_module
from support.hints import hint_positions

EXAMPLES = "example.com/goescape-demo"


async def opened(lsp, module, name="examples", rel="escapes.go", pkg=EXAMPLES, **kw):
    root = module(name)
    s = await lsp(root, **kw)
    mark = s.mark()
    t0 = time.monotonic()
    s.open(rel)
    started = await s.wait_for(lambda e: e.method == "goescape/status"
                               and e.params.get("state") == "analyzing", mark, "the analysis")
    s.reaction = started.t - t0  # how long this machine takes to start an analysis now
    st = await s.wait_analysis(pkg, mark)
    assert st["state"] == "idle", st
    return s, root


def shifted(diags: list[dict], lines: int, chars_on: dict[int, int] | None = None) -> list[tuple]:
    """(range, message, code) of diags moved down by lines, and right by chars_on[line] on
    the given (old) lines."""
    out = []
    for d in diags:
        r = tx.Span.of(d["range"])
        dc = (chars_on or {}).get(r.start.line, 0)
        out.append(((r.start.line + lines, r.start.character + dc,
                     r.end.line + lines, r.end.character + (dc if r.end.line == r.start.line else 0)),
                    d["message"], d["code"]))
    return sorted(out)


def keyed(diags: list[dict]) -> list[tuple]:
    return shifted(diags, 0)


DEBOUNCE_S = 0.25  # the default debounceMs


def no_run_window(s) -> float:
    """How long to watch for an analysis that must not start: the debounce after which one
    would start, plus ten times what starting one took on this machine a moment ago (at
    least 1.25 s), so a busy machine is watched longer instead of passing unwatched."""
    return DEBOUNCE_S + max(1.25, 10 * s.reaction)


async def watch_for_go(s, seconds: float) -> dict[int, str]:
    """Watches the server's children for a while; returns any go processes seen."""
    seen: dict[int, str] = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.update(procs.go_children(s.pid))
        await asyncio.sleep(0.05)
    return seen


@pytest.mark.parametrize("utf8", [False, True], ids=["utf-16", "utf-8"])
async def test_lines_inserted_above_move_findings_without_a_compiler_run(lsp, module, utf8):
    s, root = await opened(lsp, module, utf8=utf8)
    before = s.diagnostics("escapes.go")
    assert before
    text = s.text_of("escapes.go")
    at = tx.find_span(text, "// NewIndex returns", encoding=s.encoding).start
    mark = s.mark()
    s.insert("escapes.go", at, "// one\n// two\n// three 😀 多\n")
    want = shifted(before, 3)
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == want,
                         what="diagnostics moved down by 3 lines")
    go = await watch_for_go(s, no_run_window(s))
    assert not go, f"an edit without a save ran the go command: {go}"
    assert s.analyses_started(mark) == 0, "an edit without a save started an analysis"
    # every publish after the edit had every finding: nothing flickered away
    for ds in s.publishes(s.uri("escapes.go"), mark):
        assert len(ds) == len(before), f"a publish after the edit lost findings: {len(ds)} of {len(before)}"
    # hints and hovers follow
    now = s.diagnostics("escapes.go")
    hints = await s.inlay_hints("escapes.go")
    assert sorted((h["position"]["line"], h["position"]["character"]) for h in hints) == \
        sorted(hint_positions(s.text_of("escapes.go"), now, s.encoding))
    for d in now:
        h = await s.hover("escapes.go", tx.Pos.of(d["range"]["start"]))
        assert h is not None and h["range"] == d["range"], f"no hover at the moved {d['message']!r}"


async def test_text_inserted_before_a_finding_on_its_line_moves_it_right(lsp, module):
    s, root = await opened(lsp, module, name="unicode", rel="uni.go", pkg="example.com/unicode")
    text = s.text_of("uni.go")
    expr, span = tx.marked(text, "/* 😀🎉 注释 */ return «&点{横: 1, 縦: 2}»", s.encoding)
    before = s.diagnostics("uni.go")
    ins = "/* 🎉 */ "
    at = tx.find_span(text, "return &点", encoding=s.encoding).start
    mark = s.mark()
    s.insert("uni.go", at, ins)
    want = shifted(before, 0, {span.start.line: tx.units(ins, s.encoding)})
    await s.wait_publish(s.uri("uni.go"), mark, lambda ds: keyed(ds) == want,
                         what=f"the finding moved right by {tx.units(ins, s.encoding)} units")


async def test_edit_inside_a_finding_removes_it_until_the_next_analysis(lsp, module):
    s, root = await opened(lsp, module)
    text = s.text_of("escapes.go")
    expr, span = tx.marked(text, "index := «make(map[string]int)»", s.encoding)
    before = s.diagnostics("escapes.go")
    [target] = [d for d in before if tx.Span.of(d["range"]) == span]
    rest = keyed([d for d in before if d is not target])
    inside = tx.Pos(span.end.line, span.end.character - 1)  # just before the ")"
    mark = s.mark()
    s.insert("escapes.go", inside, " ")
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == rest,
                         what="the edited finding gone, the others unchanged")
    assert s.analyses_started(mark) == 0
    # Saving brings it back, now covering the edited text.
    mark = s.mark()
    s.save("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.delivered()
    new = tx.Span(span.start, tx.Pos(span.end.line, span.end.character + 1))
    got = [d for d in s.diagnostics("escapes.go") if tx.Span.of(d["range"]) == new]
    assert got and got[0]["code"] == "map", \
        f"after the save, no map finding covers {tx.span_text(s.text_of('escapes.go'), new, s.encoding)!r}"


async def test_deleting_lines_above_moves_findings_up(lsp, module):
    s, root = await opened(lsp, module)
    text = s.text_of("escapes.go")
    a = tx.find_span(text, "// Package examples", encoding=s.encoding).start
    b = tx.find_span(text, "package examples", encoding=s.encoding).start
    n = b.line - a.line
    assert n >= 2
    before = s.diagnostics("escapes.go")
    mark = s.mark()
    s.change("escapes.go", tx.Span(a, b), "")
    want = shifted(before, -n)
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == want,
                         what=f"diagnostics moved up by {n} lines")
    assert s.analyses_started(mark) == 0


async def test_edits_during_an_analysis_move_its_results(lsp, module, fakego):
    """Lines inserted above findings (no save) while an analysis runs must move its results,
    which then sit at the compiler's positions plus the inserted lines. The go command is held
    until the server has taken the edit, so the edit is during the analysis for certain."""
    root = module("examples")
    fakego.set(fakego.held(f"exec={real_go()}"))
    s = await lsp(root, settings={"goBinary": fakego.path, "diagnosticsScope": "package"}, env=fakego.env())
    mark = s.mark()
    s.open("escapes.go")
    await asyncio.to_thread(fakego.wait_invocations, 1)
    text = s.text_of("escapes.go")
    at = tx.find_span(text, "// NewIndex returns", encoding=s.encoding).start
    s.insert("escapes.go", at, "// inserted\n// while\n// analyzing\n")
    await s.sync("escapes.go")
    assert not [st for st in s.statuses(mark) if st["state"] != "analyzing"], \
        "the analysis ended before the edit"
    fakego.release()
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    assert len(fakego.invocations()) == 1, "the edit (without a save) ran the go command again"
    escapes, files = reference_escapes(root, ".")
    path = str(root / "escapes.go")
    # the compiler saw the saved text; the client holds three more lines above NewIndex
    moved = [Escape(e.path, e.line + 3 if e.path == path and e.line > at.line else e.line,
                    e.col, e.kind, e.subject, e.raw) for e in escapes]
    assert any(m.line != e.line for m, e in zip(moved, escapes)), "no finding below the edit"
    assert_parity(moved, {p: s.diagnostics(s.uri(p)) for p in map(str, files)},
                  {p: s.text_of(s.uri(p)) for p in map(str, files)}, s.encoding,
                  "results moved through an edit made during the analysis")


async def test_analyze_on_type_uses_an_overlay_and_leaves_the_tree_alone(lsp, module, snapshot):
    root = module("examples")
    unchanged = snapshot(root)
    s = await lsp(root, settings={"analyzeOn": "type", "debounceMs": 100})
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    text = s.text_of("escapes.go")
    end = tx.index_to_pos(text, len(text), s.encoding)
    added = "\n// Extra is typed, never saved.\nfunc Extra() *int {\n\tv := 7\n\treturn &v\n}\n"
    mark = s.mark()
    s.insert("escapes.go", end, added)
    await s.wait_analysis(EXAMPLES, mark, timeout=60)
    await s.delivered()
    text = s.text_of("escapes.go")
    expr, want = tx.marked(text, "\t«v» := 7", s.encoding)
    got = [d for d in s.diagnostics("escapes.go") if tx.Span.of(d["range"]) == want]
    assert got and got[0]["message"].startswith("v moved to heap"), \
        f"no finding for the unsaved buffer at {want}: {[d['message'] for d in s.diagnostics('escapes.go')]}"
    unchanged()
    # the overlay lived in the server's private directory and is gone again
    leftovers = [p for p in s.tmpdir.rglob("*") if p.is_file()]
    assert not leftovers, f"overlay files left behind: {leftovers}"
    # typing it away removes it again
    start = tx.index_to_pos(text, text.index("\n// Extra is typed"), s.encoding)
    mark = s.mark()
    s.change("escapes.go", tx.Span(start, tx.index_to_pos(text, len(text), s.encoding)), "\n")
    await s.wait_analysis(EXAMPLES, mark, timeout=60)
    await s.delivered()
    assert not [d for d in s.diagnostics("escapes.go") if d["message"].startswith("v moved to heap")]
    unchanged()


async def test_analyze_on_type_never_shows_stale_offsets(lsp, tmp_path, fakego):
    """Typing on while an overlay analysis runs: each edit after the first arrives while the
    analysis of the buffer before it is held in the go command, and the final diagnostics
    match the compiler's lines for the final buffer exactly."""
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root, nfuncs=60)
    fakego.set(f"exec={real_go()}")
    s = await lsp(root, settings={"analyzeOn": "type", "debounceMs": 50,
                                  "goBinary": fakego.path}, env=fakego.env())
    mark = s.mark()
    s.open(f)
    await s.wait_analysis("example.com/heavy/heavy", mark)
    fakego.set(fakego.held(f"exec={real_go()}"))
    runs = len(fakego.invocations())
    for i in range(4):
        text = s.text_of(f)
        at = tx.find_span(text, "func F0(", encoding=s.encoding).start
        s.insert(f, at, f"func Typed{i}() *int {{ v := {i}; return &v }}\n\n")
        runs += 1
        await asyncio.to_thread(fakego.wait_invocations, runs)  # this edit's analysis, held
    fakego.release()
    st = await s.settle("example.com/heavy/heavy", f)
    assert st["state"] == "idle", st
    f.write_text(s.text_of(f))  # the reference compiles what the buffer says
    escapes, files = reference_escapes(root, "./heavy")
    assert [e for e in escapes if e.subject == "v"], "the typed functions' escapes are missing"
    assert_parity(escapes, {str(f): s.diagnostics(f)}, {str(f): s.text_of(f)}, s.encoding,
                  "overlay analysis of the final buffer")
