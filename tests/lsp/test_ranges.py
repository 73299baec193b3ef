"""Each category of heap escape at the right range (issue 2, "Positions and ranges").

A diagnostic covers the escaping expression: a name is the name, make/new/calls/conversions
run from the callee to the matching ")", a composite literal from its type (or the "&") to
the matching "}", a func literal from "func" through its signature. The expected ranges are
marked in the source text with « »; the compiler's own position must fall inside them, which
also proves the fixtures say what the compiler says.
"""

from __future__ import annotations

import pytest

from support import text as tx
from support.checks import compiler_pos, kind_of
from support.ci import cannot_run
from support.oneshot import analyze
from conftest import FIXTURES, copy_tree_writable

# (module, file, anchor with the expected range marked, category, kind)
CASES = [
    # examples/: the demo module
    ("examples", "escapes.go", "index := «make(map[string]int)»", "map", "escape"),
    ("examples", "escapes.go", 'counts := «map[string]int{"maps": 1, "closures": 2}»', "map", "escape"),
    ("examples", "escapes.go", "return «func() int» {\n\t\tn++", "closure", "escape"),
    ("examples", "escapes.go", "\t«n» := 0", "closure", "moved"),
    ("examples", "escapes.go", 'fmt.Sprintf("item %d", «id»)', "interface", "escape"),
    ("examples", "escapes.go", 'return «"item " + strconv.Itoa(id)»', "string", "escape"),
    ("examples", "escapes.go", "return «&Point{X: x, Y: y}»", "pointer", "escape"),
    ("examples", "escapes.go", "return «make([]byte, n)»", "slice", "escape"),
    ("examples", "escapes.go", 'return «"名前=" + 名前 + "#" + strconv.Itoa(id)»', "string", "escape"),
    ("examples", "escapes.go", "var «table» [1 << 20]int64", "moved", "moved"),
    # tests/fixtures/testmod: forms the compiler prints differently from the source
    ("testmod", "big/big.go", "b := «make([]byte, 1<<17)»", "slice", "escape"),
    ("testmod", "big/big.go", "return «new(int)»\n}\n\nfunc LocalNew", "pointer", "escape"),
    ("testmod", "big/big.go", "return «&T{A: 1}»", "pointer", "escape"),
    ("testmod", "big/big.go", "return «&T{}»", "pointer", "escape"),
    ("testmod", "big/big.go", "return «a + b»", "string", "escape"),
    ("testmod", "big/big.go", "return «[]byte(s)»", "string", "escape"),
    ("testmod", "big/big.go", "return «string(b)»", "string", "escape"),
    ("testmod", "big/big.go", "return «append(s, v...)»", "slice", "escape"),
    ("testmod", "big/big.go", "\t«x», y := 1, 2", "moved", "moved"),
    ("testmod", "big/big.go", "var «a» [2 << 20]int64", "moved", "moved"),
    ("testmod", "closures/closures.go", "return «func(x int) int» {\n\t\tsum += x", "closure", "escape"),
    ("testmod", "closures/closures.go", "\t«sum» := 0", "closure", "moved"),
    ("testmod", "closures/closures.go", "func() int { return «s.Get» }", "closure", "escape"),
    ("testmod", "closures/closures.go", "\tgo «func(i int)» {", "closure", "escape"),
    ("testmod", "ifaces/ifaces.go", "return «any(p)»", "interface", "escape"),
    ("testmod", "maps/maps.go", 'return «map[string]int{"a": 1, "b": 2}»', "map", "escape"),
    ("testmod", "maps/maps.go", "m := «map[string]*T{}»", "map", "escape"),
    ("testmod", "maps/maps.go", "\t«t» := T{X: 1}", "moved", "moved"),
    ("testmod", "maps/maps.go", 'global = «map[string]int{"x": 1}»', "map", "escape"),
    ("testmod", "other/other.go", "s := «[]int{1, 2, 3}»\n\treturn s\n", "slice", "escape"),
    ("testmod", "other/other.go", "\t«x» := 5\n\tc <- &x", "moved", "moved"),
    # fixtures/scanner: escapes after raw strings, runes and comments full of quotes
    ("scanner", "scanner.go", "\tfor _, «tt» := range []int{1}", "moved", "moved"),
    ("scanner", "scanner.go", r"""r := «[]rune{'"', '`', '\\', '\''}»""", "slice", "escape"),
    ("scanner", "scanner.go", "*/ «v» := 5", "moved", "moved"),
    ("scanner", "scanner.go", "return «map[string]int{k: 1}»", "map", "escape"),
    ("scanner", "scanner.go", "p := «&[2]int{1, 2}»", "pointer", "escape"),
    ("scanner", "scanner.go", "keep(«[]byte(`{\n\"object\": {\n\t\"slice\": [\n\t\t1,\n\t\t2.0,\n\t\t\"3\",\n\t\t[4],"
     "\n\t\t{5: {}}\n\t]\n}\n}`)»)", "string", "escape"),
]

