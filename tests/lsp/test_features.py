"""Inlay hints, hover, code lens, commands, progress and status (issue 3).

Every heap-escape diagnostic is explained by exactly one inlay hint, at the end of its range
or of its line (support/hints.py), with a short label naming the outcome and the cause; a hover on it gives the cause, the numbered flow with
file:line links and a remedy; a lens above each function counts its escapes by category.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from support import text as tx
from support.checks import cause_of
from support.compiler import compile_output, leaking_params
from support.hints import findings_in, hint_position, hint_positions
from support.session import HEAP_CATEGORIES

EXAMPLES = "example.com/goescape-demo"
STEP_LINK_RX = re.compile(r"^\s*(\d+)\. .+\(\[[^\]]+:(\d+)\]\((file://[^)#]+)#L(\d+)\)\)\s*$", re.M)


async def examples(lsp, module, **kw):
    root = module("examples")
    s = await lsp(root, **kw)
    mark = s.mark()
    s.open("escapes.go")
    status = await s.wait_analysis(EXAMPLES, mark)
    assert status["state"] == "idle", status
    await s.delivered()
    return s, root


def label_text(hint: dict) -> str:
    lab = hint["label"]
    return lab if isinstance(lab, str) else "".join(p["value"] for p in lab)


def func_extents(text: str) -> list[tuple[str, int, int]]:
    """Top-level functions: (name, first line, last line), 0-based, from the source text."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r"^func (?:\([^)]*\) )?([^\W\d]\w*)", lines[i])
        if not m:
            i += 1
            continue
        j = i
        if not lines[i].rstrip().endswith("}"):
            while j < len(lines) and lines[j] != "}":
                j += 1
        out.append((m.group(1), i, j))
        i = j + 1
    return out


# -- inlay hints ---------------------------------------------------------------------------

@pytest.mark.parametrize("utf8", [False, True], ids=["utf-16", "utf-8"])
@pytest.mark.parametrize("mod,rel,pkg", [
    ("examples", "escapes.go", EXAMPLES),
    ("unicode", "uni.go", "example.com/unicode"),
    ("testmod", "big/big.go", "example.com/escdemo/big"),
    ("testmod", "closures/closures.go", "example.com/escdemo/closures"),
])
async def test_one_hint_per_diagnostic_at_its_place(lsp, module, mod, rel, pkg, utf8):
    s = await lsp(module(mod), utf8=utf8)
    mark = s.mark()
    s.open(rel)
    await s.wait_analysis(pkg, mark)
    diags = s.diagnostics(rel)
    assert diags
    hints = await s.inlay_hints(rel)
    at = Counter((h["position"]["line"], h["position"]["character"]) for h in hints)
    want = hint_positions(s.text_of(rel), diags, s.encoding)
    assert at == want, (f"hint positions differ from the diagnostics' places:\n"
                        f"missing: {want - at}\nextra: {at - want}")
    assert sum(findings_in(h) for h in hints) == len(diags)
    for h in hints:
        label = label_text(h)
        assert label.startswith("heap"), f"label {label!r}"
        assert len(label) <= 32, f"label {label!r} is long ({len(label)} characters)"
        assert h.get("paddingLeft") or h.get("paddingRight"), f"no padding: {h}"
        tip = h.get("tooltip")
        tip = tip.get("value") if isinstance(tip, dict) else tip
        assert tip and "Cause" in tip, f"no explanation in the tooltip: {h}"


async def test_hint_label_part_links_to_the_escape_point(lsp, module):
    s, root = await examples(lsp, module)
    text = s.text_of("escapes.go")
    hints = await s.inlay_hints("escapes.go")
    _, make = tx.marked(text, "index := «make(map[string]int)»", s.encoding)
    [h] = [h for h in hints if tx.Pos.of(h["position"]) == hint_position(text, make.end, s.encoding)]
    assert isinstance(h["label"], list), "the client supports label parts, but got a plain label"
    locs = [p["location"] for p in h["label"] if p.get("location")]
    assert locs, f"no label part carries a location: {h['label']}"
    ret = tx.find_span(text, "return index", encoding=s.encoding)
    assert locs[0]["uri"] == s.uri("escapes.go")
    assert locs[0]["range"]["start"]["line"] == ret.start.line, (
        f"the cause of a returned map should link to its return on line {ret.start.line}, "
        f"got {locs[0]['range']}")
    # A captured variable links into the closure that captures it.
    _, n = tx.marked(text, "\t«n» := 0", s.encoding)
    [hn] = [h for h in hints if tx.Pos.of(h["position"]) == hint_position(text, n.end, s.encoding)]
    assert "captur" in label_text(hn)
    loc = [p["location"] for p in hn["label"] if p.get("location")][0]
    closure = tx.find_span(text, "\t\tn++", encoding=s.encoding)
    assert loc["range"]["start"]["line"] == closure.start.line


