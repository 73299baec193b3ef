"""Where inlay hints go. A hint sits right after its expression only where a delimiter
(`,` `)` `]` `}` `;`) or the end of the line follows; before more code (`.Value(key)`,
` := Context{`, ` [4]int`) it goes to the end of the line, so it never splits the code it
annotates. The findings whose hints fall on one place share one hint, whose label names their
causes and whose tooltip carries every finding.

The fixture (tests/lsp/fixtures/placement) has one function per case; each expected hint is
written as the source with a `‸` where the hint goes.
"""

from __future__ import annotations

import re

import pytest

from support import text as tx

PKG = "example.com/placement"
FILE = "placement.go"

# (source piece with ‸ at the hint, label) for every hint of the file, in order.
WANT = [
    ("\treturn make([]int, n)[:n]‸\n", "heap: returned"),
    ("\tcp := Context{‸\n", "heap: returned"),
    ("\tvar a [4]int‸ // four\n", "heap: returned"),
    ("\tSink = fmt.Sprint(x‸)\n", "heap: interface"),
    ("\tSink = fmt.Sprint(x)‸\n", "heap: interface"),
    ("\treturn fmt.Sprintf(\"%d → %d\", a‸, b)\n", "heap: interface"),
    ("\treturn fmt.Sprintf(\"%d → %d\", a, b‸)\n", "heap: interface"),
    ("\t\tKeys: nil,\n\t}‸\n", "heap: returned"),
    ("\t}[1:]‸\n", "heap: interface ×2"),
    ("\tvar p [2]int; Sink = make([]int, n)[1:]‸\n", "heap: returned, interface +1"),
    ("\tgo func() {‸\n", "heap: goroutine"),
    ("\t\tfmt.Println(n‸)\n", "heap: interface"),
]

DELIMITERS = ",)]};"


def label_text(hint: dict) -> str:
    lab = hint["label"]
    return lab if isinstance(lab, str) else "".join(p["value"] for p in lab)


def tooltip(hint: dict) -> str:
    tip = hint.get("tooltip")
    return tip.get("value") if isinstance(tip, dict) else tip or ""


def spot(text: str, piece: str, encoding: str) -> tx.Pos:
    plain = piece.replace("‸", "")
    idx = text.find(plain)
    assert idx >= 0, f"{plain!r} is not in the fixture"
    assert text.find(plain, idx + 1) < 0, f"{plain!r} occurs more than once"
    return tx.index_to_pos(text, idx + piece.index("‸"), encoding)


def rest_of_line(text: str, pos: tx.Pos, encoding: str) -> str:
    """What follows pos on its line, without spaces and comments."""
    i = tx.pos_to_index(text, pos, encoding)
    rest = text[i:].split("\n", 1)[0]
    rest = re.sub(r"/\*.*?\*/", "", rest)
    return rest.split("//", 1)[0].strip()


async def opened(lsp, module, **kw):
    s = await lsp(module("placement"), **kw)
    mark = s.mark()
    s.open(FILE)
    status = await s.wait_analysis(PKG, mark)
    assert status["state"] == "idle", status
    await s.quiet(0.2)
    return s


@pytest.mark.parametrize("utf8", [False, True], ids=["utf-16", "utf-8"])
async def test_hints_go_before_a_delimiter_or_at_the_end_of_the_line(lsp, module, utf8):
    s = await opened(lsp, module, utf8=utf8)
    text = s.text_of(FILE)
    hints = await s.inlay_hints(FILE)
    got = [(tx.Pos.of(h["position"]), label_text(h)) for h in hints]
    want = [(spot(text, piece, s.encoding), label) for piece, label in WANT]
    lines = text.split("\n")

    def show(items):
        return "\n".join(f"  {p.line}:{p.character} {lab!r}  in {lines[p.line]!r}" for p, lab in items)

    assert got == want, f"hints:\n{show(got)}\nwanted:\n{show(want)}"
    for h in hints:
        at = tx.Pos.of(h["position"])
        rest = rest_of_line(text, at, s.encoding)
        assert rest == "" or rest[0] in DELIMITERS, (
            f"the hint {label_text(h)!r} at {at} is followed by {rest!r} on its line")
        assert h.get("paddingLeft"), h


async def test_a_merged_hint_carries_every_finding(lsp, module):
    s = await opened(lsp, module)
    text = s.text_of(FILE)
    diags = s.diagnostics(FILE)
    hints = await s.inlay_hints(FILE)
    # Every diagnostic is explained in exactly one hint's tooltip.
    assert sum(tooltip(h).count("**goescape**") for h in hints) == len(diags), (
        [tooltip(h)[:80] for h in hints], [d["message"] for d in diags])
    where = spot(text, "\tvar p [2]int; Sink = make([]int, n)[1:]‸\n", s.encoding)
    [both] = [h for h in hints if tx.Pos.of(h["position"]) == where]
    tip = tooltip(both)
    on_line = [d for d in diags if d["range"]["end"]["line"] == where.line]
    assert len(on_line) == 3, on_line
    for d in on_line:
        subject = d["message"].split(" escapes to heap")[0].split(" moved to heap")[0]
        assert f"`{subject}`" in tip, f"{subject!r} is not in the merged tooltip:\n{tip}"
    assert tip.count("\n---\n") == 2, tip
    # Each cause links to where its value escapes: "returned" to the return of p.
    parts = both["label"]
    assert isinstance(parts, list), f"the client supports label parts, but got {parts!r}"
    linked = {p["value"].strip(): p for p in parts if p.get("location")}
    assert set(linked) == {"returned", "interface"}, parts
    ret = tx.find_span(text, "return &p", encoding=s.encoding)
    assert linked["returned"]["location"]["range"]["start"]["line"] == ret.start.line
    assert "`p`" in linked["returned"]["tooltip"]["value"]


async def test_a_range_holds_the_hints_of_its_lines(lsp, module):
    """A hint belongs to the line it is drawn on, also when its expression starts lines
    above: a range over the last line of a literal gets the literal's hint."""
    s = await opened(lsp, module)
    text = s.text_of(FILE)
    where = spot(text, "\t}[1:]‸\n", s.encoding)
    hints = await s.inlay_hints(FILE, tx.Span(tx.Pos(where.line, 0), tx.Pos(where.line + 1, 0)))
    assert [(tx.Pos.of(h["position"]), label_text(h)) for h in hints] == \
        [(where, "heap: interface ×2")]
    above = await s.inlay_hints(FILE, tx.Span(tx.Pos(where.line - 2, 0), tx.Pos(where.line, 0)))
    assert above == [], above
