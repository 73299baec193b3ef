"""What is marked must allocate: values the compiler reports as escaping but lays out without
an allocation (constants, literals of constants, zero-size values, bools and single bytes) are
the `static` category, hidden by default and shown as hints on request, and still explained in
hovers.

The fixture (tests/lsp/fixtures/static) marks each such line "// static" and each near miss
"// heap". Its own Go test measures both with testing.AllocsPerRun on the toolchain at hand, so
a Go release that starts or stops allocating for one of them fails here, next to the check
that goescape classifies the same lines the same way.
"""

from __future__ import annotations

import re
import subprocess

from support import text as tx
from support.compiler import server_env

PKG = "example.com/static"
HEAP = {"map", "closure", "interface", "slice", "pointer", "string", "moved", "other"}


def marked_lines(text: str) -> dict[str, set[int]]:
    """0-based lines that end in "// static" and in "// heap"."""
    out: dict[str, set[int]] = {"static": set(), "heap": set()}
    for i, line in enumerate(text.split("\n")):
        m = re.search(r"// (static|heap)$", line)
        if m:
            out[m.group(1)].add(i)
    return out


def by_line(diags: list[dict]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for d in diags:
        out.setdefault(d["range"]["start"]["line"], set()).add(d["code"])
    return out


def test_fixture_allocations_match_the_marks(module):
    """The marks are true on this toolchain: static lines allocate nothing, heap lines do."""
    root = module("static")
    r = subprocess.run(["go", "test", "-count=1", "-run", "TestAllocs", "."], cwd=root,
                       env=server_env({"GOFLAGS": "-mod=mod"}), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, f"go test failed:\n{r.stdout}\n{r.stderr}"


async def test_static_hidden_by_default_shown_on_request(lsp, module):
    root = module("static")
    s = await lsp(root)
    mark = s.mark()
    s.open("static.go")
    st = await s.wait_analysis(PKG, mark)
    assert st["state"] == "idle", st
    await s.quiet(0.3)
    text = s.text_of("static.go")
    lines = marked_lines(text)
    assert len(lines["static"]) >= 20 and len(lines["heap"]) >= 8

    shown = by_line(s.diagnostics("static.go"))
    for ln in sorted(lines["static"]):
        assert ln not in shown, f"line {ln + 1} needs no allocation but is marked: {shown[ln]}"
    for ln in sorted(lines["heap"]):
        assert shown.get(ln, set()) & HEAP, f"line {ln + 1} allocates but has no heap diagnostic"
    hints = await s.inlay_hints("static.go")
    assert not {h["position"]["line"] for h in hints} & lines["static"], "a hint on a static line"

    # The hover over a static line answers "why is this not marked?".
    ln = min(lines["static"])
    col = text.split("\n")[ln].index('"constant string"') + 1
    md = (await s.hover("static.go", tx.Pos(ln, col)))["contents"]["value"]
    assert "`static`" in md and "needs no allocation" in md, md
    assert "read-only data" in md and "Remedy" not in md, md

    mark = s.mark()
    s.change_configuration({"goescape": {"categories": {"static": True}}})
    ds = await s.wait_publish(s.uri("static.go"), mark,
                              lambda ds: any(d["code"] == "static" for d in ds),
                              what="static findings shown")
    shown = by_line(ds)
    for ln in sorted(lines["static"]):
        assert "static" in shown.get(ln, set()), f"line {ln + 1} is not shown as static"
        assert not shown[ln] & HEAP, f"line {ln + 1} needs no allocation: {shown[ln]}"
    for ln in sorted(lines["heap"]):
        assert shown.get(ln, set()) & HEAP, f"line {ln + 1} lost its heap diagnostic"
    static = [d for d in ds if d["code"] == "static"]
    assert {d["severity"] for d in static} == {4}, "static findings are hints"
    assert all("needs no allocation" in d["message"] for d in static), static[:3]
    assert s.analyses_started(mark) == 0, "a display setting ran the compiler"


# Compiler names that must never reach the user, in a message, a flow step or a hover.
JARGON = re.compile(r"~[rRp]\d|\.autotmp|\.\.stmp_|\.\.dict|result \d+ =|= result \d|"
                    r"\(result \d|a temporary\.|inlined result|\{storage for|\{heap\}")
ALL = {c: True for c in (*HEAP, "param", "noescape", "static", "inlined")}


async def test_inlined_code_of_other_packages(lsp, module):
    """strings.NewReplacer, sync.OnceValue, errors.New and context methods are inlined into
    inlined.go: only what such a call evaluates to is the user's value, it says where it was
    made, and no flow step shows the compiler's names."""
    root = module("static")
    s = await lsp(root)
    mark = s.mark()
    s.open("inlined.go")
    assert (await s.wait_analysis(PKG, mark))["state"] == "idle"
    await s.quiet(0.3)
    text = s.text_of("inlined.go")
    shown = s.diagnostics("inlined.go")
    messages = [d["message"] for d in shown]
    # A panic message and the copy of the arguments inside strings.NewReplacer are not the
    # user's values; the replacer it returns is.
    assert not [m for m in messages if "odd argument count" in m or "oldnew" in m], messages
    _, call = tx.marked(text, "htmlEscaper = «strings.NewReplacer»(", s.encoding)
    here = [d for d in shown if tx.Span.of(d["range"]).contains(call.start)]
    assert [d["code"] for d in here] == ["pointer"], here
    assert "inside the inlined call to strings.NewReplacer" in here[0]["message"], here[0]
    # The state sync.OnceValue keeps is its own; the function it returns is the user's.
    assert not [m for m in messages if "sync.d" in m], messages
    assert any("inside the inlined call to sync.OnceValue" in m for m in messages), messages
    # context.Background() inside r.Context() is a zero-size value.
    assert not [m for m in messages if "backgroundCtx" in m], messages

    mark = s.mark()
    s.change_configuration({"goescape": {"categories": ALL}})
    ds = await s.wait_publish(s.uri("inlined.go"), mark,
                              lambda ds: any(d["code"] == "inlined" for d in ds),
                              what="every category shown")
    inlined = [d for d in ds if d["code"] == "inlined"]
    assert any("sync.d moved to heap" in d["message"] and
               "inside the inlined call to sync.OnceValue" in d["message"] for d in inlined), inlined
    done = [d for d in ds if d["code"] not in ("param", "noescape") and "r.Context().Done()" in
            " ".join(r["message"] for r in d.get("relatedInformation") or [])]
    assert done and all(d["code"] == "static" for d in done), ds
    for d in ds:
        words = [d["message"], *(r["message"] for r in d.get("relatedInformation") or [])]
        bad = [w for w in words if JARGON.search(w)]
        assert not bad, f"compiler names in a finding: {bad}"
        md = (await s.hover("inlined.go", tx.Pos.of(d["range"]["start"])))["contents"]["value"]
        assert not JARGON.search(md), md