async def test_hints_only_in_the_requested_range(lsp, module):
    s, root = await examples(lsp, module)
    text = s.text_of("escapes.go")
    diags = s.diagnostics("escapes.go")
    lo = tx.find_span(text, "func Counter", encoding=s.encoding).start.line
    hi = tx.find_span(text, "func Describe(", encoding=s.encoding).start.line
    hints = await s.inlay_hints("escapes.go", tx.Span(tx.Pos(lo, 0), tx.Pos(hi, 0)))
    want = sorted(p for p in hint_positions(text, diags, s.encoding) if lo <= p[0] < hi)
    assert want
    assert sorted((h["position"]["line"], h["position"]["character"]) for h in hints) == want


# -- hover ---------------------------------------------------------------------------------

def check_hover(h: dict | None, diag: dict, where: str) -> None:
    assert h is not None, f"{where}: no hover on {diag['message']!r}"
    assert h["contents"]["kind"] == "markdown"
    md = h["contents"]["value"]
    cause = cause_of(diag)
    assert cause in md, f"{where}: the hover does not give the cause {cause!r}:\n{md}"
    steps = STEP_LINK_RX.findall(md)
    assert steps, f"{where}: the hover has no numbered flow step with a file:line link:\n{md}"
    for num, line, uri, anchor in steps:
        assert line == anchor and Path(uri[len("file://"):]).name, f"{where}: bad link in {md}"
    assert h.get("range") == diag["range"], f"{where}: hover range {h.get('range')} != {diag['range']}"
    related = diag.get("relatedInformation") or []
    assert len(related) == len(steps), (f"{where}: {len(related)} flow steps in relatedInformation, "
                                        f"{len(steps)} in the hover")
    for ri, (num, line, uri, anchor) in zip(related, steps):
        assert ri["location"]["uri"] == uri and ri["location"]["range"]["start"]["line"] + 1 == int(line), \
            f"{where}: step {num} points at {uri}:{line} in the hover, at {ri['location']} in the diagnostic"


