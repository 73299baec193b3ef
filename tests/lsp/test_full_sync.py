"""A whole-document didChange (no range) moves findings like a ranged edit.

Full sync, a buffer revert or reload, and formatters that replace the whole text send the new
text without a range. Only what differs between the old and the new text is the change:
findings outside it stay at their exact positions (or move by the lines inserted above them),
with no compiler run; a finding inside it goes until the next analysis.
"""

from __future__ import annotations

import asyncio

from support import procs
from support import text as tx
from support.checks import assert_parity
from support.compiler import Escape, reference_escapes
from support.gen import write_heavy_module

EXAMPLES = "example.com/goescape-demo"
WAIT = 15.0


async def opened(lsp, module):
    root = module("examples")
    s = await lsp(root)
    mark = s.mark()
    s.open("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    await s.quiet(0.3)
    return s


def keyed(diags: list[dict], lines: int = 0) -> list[tuple]:
    """(range, message, code) of diags, moved down by lines."""
    return sorted(((d["range"]["start"]["line"] + lines, d["range"]["start"]["character"],
                    d["range"]["end"]["line"] + lines, d["range"]["end"]["character"]),
                   d["message"], d["code"]) for d in diags)


def replace_all(s, text: str) -> None:
    s.change("escapes.go", None, text)


async def test_identical_text_keeps_every_finding(lsp, module):
    s = await opened(lsp, module)
    before = keyed(s.diagnostics("escapes.go"))
    assert len(before) >= 5
    mark = s.mark()
    replace_all(s, s.text_of("escapes.go"))
    await s.sync("escapes.go")
    await s.quiet(1.0)  # past the republish after an edit
    for ds in s.publishes(s.uri("escapes.go"), mark):
        assert keyed([d for d in ds if d.get("source") == "goescape"]) == before, \
            "a publish after an unchanged full-text change lost or moved findings"
    assert keyed(s.diagnostics("escapes.go")) == before
    assert s.analyses_started(mark) == 0
    hints = await s.inlay_hints("escapes.go")
    assert len(hints) == len(before)


async def test_lines_inserted_on_top_move_every_finding_down(lsp, module):
    s = await opened(lsp, module)
    before = s.diagnostics("escapes.go")
    text = s.text_of("escapes.go")
    mark = s.mark()
    replace_all(s, "// one\n// two 😀\n// three\n" + text)
    want = keyed(before, 3)
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == want,
                         timeout=WAIT, what="every finding moved down by 3 lines")
    assert s.analyses_started(mark) == 0


async def test_restoring_an_earlier_text_keeps_the_findings_outside_the_change(lsp, module):
    s = await opened(lsp, module)
    original = s.text_of("escapes.go")
    before = s.diagnostics("escapes.go")
    expr, span = tx.marked(original, "index := «make(map[string]int)»", s.encoding)
    [target] = [d for d in before if tx.Span.of(d["range"]) == span]
    # A ranged edit inside one finding (it goes) and lines inserted above the rest.
    inside = tx.Pos(span.end.line, span.end.character - 1)
    s.insert("escapes.go", inside, " 1")
    top = tx.find_span(original, "package examples", encoding=s.encoding).start
    s.insert("escapes.go", top, "// scratch\n// notes\n")
    rest = [d for d in before if d is not target]
    mark = s.mark()
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == keyed(rest, 2),
                         timeout=WAIT, what="the edited finding gone, the others 2 lines down")
    # The editor reverts the buffer: the whole original text comes back without a range.
    mark = s.mark()
    replace_all(s, original)
    await s.wait_publish(s.uri("escapes.go"), mark, lambda ds: keyed(ds) == keyed(rest),
                         timeout=WAIT, what="the other findings back at their exact ranges")
    assert s.analyses_started(mark) == 0
    # Hovers are where the diagnostics are.
    for d in s.diagnostics("escapes.go")[:3]:
        h = await s.hover("escapes.go", tx.Pos.of(d["range"]["start"]))
        assert h is not None and h["range"] == d["range"]


async def test_a_whole_document_change_during_an_analysis_moves_its_results(lsp, tmp_path):
    """The results of an analysis that was running during a whole-document change land on the
    new text: the change logged for them is the bytes that differ, not the whole text."""
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root, nfuncs=800)
    s = await lsp(root)
    mark = s.mark()
    s.open(f)
    await s.wait_for(lambda e: e.method == "goescape/status" and e.params.get("state") == "analyzing",
                     mark, "the analysis to start", 30)
    await asyncio.sleep(0.3)
    assert procs.go_children(s.pid), "the analysis ended before the change could happen"
    text = s.text_of(f)
    at = tx.find_span(text, "func F0(", encoding=s.encoding).start
    index = tx.pos_to_index(text, at, s.encoding)
    s.change(f, None, text[:index] + "// inserted\n// while\n// analyzing\n" + text[index:])
    st = await s.wait_analysis("example.com/heavy/heavy", mark)
    assert st["state"] == "idle", st
    await s.quiet(0.5)
    escapes, files = reference_escapes(root, "./heavy")
    moved = [Escape(e.path, e.line + 3 if e.line > at.line else e.line, e.col, e.kind, e.subject,
                    e.raw) for e in escapes]
    assert moved
    assert_parity(moved, {str(f): s.diagnostics(f)}, {str(f): s.text_of(f)}, s.encoding,
                  "results moved through a whole-document change made during the analysis")
