"""Builds: a main package with nothing written into the tree, saves while a build runs, test
files, compile errors followed by a fix, and the //goescape:ignore comment (issues 2 and 3).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil

import pytest

from robust_util import real_go, wait_gone
from support import text as tx
from support.checks import assert_parity
from support.compiler import reference_escapes
from support.gen import heavy_source, write_heavy_module
from support.hints import findings_in

EXAMPLES = "example.com/goescape-demo"
HEAVY = "example.com/heavy/heavy"
STALE = " (from the last successful build)"


def keyed(diags):
    return sorted((str(tx.Span.of(d["range"])), d["message"], d["code"], d["severity"]) for d in diags)


# -- a main package --------------------------------------------------------------------------

@pytest.mark.parametrize("include_tests", [True, False], ids=["go-test-c", "go-build"])
@pytest.mark.parametrize("name,rel,pkg", [("mainapp", "main.go", "example.com/mainapp"),
                                          ("testmod", "main.go", "example.com/escdemo")])
async def test_main_package_writes_nothing_into_the_tree(lsp, module, snapshot, name, rel, pkg,
                                                         include_tests):
    root = module(name)
    unchanged = snapshot(root)
    s = await lsp(root, settings={"includeTests": include_tests})
    mark = s.mark()
    s.open(rel)
    st = await s.wait_analysis(pkg, mark)
    assert st["state"] == "idle", st
    assert s.diagnostics(rel), "no findings for the main package"
    mark = s.mark()
    s.save(rel, write=False)
    await s.wait_analysis(pkg, mark)
    assert await s.shutdown() == 0
    unchanged()
    assert not (root / "go.sum").exists()


# -- saves while a build runs ----------------------------------------------------------------

V1 = 'func OnlyV1() map[string]int { return map[string]int{"v1": 1} }\n'
V2 = "func OnlyV2() *int { v2 := 2; return &v2 }\n"


async def heavy_session(lsp, tmp_path, nfuncs=1000, **kw):
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root, nfuncs=nfuncs)
    s = await lsp(root, **kw)
    mark = s.mark()
    s.open(f)
    st = await s.wait_analysis(HEAVY, mark)
    assert st["state"] == "idle", st
    return s, root, f


def check_final_is_v2(s, root, f, after_last_save: int):
    assert any(d["message"].startswith("v2 moved to heap") for d in s.diagnostics(f)), \
        "the last saved text's finding (v2) is missing"
    for ds in s.publishes(f.as_uri(), after_last_save):
        stale = [d["message"] for d in ds if "OnlyV1" in d["message"]]
        assert not stale, f"a publish after the last save showed the first save's findings: {stale}"
    escapes, files = reference_escapes(root, "./heavy")
    assert_parity(escapes, {str(f): s.diagnostics(f)}, {str(f): f.read_text()}, s.encoding,
                  "after two saves")


async def test_save_while_a_build_runs(lsp, tmp_path, fakego):
    """A second save while the first save's build runs: the first build is stopped, and only
    the second save's findings are shown. The go command is held until the test releases
    it, so the second save comes while the first build runs for certain."""
    fakego.set(f"exec={real_go()}")
    s, root, f = await heavy_session(lsp, tmp_path, nfuncs=100, env=fakego.env(),
                                     settings={"debounceMs": 0, "goBinary": fakego.path})
    fakego.set(fakego.held(f"exec={real_go()}"))
    n = len(fakego.invocations())
    s.change(f, None, heavy_source(100, extra=V1))
    s.save(f)
    first = (await asyncio.to_thread(fakego.wait_invocations, n + 1))[n]
    s.change(f, None, heavy_source(100, extra=V2))
    mark2 = s.mark()
    s.save(f)
    second = (await asyncio.to_thread(fakego.wait_invocations, n + 2))[n + 1]
    assert await asyncio.to_thread(wait_gone, [first["pid"]], 30) == [], \
        "the first save's build was not stopped by the second save"
    fakego.release(second)
    final = await s.settle(HEAVY, f)
    assert final["state"] == "idle", final
    assert len(fakego.invocations()) == n + 2, [i["argv"] for i in fakego.invocations()[n:]]
    check_final_is_v2(s, root, f, mark2)


async def test_two_quick_saves(lsp, tmp_path):
    s, root, f = await heavy_session(lsp, tmp_path, nfuncs=100)
    s.change(f, None, heavy_source(100, extra=V1))
    s.save(f)
    s.change(f, None, heavy_source(100, extra=V2))
    mark2 = s.mark()
    s.save(f)
    final = await s.settle(HEAVY, f)
    assert final["state"] == "idle", final
    check_final_is_v2(s, root, f, mark2)


# -- test files ------------------------------------------------------------------------------

async def test_test_file_gets_findings_without_duplicates(lsp, module):
    root = module("examples")
    # the t.Fatal constant is static; the test file's findings are asked for package-wide
    s = await lsp(root, settings={"categories": {"static": True}, "diagnosticsScope": "package"})
    mark = s.mark()
    s.open("escapes_test.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.delivered()
    test_diags = s.diagnostics("escapes_test.go")
    assert test_diags, "the _test.go file got no findings"
    text = s.text_of("escapes_test.go")
    _, lit = tx.marked(text, 't.Fatal(«"counter does not count"»)', s.encoding)
    assert [d for d in test_diags if tx.Span.of(d["range"]) == lit], \
        "no finding for the string converted to an interface in TestCounter"
    for rel in ("escapes.go", "escapes_test.go"):
        ds = keyed(s.diagnostics(rel))
        dups = [k for k in set(ds) if ds.count(k) > 1]
        assert not dups, f"{rel}: duplicate diagnostics (compiled twice for tests?): {dups}"
    escapes, files = reference_escapes(root, ".")
    assert_parity(escapes, {p: s.diagnostics(p) for p in map(str, files)},
                  {p: open(p).read() for p in files}, s.encoding, "examples with tests")


async def test_external_test_package(lsp, module):
    root = module("testmod")
    s = await lsp(root, settings={"diagnosticsScope": "package"})
    mark = s.mark()
    s.open("misc/ext_test.go")
    st = await s.wait_analysis("example.com/escdemo/misc", mark)
    assert st["state"] == "idle", st
    await s.delivered()
    text = s.text_of("misc/ext_test.go")
    _, v = tx.marked(text, "\t«v» := misc.Add(1, 2)", s.encoding)
    got = [d for d in s.diagnostics("misc/ext_test.go") if tx.Span.of(d["range"]) == v]
    assert got and got[0]["message"].startswith("v moved to heap"), s.diagnostics("misc/ext_test.go")
    assert s.diagnostics("misc/misc_test.go"), "the internal test file got nothing"


def logging_go(tmp_path):
    """A go command that logs each call's arguments, one line each, then runs the real one."""
    log = tmp_path / "go-calls.log"
    wrapper = tmp_path / "bin" / "go"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    real = os.path.realpath(shutil.which("go"))
    wrapper.write_text(f'#!/bin/sh\necho "$*" >>"{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, lambda: log.read_text().splitlines() if log.exists() else []


async def test_a_lone_save_is_answered_by_a_quick_pass_then_the_test_files(lsp, module, tmp_path):
    root = module("examples")
    go, calls = logging_go(tmp_path)
    s = await lsp(root, settings={"goBinary": str(go), "diagnosticsScope": "package"})
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.quiet(0.4)  # longer than debounceMs: the next save comes on a quiet package
    before_tests = keyed(s.diagnostics("escapes_test.go"))
    assert before_tests, "the _test.go file got no findings"
    test_uri = s.uri("escapes_test.go")
    n0, mark = len(calls()), s.mark()
    s.change("escapes.go", None, s.text_of("escapes.go") + "\nfunc QuickPass() *int {\n\tqp := 1\n\treturn &qp\n}\n")
    s.save("escapes.go")
    await s.wait_publish(s.uri("escapes.go"), mark,
                         lambda ds: any(d["message"].startswith("qp moved to heap") for d in ds),
                         what="the saved file's new finding")
    at_quick = len(s.since(mark))
    assert not [st for st in s.statuses(mark) if st["state"] != "analyzing"], \
        "the analysis ended before the test files were compiled"
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    ran = [c.split()[0] for c in calls()[n0:]]
    assert ran == ["build", "test"], f"go commands after a lone save: {calls()[n0:]}"
    # No publish of the test file at all is fine (its findings did not change); an empty
    # one would be the quick pass clearing them.
    assert [] not in s.publishes(test_uri, mark), \
        "the test file's findings were cleared by the quick pass"
    assert keyed(s.diagnostics("escapes_test.go")) == before_tests
    assert at_quick < len(s.since(mark)), "nothing was left for the full run to report"
    escapes, files = reference_escapes(root, ".")
    assert_parity(escapes, {p: s.diagnostics(p) for p in map(str, files)},
                  {p: open(p).read() for p in files}, s.encoding, "after the full run")

    # A save of the test file changes nothing the package compile sees: one full run.
    s.open("escapes_test.go")
    await s.quiet(0.4)  # longer than debounceMs: the save comes on a quiet package
    n0, mark = len(calls()), s.mark()
    s.save("escapes_test.go", write=False)
    await s.wait_analysis(EXAMPLES, mark)
    assert [c.split()[0] for c in calls()[n0:]] == ["test"], calls()[n0:]


# -- compile errors --------------------------------------------------------------------------

async def test_compile_error_keeps_stale_findings_then_a_fix_brings_fresh_ones(lsp, module):
    root = module("examples")
    s = await lsp(root)
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    await s.delivered()
    good_text = s.text_of("escapes.go")
    before = s.diagnostics("escapes.go")
    assert before

    # Break the build at the end of the file (an incremental edit, as an editor sends it):
    # the findings above stay where they are.
    end = tx.index_to_pos(good_text, len(good_text), s.encoding)
    error = '\nvar broken int = "not an int"\n'
    s.insert("escapes.go", end, error)
    broken = s.text_of("escapes.go")
    err_line = broken.count("\n", 0, broken.index("var broken")) + 1
    mark = s.mark()
    s.save("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "failed", st
    await s.delivered()
    stale = s.diagnostics("escapes.go")
    assert sorted(str(tx.Span.of(d["range"])) for d in stale) == \
        sorted(str(tx.Span.of(d["range"])) for d in before), "the last good findings were not kept"
    for d in stale:
        assert d["message"].endswith(STALE), f"not marked stale: {d['message']!r}"
    assert not [d for d in stale if "not an int" in d["message"] or d.get("severity") == 1], \
        "compile errors were published although reportBuildErrors is off"
    h = await s.hover("escapes.go", tx.Pos.of(stale[0]["range"]["start"]))
    assert "last successful build" in h["contents"]["value"], h["contents"]["value"]
    shown = s.shown_messages(mark)
    assert len(shown) == 1, f"expected one message for the failure, got {shown}"
    assert f"escapes.go:{err_line}" in shown[0]["message"], shown[0]
    ends = [e.params["value"] for e in s.since(mark, "$/progress") if e.params["value"]["kind"] == "end"]
    assert ends and ends[-1]["message"].startswith("build failed: "), ends
    assert f"escapes.go:{err_line}" in ends[-1]["message"], ends[-1]

    # A second failing save in the same episode: no second message; findings still stale.
    lit = tx.find_span(broken, '"not an int"', encoding=s.encoding)
    s.change("escapes.go", lit, '"still not an int"')
    mark = s.mark()
    s.save("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "failed"
    await s.delivered()
    assert s.shown_messages(mark) == [], "a second message in the same failure episode"
    assert all(d["message"].endswith(STALE) for d in s.diagnostics("escapes.go"))
    assert len(s.diagnostics("escapes.go")) == len(before)

    # The fix brings fresh findings.
    now = s.text_of("escapes.go")
    s.change("escapes.go", tx.Span(end, tx.index_to_pos(now, len(now), s.encoding)), "")
    assert s.text_of("escapes.go") == good_text
    mark = s.mark()
    s.save("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    await s.delivered()
    assert keyed(s.diagnostics("escapes.go")) == keyed(before)
    h = await s.hover("escapes.go", tx.Pos.of(before[0]["range"]["start"]))
    assert "last successful build" not in h["contents"]["value"]

    # Breaking it again is a new episode: one new message.
    s.insert("escapes.go", end, error)
    mark = s.mark()
    s.save("escapes.go")
    assert (await s.wait_analysis(EXAMPLES, mark))["state"] == "failed"
    await s.delivered()
    assert len(s.shown_messages(mark)) == 1


async def test_stale_findings_still_follow_edits(lsp, module):
    root = module("examples")
    s = await lsp(root)
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    good = s.text_of("escapes.go")
    s.insert("escapes.go", tx.index_to_pos(good, len(good), s.encoding),
             "\nfunc broken() { undefinedThing() }\n")
    mark = s.mark()
    s.save("escapes.go")
    assert (await s.wait_analysis(EXAMPLES, mark))["state"] == "failed"
    await s.delivered()
    stale = s.diagnostics("escapes.go")
    at = tx.find_span(s.text_of("escapes.go"), "// NewIndex returns", encoding=s.encoding).start
    mark = s.mark()
    s.insert("escapes.go", at, "\n\n")
    want = sorted((str(tx.Span.of(d["range"]).shifted(2)), d["message"]) for d in stale)
    await s.wait_publish(s.uri("escapes.go"), mark,
                         lambda ds: sorted((str(tx.Span.of(d["range"])), d["message"]) for d in ds) == want,
                         what="stale findings moved down by 2 lines")


async def test_report_build_errors(lsp, module):
    root = module("examples")
    s = await lsp(root, settings={"reportBuildErrors": True})
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark)
    text = s.text_of("escapes.go")
    s.insert("escapes.go", tx.index_to_pos(text, len(text), s.encoding),
             '\nvar broken int = "not an int"\n')
    broken = s.text_of("escapes.go")
    line = broken.count("\n", 0, broken.index("var broken"))
    mark = s.mark()
    s.save("escapes.go")
    assert (await s.wait_analysis(EXAMPLES, mark))["state"] == "failed"
    await s.delivered()
    errs = [d for d in s.publishes(s.uri("escapes.go"), mark)[-1]
            if d["range"]["start"]["line"] == line]
    assert errs, "reportBuildErrors is on, but the compile error was not published"
    assert errs[0].get("severity") == 1, errs[0]


# -- //goescape:ignore -----------------------------------------------------------------------

async def test_ignore_comment_hides_findings(lsp, module):
    root = module("ignore")
    s = await lsp(root)
    mark = s.mark()
    s.open("ignore.go")
    await s.wait_analysis("example.com/ignore", mark)
    await s.delivered()
    names = {re.match(r"^(\S+) moved", d["message"]).group(1) for d in s.diagnostics("ignore.go")
             if " moved to heap" in d["message"]}
    assert names == {"x", "w"}, f"visible moved findings {names}; y and z carry //goescape:ignore"
    assert any(d["code"] == "map" for d in s.diagnostics("ignore.go"))
    hints = await s.inlay_hints("ignore.go")
    assert sum(findings_in(h) for h in hints) == len(s.diagnostics("ignore.go")), \
        "hints for ignored findings"
    lenses = {l["range"]["start"]["line"]: l["command"]["title"] for l in await s.code_lenses("ignore.go")}
    text = s.text_of("ignore.go")
    for fn in ("Above", "SameLine"):
        line = tx.find_span(text, f"func {fn}(", encoding=s.encoding).start.line
        assert line not in lenses, f"a lens counts the ignored finding in {fn}: {lenses[line]}"

    # Typing the comment above a visible finding hides it at once, without a save.
    at = tx.find_span(text, "\tx := 1", encoding=s.encoding).start
    mark = s.mark()
    s.insert("ignore.go", at, "\t//goescape:ignore\n")
    await s.wait_publish(s.uri("ignore.go"), mark,
                         lambda ds: not any(d["message"].startswith("x moved") for d in ds),
                         what="x hidden by the typed comment")
    assert s.analyses_started(mark) == 0


# -- several files of a package opened during its first analysis -----------------------------

async def open_during_first_analysis(lsp, tmp_path, fakego, extra_text):
    """Opens heavy.go, then, while its package's first analysis is held in the go command,
    extra.go with extra_text as its buffer (the file holds EXTRA_GO), and releases the
    analysis once the server has taken the second open. Returns the session and extra.go."""
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root, nfuncs=100)
    extra = f.parent / "extra.go"
    extra.write_text(EXTRA_GO)
    fakego.set(fakego.held(f"exec={real_go()}"))
    s = await lsp(root, settings={"goBinary": str(fakego.path)}, env=fakego.env())
    mark = s.mark()
    s.open(f)
    await asyncio.to_thread(fakego.wait_invocations, 1)
    s.open(extra, extra_text)
    await s.sync(extra)
    fakego.release()
    return s, extra, mark


EXTRA_GO = "package heavy\n\nfunc Extra() *int {\n\tex := 1\n\treturn &ex\n}\n"


async def test_tabs_opened_during_the_first_analysis_share_it(lsp, tmp_path, fakego):
    """An editor restoring several tabs of one package opens them one after another while the
    package's first analysis runs: that one go run serves them all."""
    s, extra, mark = await open_during_first_analysis(lsp, tmp_path, fakego, EXTRA_GO)
    st = await s.settle(HEAVY, extra)
    assert st["state"] == "idle", st
    assert len(fakego.invocations()) == 1, \
        f"go runs for two files of one package: {[i['argv'] for i in fakego.invocations()]}"
    assert any(d["message"].startswith("ex moved to heap") for d in s.diagnostics(extra)), \
        s.diagnostics(extra)


async def test_a_tab_with_unsaved_text_opened_during_the_first_analysis_gets_its_own_run(
        lsp, tmp_path, fakego):
    """A buffer that differs from its file (restored unsaved changes) is analyzed as it is,
    by a second run after the first."""
    edited = EXTRA_GO.replace("ex := 1\n\treturn &ex", "unsaved := 1\n\treturn &unsaved")
    s, extra, mark = await open_during_first_analysis(lsp, tmp_path, fakego, edited)
    await s.wait_publish(s.uri(extra), mark,
                         lambda ds: any(d["message"].startswith("unsaved moved to heap")
                                        for d in ds),
                         what="the buffer's own finding", timeout=120)
    st = await s.settle(HEAVY, extra)
    assert st["state"] == "idle", st
    runs = fakego.invocations()
    assert len(runs) == 2, f"go runs: {[i['argv'] for i in runs]}"
    assert runs[0]["overlay"] is None and runs[1]["overlay"] is not None, \
        "the unsaved buffer was not analyzed through an overlay by the second run"


# -- file texts between analyses -------------------------------------------------------------

TEXTS_LOG = re.compile(r"file texts: (\d+) read from disk, (\d+) kept from the last analysis")
MISC = "example.com/escdemo/misc"


async def test_unchanged_files_are_not_read_again(lsp, module, tmp_path):
    """The server holds the texts of a package's files between analyses. The next analysis
    reads only the files that changed on disk and places its findings in the texts it already
    holds for the rest, so an unchanged file is never in memory twice."""
    root = module("testmod")
    log = tmp_path / "goescape.log"
    s = await lsp(root, settings={"includeTests": False, "diagnosticsScope": "package"},
                  args=["--log-file", str(log)])

    def last_counts():
        found = TEXTS_LOG.findall(log.read_text())
        assert found, log.read_text()[-2000:]
        return tuple(map(int, found[-1]))

    mark = s.mark()
    s.open("misc/misc.go")
    await s.wait_analysis(MISC, mark)
    # misc.go comes from the open buffer; loop.go and both test files are read.
    assert last_counts() == (3, 0)
    mark = s.mark()
    s.save("misc/misc.go", write=False)
    await s.wait_analysis(MISC, mark)
    assert last_counts() == (0, 3)
    loop = root / "misc" / "loop.go"
    loop.write_text(loop.read_text() + "\nfunc Added() *int {\n\tadded := 1\n\treturn &added\n}\n")
    mark = s.mark()
    s.save("misc/misc.go", write=False)
    await s.wait_analysis(MISC, mark)
    assert last_counts() == (1, 2)
    # The changed file's findings are placed in its new text.
    added = [d for d in s.diagnostics("misc/loop.go") if d["message"].startswith("added moved")]
    assert added, s.diagnostics("misc/loop.go")
    _, want = tx.marked(loop.read_text(), "«added» := 1", s.encoding)
    assert tx.Span.of(added[0]["range"]) == want