@pytest.mark.parametrize("utf8", [False, True], ids=["utf-16", "utf-8"])
async def test_hover_on_every_escape(lsp, module, utf8):
    s, root = await examples(lsp, module, utf8=utf8)
    diags = s.diagnostics("escapes.go")
    assert len(diags) >= 5, f"too few findings to check hovers on: {diags}"
    middles = 0
    for d in diags:
        r = tx.Span.of(d["range"])
        check_hover(await s.hover("escapes.go", r.start), d, f"start of {r}")
        if r.end.character > r.start.character + 1:
            mid = tx.Pos(r.start.line, (r.start.character + r.end.character) // 2)
            text = s.text_of("escapes.go")
            try:
                tx.pos_to_index(text, mid, s.encoding)
            except ValueError:
                continue  # the middle splits a character in this encoding
            check_hover(await s.hover("escapes.go", mid), d, f"middle of {r}")
            middles += 1
    assert middles, "no finding was wide enough to hover in its middle"


REMEDIES = [
    # (anchor, words one of which the remedy must use)
    ("index := «make(map[string]int)»", ["caller", "pass the map"]),
    ("\t«n» := 0", ["parameter"]),
    ('fmt.Sprintf("item %d", «id»)', ["strconv", "typed"]),
    ("var «table» [1 << 20]int64", ["stack", "large"]),
    ("return «&Point{X: x, Y: y}»", ["pointer", "value", "sync.Pool"]),
]


@pytest.mark.parametrize("anchor,words", REMEDIES, ids=[r[0].split("«")[1].split("»")[0] for r in REMEDIES])
async def test_hover_remedy(lsp, module, anchor, words):
    s, root = await examples(lsp, module)
    _, span = tx.marked(s.text_of("escapes.go"), anchor, s.encoding)
    h = await s.hover("escapes.go", span.start)
    md = h["contents"]["value"]
    m = re.search(r"\*\*Remedy:?\*\*:?\s*(.+)", md, re.S)
    assert m, f"no remedy in the hover:\n{md}"
    assert any(w.lower() in m.group(1).lower() for w in words), \
        f"the remedy names none of {words}:\n{m.group(1)}"


@pytest.mark.parametrize("anchor", ["func ConstToAny() any { return «5» }",
                                    "func ToAnySmall(b byte) any {\n\treturn «b»"])
async def test_hover_promises_no_allocation_for_constants_and_bytes(lsp, module, anchor):
    """Constants and single-byte values are not allocated when converted to an interface;
    the explanation must not say they are. (The constant is the static category, shown on
    request.)"""
    root = module("testmod")
    s = await lsp(root, settings={"categories": {"static": True}})
    mark = s.mark()
    s.open("ifaces/ifaces.go")
    await s.wait_analysis("example.com/escdemo/ifaces", mark)
    expr, span = tx.marked(s.text_of("ifaces/ifaces.go"), anchor, s.encoding)
    [d] = [d for d in s.diagnostics("ifaces/ifaces.go") if tx.Span.of(d["range"]) == span]
    md = (await s.hover("ifaces/ifaces.go", span.start))["contents"]["value"]
    claims = [l for l in md.splitlines() if re.search(rf"`?{re.escape(expr)}`? is allocated", l)]
    claims += [ri["message"] for ri in d.get("relatedInformation") or []
               if re.search(rf"^{re.escape(expr)} is allocated", ri["message"])]
    assert not claims, f"{expr!r} is a constant or a byte; no allocation may be promised: {claims}"


async def test_hover_over_a_function_name_summarizes_it(lsp, module):
    s, root = await examples(lsp, module)
    text = s.text_of("escapes.go")
    diags = s.diagnostics("escapes.go")
    leaks = leaking_params(compile_output(root, "."), root, str(root / "escapes.go"))
    assert leaks, "the compiler reports no leaking parameters here; pick another fixture"
    summarized = listed = 0
    for name, first, last in func_extents(text):
        params = {p for line, p in leaks if first <= line - 1 <= last}
        if params:
            span = tx.find_span(text, name, after=f"func {name}(", encoding=s.encoding)
            md = (await s.hover("escapes.go", span.start) or {}).get("contents", {}).get("value", "")
            for p in params:
                assert f"`{p}`" in md, f"{name}: the summary does not list the leaking parameter {p}:\n{md}"
                listed += 1
        n = sum(1 for d in diags if first <= d["range"]["start"]["line"] <= last)
        span = tx.find_span(text, name, after=f"func {name}(", encoding=s.encoding)
        h = await s.hover("escapes.go", span.start)
        if n == 0:
            assert h is None or "0 heap escapes" in h["contents"]["value"], h
            continue
        md = h["contents"]["value"]
        assert name in md and f"{n} heap escape" in md, f"{name}: {n} escapes, hover:\n{md}"
        summarized += 1
        for cat, k in Counter(d["code"] for d in diags
                              if first <= d["range"]["start"]["line"] <= last).items():
            assert re.search(rf"\b{k} {cat}(e?s)?\b", md), f"{name}: the summary does not count {k} {cat}:\n{md}"
    assert summarized >= 3, f"only {summarized} functions with escapes were hovered"
    assert listed == len(leaks), f"{listed} of the leaking parameters {leaks} were looked for"


async def test_hover_on_facts_that_are_not_displayed(lsp, module):
    """A value that does not escape has no diagnostic, but a hover still explains it."""
    s = await lsp(module("testmod"))
    mark = s.mark()
    s.open("maps/maps.go")
    await s.wait_analysis("example.com/escdemo/maps", mark)
    _, span = tx.marked(s.text_of("maps/maps.go"), "m := «make(map[int]int, 100)»", s.encoding)
    assert not [d for d in s.diagnostics("maps/maps.go") if tx.Span.of(d["range"]) == span]
    h = await s.hover("maps/maps.go", span.start)
    assert h is not None, "no hover on a value that does not escape"
    assert "stack" in h["contents"]["value"] or "does not escape" in h["contents"]["value"]


async def test_no_hover_away_from_findings(lsp, module):
    s, root = await examples(lsp, module)
    text = s.text_of("escapes.go")
    pos = tx.find_span(text, "import (", encoding=s.encoding).start
    assert await s.hover("escapes.go", pos) is None


async def test_files_without_findings_get_an_empty_list(lsp, module):
    s = await lsp(module("testmod"), settings={"diagnosticsScope": "package"})
    mark = s.mark()
    s.open("misc/loop.go")
    await s.wait_analysis("example.com/escdemo/misc", mark)
    await s.delivered()
    assert s.publishes(s.uri("misc/misc.go"), mark) == [[]], \
        "misc.go has no findings and should get exactly one empty list"


async def test_closing_the_last_document_clears_the_package(lsp, module):
    s, root = await examples(lsp, module, settings={"diagnosticsScope": "package"})
    assert s.diagnostics("escapes.go") and s.diagnostics("escapes_test.go")
    mark = s.mark()
    s.close_doc("escapes.go")
    for rel in ("escapes.go", "escapes_test.go"):
        await s.wait_publish(s.uri(rel), mark, lambda ds: ds == [], what=f"{rel} cleared", timeout=5)


# -- code lens -----------------------------------------------------------------------------

@pytest.mark.parametrize("mod,rel,pkg", [
    ("examples", "escapes.go", EXAMPLES),
    ("testmod", "big/big.go", "example.com/escdemo/big"),
    ("testmod", "maps/maps.go", "example.com/escdemo/maps"),
])
async def test_code_lens_counts(lsp, module, mod, rel, pkg):
    s = await lsp(module(mod))
    mark = s.mark()
    s.open(rel)
    await s.wait_analysis(pkg, mark)
    await s.delivered()
    text = s.text_of(rel)
    diags = s.diagnostics(rel)
    lenses = await s.code_lenses(rel)
    by_line = {l["range"]["start"]["line"]: l for l in lenses}
    assert len(by_line) == len(lenses), f"two lenses on one line: {lenses}"
    expected_lines = set()
    for name, first, last in func_extents(text):
        inside = [d for d in diags if first <= d["range"]["start"]["line"] <= last]
        if not inside:
            assert first not in by_line, f"a lens on {name}, which has no escapes: {by_line[first]}"
            continue
        expected_lines.add(first)
        assert first in by_line, f"no lens above {name} ({len(inside)} escapes)"
        title = by_line[first]["command"]["title"]
        n = len(inside)
        assert title.startswith(f"{n} heap escape{'s' if n != 1 else ''}"), f"{name}: {title!r}"
        for cat, k in Counter(d["code"] for d in inside).items():
            assert re.search(rf"\b{k} {cat}(e?s)?\b", title), f"{name}: {title!r} does not count {k} {cat}"
    assert set(by_line) == expected_lines, f"lenses on unexpected lines: {set(by_line) - expected_lines}"


# -- commands ------------------------------------------------------------------------------

async def test_toggle_turns_hints_off_and_on(lsp, module):
    s, root = await examples(lsp, module)
    n = len(s.diagnostics("escapes.go"))
    assert len(await s.inlay_hints("escapes.go")) == n
    mark = s.mark()
    assert await s.execute("goescape.toggle", []) == {"inlayHints": False}
    assert await s.inlay_hints("escapes.go") == []
    assert s.since(mark, "workspace/inlayHint/refresh"), "no inlay hint refresh after toggling"
    assert len(s.diagnostics("escapes.go")) == n, "toggling hints changed the diagnostics"
    assert await s.execute("goescape.toggle", []) == {"inlayHints": True}
    assert len(await s.inlay_hints("escapes.go")) == n
    assert await s.execute("goescape.toggle", [False]) == {"inlayHints": False}
    assert await s.execute("goescape.toggle", [False]) == {"inlayHints": False}
    assert await s.inlay_hints("escapes.go") == []
    assert await s.execute("goescape.toggle", [True]) == {"inlayHints": True}
    assert len(await s.inlay_hints("escapes.go")) == n


@pytest.mark.parametrize("form", ["string", "object"])
async def test_analyze_reruns_and_answers_when_done(lsp, module, form):
    s, root = await examples(lsp, module)
    uri = s.uri("escapes.go")
    mark = s.mark()
    res = await s.execute("goescape.analyze", [uri if form == "string" else {"uri": uri}])
    total = len(s.diagnostics("escapes.go")) + len(s.diagnostics("escapes_test.go"))
    assert res["package"] == EXAMPLES and res["ok"] is True, res
    assert res["escapes"] == total, f"analyze says {res['escapes']} escapes, {total} are published"
    assert s.analyses_started(mark, EXAMPLES) == 1, "goescape.analyze did not run the go command"
    done = [st for st in s.statuses(mark) if st["state"] in ("idle", "failed")]
    assert done, "the command answered before the analysis ended"


async def test_analyze_without_arguments_schedules_open_packages(lsp, module):
    s, root = await examples(lsp, module)
    mark = s.mark()
    res = await s.execute("goescape.analyze", [])
    assert res == {"scheduled": 1}, res
    await s.wait_analysis(EXAMPLES, mark)
    assert s.analyses_started(mark, EXAMPLES) == 1


async def test_analyze_unknown_document_is_an_error(lsp, module):
    from pygls.exceptions import JsonRpcException
    s, root = await examples(lsp, module)
    with pytest.raises(JsonRpcException) as exc:
        await s.execute("goescape.analyze", [s.uri("nothere.go")])
    # -32803 RequestFailed: the request was valid, the document is not open.
    assert exc.value.code == -32803, f"code {exc.value.code}: {exc.value}"
    assert "not open" in str(exc.value), str(exc.value)


async def test_commands_are_advertised(lsp, module):
    s, root = await examples(lsp, module)
    caps = s.init_result["capabilities"]
    assert set(caps["executeCommandProvider"]["commands"]) == {"goescape.analyze", "goescape.toggle",
                                                              "goescape.showFlow"}
    assert caps["textDocumentSync"]["change"] == 2
    assert caps["textDocumentSync"]["save"] is not None
    assert caps["hoverProvider"] and "inlayHintProvider" in caps and "codeLensProvider" in caps


# -- progress, status, refresh -------------------------------------------------------------

async def test_progress_begin_and_end(lsp, module):
    root = module("examples")
    s = await lsp(root)
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    ev = s.since(mark)
    creates = [e for e in ev if e.method == "window/workDoneProgress/create"]
    assert len(creates) == 1, creates
    token = creates[0].params["token"]
    prog = [e for e in ev if e.method == "$/progress" and e.params["token"] == token]
    kinds = [e.params["value"]["kind"] for e in prog]
    assert kinds[0] == "begin" and kinds[-1] == "end" and kinds.count("end") == 1, kinds
    assert creates[0].seq < prog[0].seq
    assert prog[0].params["value"]["title"] == f"Escape analysis: {EXAMPLES}"
    total = len(s.diagnostics("escapes.go")) + len(s.diagnostics("escapes_test.go"))
    assert prog[-1].params["value"]["message"] == f"{total} heap escapes"
    publishes = [e for e in ev if e.method == "textDocument/publishDiagnostics"]
    assert publishes and all(prog[0].seq < p.seq < prog[-1].seq for p in publishes), \
        "diagnostics should be published between the progress begin and end"


async def test_no_progress_without_client_support(lsp, module):
    s = await lsp(module("examples"), work_done_progress=False, refresh=False)
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.delivered()
    methods = {e.method for e in s.since(mark)}
    assert not methods & {"window/workDoneProgress/create", "$/progress",
                          "workspace/inlayHint/refresh", "workspace/codeLens/refresh"}, methods


async def test_refresh_after_analysis(lsp, module):
    s = await lsp(module("examples"))
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.wait_for(lambda e: e.method == "workspace/inlayHint/refresh", mark, "an inlay hint refresh", 5)
    await s.wait_for(lambda e: e.method == "workspace/codeLens/refresh", mark, "a code lens refresh", 5)


async def test_status_notifications(lsp, module):
    s = await lsp(module("examples"), settings={"diagnosticsScope": "package"})
    mark = s.mark()
    s.open("escapes.go")
    final = await s.wait_analysis(EXAMPLES, mark)
    states = [st["state"] for st in s.statuses(mark)]
    assert states[0] == "analyzing" and states[-1] == "idle", states
    counts = {s.uri("escapes.go"): len(s.diagnostics("escapes.go")),
              s.uri("escapes_test.go"): len(s.diagnostics("escapes_test.go"))}
    assert final["escapes"] == counts, f"status {final['escapes']} vs published {counts}"
    for cat in {d["code"] for d in s.diagnostics("escapes.go")}:
        assert cat in HEAP_CATEGORIES
