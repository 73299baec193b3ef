"""Non-ASCII lines in both position encodings (issue 2).

CJK identifiers and emoji in strings and comments before the escaping expression make UTF-8
byte columns (what the compiler prints), UTF-16 code units (LSP's default) and code points
differ. A client that offers no positionEncodings gets utf-16; one that offers utf-8 gets
utf-8. Every expected offset is computed here from the source text itself.
"""

from __future__ import annotations

import pytest

from support import text as tx
from support.checks import assert_parity, compiler_pos
from support.oneshot import analyze
from conftest import FIXTURES, copy_tree_writable

UNICODE_CASES = [
    ("/* 😀🎉 注释 */ return «&点{横: 1, 縦: 2}»", "pointer", "escape"),
    ('s := "😀"; return «map[string]int{s: len(键)}»', "map", "escape"),
    ("/* 注释注释 */ fmt.Println(«值»)", "interface", "escape"),
    ("\t«数» := 0 // 😀", "closure", "moved"),
    # a func literal on one line: its signature, or the whole literal
    (("return «func() int» { 数++", "return «func() int { 数++; return 数 }»"), "closure", "escape"),
    ('s := "😀😀"; return «[]int{len(s), x}»', "slice", "escape"),
    ('return «"🎉" + 甲 + 乙»', "string", "escape"),
    ("var «表» [1 << 20]int64", "moved", "moved"),
]

ENCODINGS = [pytest.param(False, id="utf-16"), pytest.param(True, id="utf-8")]


@pytest.fixture(scope="module")
def analyses(goescape_bin, tmp_path_factory):
    cache = {}

    def get(name, utf8):
        key = (name, utf8)
        if key not in cache:
            root = copy_tree_writable(FIXTURES[name], tmp_path_factory.mktemp("uni") / name)
            if name == "unicode":
                packages, files = {"example.com/unicode": "."}, ["uni.go"]
            else:
                packages, files = {"example.com/escdemo/uni": "./uni"}, ["uni/uni.go"]
            cache[key] = analyze(goescape_bin, root, tmp_path_factory.mktemp("srv"), packages,
                                 files, utf8=utf8)
        return cache[key]

    return get


@pytest.mark.parametrize("utf8", ENCODINGS)
def test_negotiated_encoding(analyses, utf8):
    a = analyses("unicode", utf8)
    assert a.encoding == (tx.UTF8 if utf8 else tx.UTF16)


def first_anchor(a):
    return a[0] if isinstance(a, tuple) else a


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("anchor,category,kind", UNICODE_CASES,
                         ids=[first_anchor(c[0]).split("«")[1].split("»")[0] for c in UNICODE_CASES])
def test_range_on_non_ascii_line(analyses, utf8, anchor, category, kind):
    a = analyses("unicode", utf8)
    text = a.text("uni.go")
    anchors = anchor if isinstance(anchor, tuple) else (anchor,)
    expr, want = tx.marked(text, anchors[0], a.encoding)
    allowed = [tx.marked(text, x, a.encoding)[1] for x in anchors]
    other = tx.marked(text, anchors[0], tx.UTF16 if a.encoding == tx.UTF8 else tx.UTF8)[1]
    lines = [e for e in a.escapes_in("uni.go") if e.kind == kind
             and want.contains(compiler_pos(e, text, a.encoding))]
    assert lines, f"the compiler reports no {kind} inside {expr!r}; the fixture is out of date"
    got = [d for d in a.diags("uni.go") if tx.Span.of(d["range"]) in allowed]
    on_line = [(str(tx.Span.of(d["range"])), d["message"]) for d in a.diags("uni.go")
               if d["range"]["start"]["line"] == want.start.line]
    hint = " (that is the range in the other encoding)" if any(
        tx.Span.of(d["range"]) == other for d in a.diags("uni.go")) else ""
    assert len(got) == 1, (f"{a.encoding}: expected one diagnostic at {want} for {expr!r}, "
                           f"got {on_line}{hint}")
    assert got[0]["code"] == category


@pytest.mark.parametrize("utf8", ENCODINGS)
@pytest.mark.parametrize("name", ["unicode", "testmod"])
def test_every_compiler_line_on_non_ascii_packages(analyses, name, utf8):
    a = analyses(name, utf8)
    assert a.escapes, "the compiler reported no escapes; the fixture is out of date"
    assert_parity(a.escapes, a.diagnostics, a.texts, a.encoding, f"{name} ({a.encoding})")