PACKAGES = {
    "examples": ({"example.com/goescape-demo": "."}, ["escapes.go"]),
    "scanner": ({"example.com/scanner": "."}, ["scanner.go"]),
    "testmod": ({f"example.com/escdemo/{p}": f"./{p}" for p in ("big", "closures", "ifaces", "maps", "other")},
                ["big/big.go", "closures/closures.go", "ifaces/ifaces.go", "maps/maps.go", "other/other.go"]),
}


@pytest.fixture(scope="module")
def analyses(goescape_bin, tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            root = copy_tree_writable(FIXTURES[name], tmp_path_factory.mktemp("ranges") / name)
            packages, files = PACKAGES[name]
            cache[name] = analyze(goescape_bin, root, tmp_path_factory.mktemp("srv"), packages, files)
        return cache[name]

    return get


def case_id(c):
    return f"{c[0]}:{c[1]}:{c[2].split('«')[1].split('»')[0][:30]}"


@pytest.mark.parametrize("mod,rel,anchor,category,kind", CASES, ids=[case_id(c) for c in CASES])
def test_category_range(analyses, mod, rel, anchor, category, kind):
    a = analyses(mod)
    text = a.text(rel)
    expr, want = tx.marked(text, anchor, a.encoding)
    # The compiler must report something inside the expected range, or the case does not
    # apply to this Go version (e.g. append lines exist from Go 1.25 on); CI runs a version
    # where every case applies, so there an empty reference fails.
    lines = [e for e in a.escapes_in(rel) if e.kind == kind
             and want.contains(compiler_pos(e, text, a.encoding))]
    if not lines:
        cannot_run(f"this go version reports no {kind} inside {expr!r}")
    got = [d for d in a.diags(rel) if tx.Span.of(d["range"]) == want]
    others = [f"{tx.Span.of(d['range'])} {tx.span_text(text, tx.Span.of(d['range']), a.encoding)!r}"
              f" {d['message']!r}" for d in a.diags(rel)
              if tx.Span.of(d["range"]).start.line == want.start.line]
    assert got, (f"no diagnostic with range {want} ({expr!r}) for compiler line "
                 f"{lines[0].raw!r}; diagnostics on that line: {others}")
    assert len(got) == len(lines), (f"{len(lines)} compiler lines inside {expr!r} "
                                   f"({[l.raw for l in lines]}) but {len(got)} diagnostics with "
                                   f"that range: {[d['message'] for d in got]}")
    for d in got:
        assert d["code"] == category, f"{expr!r}: category {d['code']!r}, expected {category!r}"
        assert kind_of(d) == kind, f"{expr!r}: message {d['message']!r} is not a {kind} message"
        if kind == "moved":
            assert d["message"].startswith(f"{expr} moved to heap: "), d["message"]


@pytest.mark.parametrize("mod", ["examples", "testmod"])
def test_func_literal_ranges_stop_at_the_signature(analyses, mod):
    """Every func-literal diagnostic starts at "func" and ends before the body's "{", unless
    the whole literal fits on one line, where it may cover the literal."""
    a = analyses(mod)
    seen = 0
    for path, diags in a.diagnostics.items():
        text = a.texts[path]
        for d in diags:
            span = tx.Span.of(d["range"])
            covered = tx.span_text(text, span, a.encoding)
            if not covered.startswith("func"):
                continue
            seen += 1
            if span.start.line != span.end.line:
                pytest.fail(f"a func literal range spans lines {span}: {covered!r}")
            if "{" in covered:
                assert covered.rstrip().endswith("}"), (
                    f"a func literal range that includes the body must cover it whole: {covered!r}")
    assert seen > 0, "no func literal diagnostics at all"


@pytest.mark.parametrize("mod", ["examples", "testmod", "scanner"])
def test_analysis_ended_cleanly(analyses, mod):
    a = analyses(mod)
    assert a.exit_code == 0
    for pkg, st in a.status.items():
        assert st["state"] == "idle", f"{pkg}: {st}"
