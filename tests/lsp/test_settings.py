"""Settings take effect at once, from every source (issue 3, docs/lsp.md "Settings").

Display settings (categories, severity, inlayHints, codeLens, hoverRemedies) republish
without running the compiler; command settings (goBinary, buildFlags, env, extraGcflags,
includeTests, timeoutMs) run the analysis again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import pytest

from robust_util import wait_gone
from support import procs
from support import text as tx
from support.checks import assert_parity
from support.compiler import reference_escapes, server_env
from support.gen import write_heavy_module

EXAMPLES = "example.com/goescape-demo"
TAGGED = "example.com/tagged"


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
    await s.delivered()
    return s, root, st


def codes(diags) -> set[str]:
    return {d["code"] for d in diags}


@pytest.mark.parametrize("nested", [True, False], ids=["nested", "flat"])
async def test_categories_off_and_on_without_a_compiler_run(lsp, module, nested):
    s, root, _ = await opened(lsp, module)
    before = s.diagnostics("escapes.go")
    assert {"map", "closure"} <= codes(before)
    wrap = (lambda v: {"goescape": v}) if nested else (lambda v: v)
    mark = s.mark()
    s.change_configuration(wrap({"categories": {"map": False, "closure": False}}))
    want = [d for d in before if d["code"] not in ("map", "closure")]
    await s.wait_publish(s.uri("escapes.go"), mark,
                         lambda ds: sorted(d["message"] for d in ds) == sorted(d["message"] for d in want),
                         what="map and closure findings gone")
    hints = await s.inlay_hints("escapes.go")
    assert len(hints) == len(want), "hints still shown for hidden categories"
    lens_titles = " ".join(l["command"]["title"] for l in await s.code_lenses("escapes.go"))
    assert " map" not in lens_titles and "closure" not in lens_titles, lens_titles
    s.change_configuration(wrap({"categories": {"map": True, "closure": True}}))
    await s.wait_publish(s.uri("escapes.go"), mark,
                         lambda ds: len(ds) == len(before), what="all findings back")
    assert s.analyses_started(mark) == 0, "a display setting ran the compiler"


async def test_severity_per_category(lsp, module):
    s, root, _ = await opened(lsp, module)
    mark = s.mark()
    s.change_configuration({"goescape": {"severity": {"map": "error", "string": "warning"}}})
    ds = await s.wait_publish(s.uri("escapes.go"), mark,
                              lambda ds: any(d["code"] == "map" and d["severity"] == 1 for d in ds),
                              what="map findings as errors")
    for d in ds:
        want = {"map": 1, "string": 2}.get(d["code"], 3 if d["code"] in ("closure", "interface") else 4)
        assert d["severity"] == want, f"{d['code']}: severity {d['severity']}, expected {want}"
    assert s.analyses_started(mark) == 0


async def test_settings_from_initialization_options(lsp, module):
    s, root, _ = await opened(lsp, module, settings={"categories": {"interface": False},
                                                     "severity": {"pointer": "warning"}})
    ds = s.diagnostics("escapes.go")
    assert ds and "interface" not in codes(ds)
    pointers = [d for d in ds if d["code"] == "pointer"]
    assert pointers and {d["severity"] for d in pointers} == {2}, pointers


async def test_settings_pulled_with_workspace_configuration(lsp, module):
    s, root, _ = await opened(lsp, module, configuration={"goescape": {}})
    assert s.since(0, "workspace/configuration"), "the server did not ask for its settings"
    s.configuration = {"goescape": {"categories": {"closure": False}}}
    mark = s.mark()
    s.change_configuration({})
    await s.wait_for(lambda e: e.method == "workspace/configuration", mark,
                     "a workspace/configuration request after didChangeConfiguration", 30)
    await s.wait_publish(s.uri("escapes.go"), mark,
                         lambda ds: ds and "closure" not in codes(ds), what="closures gone")


async def test_inlay_hints_and_code_lens_switches(lsp, module):
    s, root, _ = await opened(lsp, module)
    assert await s.inlay_hints("escapes.go") and await s.code_lenses("escapes.go")
    mark = s.mark()
    s.change_configuration({"goescape": {"inlayHints": False, "codeLens": False}})
    # The server reads its input in order: the requests below see the new settings.
    assert await s.inlay_hints("escapes.go") == []
    assert await s.code_lenses("escapes.go") == []
    assert s.diagnostics("escapes.go"), "switching hints off removed the diagnostics"
    s.change_configuration({"goescape": {"inlayHints": True, "codeLens": True}})
    assert len(await s.inlay_hints("escapes.go")) == len(s.diagnostics("escapes.go"))
    assert await s.code_lenses("escapes.go")
    assert s.analyses_started(mark) == 0


async def test_hover_remedies_switch(lsp, module):
    s, root, _ = await opened(lsp, module)
    d = s.diagnostics("escapes.go")[0]
    pos = tx.Pos.of(d["range"]["start"])
    assert "Remedy" in (await s.hover("escapes.go", pos))["contents"]["value"]
    s.change_configuration({"goescape": {"hoverRemedies": False}})
    md = (await s.hover("escapes.go", pos))["contents"]["value"]
    assert "Remedy" not in md and "Cause" in md, md


async def test_param_and_noescape_facts_on_request(lsp, module):
    s, root, _ = await opened(lsp, module, name="testmod", rel="maps/maps.go",
                              pkg="example.com/escdemo/maps")
    assert not codes(s.diagnostics("maps/maps.go")) & {"param", "noescape"}
    mark = s.mark()
    s.change_configuration({"goescape": {"categories": {"noescape": True, "param": True}}})
    ds = await s.wait_publish(s.uri("maps/maps.go"), mark,
                              lambda ds: "noescape" in codes(ds), what="noescape facts shown")
    _, local = tx.marked(s.text_of("maps/maps.go"), "m := «make(map[int]int, 100)»", s.encoding)
    assert [d for d in ds if d["code"] == "noescape" and tx.Span.of(d["range"]) == local], \
        "the sized local map that does not escape is not shown as a noescape fact"


async def test_analyze_on_open(lsp, module):
    s, root, _ = await opened(lsp, module, settings={"analyzeOn": "open"})
    s.close_doc("escapes.go")
    mark = s.mark()
    s.open("escapes.go")
    await s.wait_analysis(EXAMPLES, mark, timeout=30)
    assert s.analyses_started(mark, EXAMPLES) == 1


async def test_analyze_on_save_does_not_rerun_on_reopen(lsp, module):
    s, root, _ = await opened(lsp, module, settings={"diagnosticsScope": "package"})
    mark = s.mark()
    s.open("escapes_test.go")  # a second file of an analyzed package: no new run
    s.close_doc("escapes.go")
    s.open("escapes.go")
    # Long enough for a run that must not start: the default debounce, plus ten times what
    # starting one took on this machine a moment ago (at least 1.25 s).
    await s.quiet(0.25 + max(1.25, 10 * s.reaction))
    assert s.analyses_started(mark) == 0
    assert s.diagnostics("escapes.go"), "reopening lost the findings"


@pytest.mark.parametrize("debounce", [0, 1500])
async def test_debounce(lsp, module, debounce):
    """A save on a quiet package starts at once; saves that follow it within debounceMs wait
    until the saving stops for debounceMs. "At once" is measured against the same machine's
    wait after a burst: on a loaded machine both are slower, the difference stays."""
    s, root, _ = await opened(lsp, module, settings={"debounceMs": debounce})
    await asyncio.sleep(debounce / 1000 + 0.1)  # no trigger within debounceMs: quiet

    def started(mark, what):
        return s.wait_for(lambda e: e.method == "goescape/status" and e.params["state"] == "analyzing",
                          mark, what, 60)

    mark = s.mark()
    t0 = time.monotonic()
    s.save("escapes.go", write=False)
    e = await started(mark, "the analysis after a save on a quiet package")
    quiet = e.t - t0
    if not debounce:
        return
    await asyncio.sleep(0.2)
    s.save("escapes.go", write=False)
    await asyncio.sleep(0.2)
    mark = s.mark()
    t1 = time.monotonic()
    s.save("escapes.go", write=False)
    e = await started(mark, "the analysis after a burst of saves")
    waited = e.t - t1
    assert waited >= debounce / 1000 * 0.9, f"started {waited:.2f}s after the last save of a burst"
    assert quiet < waited - debounce / 1000 / 2, \
        (f"a save on a quiet package started after {quiet:.2f}s, the last save of a burst "
         f"after {waited:.2f}s: the quiet one waited for the debounce too")


async def test_missing_go_binary_then_fixed(lsp, module, tmp_path):
    missing = str(tmp_path / "no-such-go")
    root = module("examples")
    s = await lsp(root, settings={"goBinary": missing})
    mark = s.mark()
    s.open("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "failed", st
    await s.delivered()
    errors = [m for m in s.shown_messages(mark) if m["type"] == 1]
    assert len(errors) == 1, s.shown_messages(mark)
    assert "goBinary" in errors[0]["message"], errors[0]
    # one message, not one per attempt
    mark2 = s.mark()
    s.save("escapes.go", write=False)
    await s.wait_analysis(EXAMPLES, mark2)
    await s.delivered()
    assert s.shown_messages(mark2) == []
    assert isinstance(await s.code_lenses("escapes.go"), list), "the server stopped answering"
    mark3 = s.mark()
    s.change_configuration({"goescape": {"goBinary": shutil.which("go")}})
    st = await s.wait_analysis(EXAMPLES, mark3)
    assert st["state"] == "idle", st
    await s.delivered()
    assert s.diagnostics("escapes.go")


@pytest.mark.parametrize("how", ["buildFlags", "env"])
async def test_build_flags_and_env_select_tagged_files(lsp, module, how):
    s, root, st = await opened(lsp, module, name="tagged", rel="base.go", pkg=TAGGED,
                               settings={"diagnosticsScope": "package"})
    assert st["state"] == "idle"
    extra = s.uri("extra.go")
    assert s.diagnostics(extra) == [], "a file excluded by its build constraint got findings"
    mark = s.mark()
    setting = {"buildFlags": ["-tags=extra"]} if how == "buildFlags" else {"env": {"GOFLAGS": "-tags=extra"}}
    s.change_configuration({"goescape": setting})
    st = await s.wait_analysis(TAGGED, mark)
    assert st["state"] == "idle", st
    await s.delivered()
    ds = s.diagnostics(extra)
    assert [d for d in ds if d["code"] == "map"], f"no findings for extra.go with {setting}: {ds}"
    escapes, files = reference_escapes(root, ".", build_flags=["-tags=extra"])
    assert_parity(escapes, {p: s.diagnostics(os.path.abspath(p) and s.uri(p)) for p in files},
                  {p: open(p).read() for p in files}, s.encoding, f"tagged with {how}")


async def test_extra_gcflags(lsp, module):
    s, root, _ = await opened(lsp, module, settings={"diagnosticsScope": "package"})
    mark = s.mark()
    # Every compiler line is compared, so the categories hidden by default are shown.
    s.change_configuration({"goescape": {"extraGcflags": ["-l"],
                                         "categories": {"static": True, "inlined": True}}})
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    await s.delivered()
    escapes, files = reference_escapes(root, ".", extra_gcflags=["-l"])
    plain, _ = reference_escapes(root, ".")
    assert {e.raw for e in escapes} != {e.raw for e in plain}, "-l changes nothing here; pick another fixture"
    assert_parity(escapes, {p: s.diagnostics(s.uri(p)) for p in files},
                  {p: open(p).read() for p in files}, s.encoding, "examples with -l")


async def test_a_busy_build_is_stopped_at_the_hard_limit(lsp, tmp_path):
    """A busy build is not stopped at timeoutMs, but at ten times it all the same (here 1 s,
    on each of its two tries)."""
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root, nfuncs=1500)
    s = await lsp(root, settings={"timeoutMs": 100})
    mark = s.mark()
    s.open(f)
    st = await s.wait_analysis("example.com/heavy/heavy", mark, timeout=30)
    assert st["state"] == "failed", st
    assert "timeoutMs" in st["message"], st
    shown = s.shown_messages(mark)
    assert shown and "timeoutMs" in shown[0]["message"], shown
    pids = list(procs.go_children(s.pid))
    assert await asyncio.to_thread(wait_gone, pids, 30) == [], \
        "the timed-out build is still running"
    assert not procs.touching(str(root))


async def test_timeout_stops_the_build(lsp, module, fakego):
    """A build that makes no progress for timeoutMs is stopped, tried once more, and the
    failure names the setting. The go command is held (never released), so each try outlasts
    the timeout on any machine."""
    root = module("examples")
    fakego.set(fakego.held(f"exec={shutil.which('go')}"))
    s = await lsp(root, settings={"timeoutMs": 700, "goBinary": fakego.path}, env=fakego.env())
    mark = s.mark()
    s.open("escapes.go")
    st = await s.wait_analysis(EXAMPLES, mark, timeout=60)
    assert st["state"] == "failed", st
    assert "timeoutMs" in st["message"], st
    shown = s.shown_messages(mark)
    assert shown and "timeoutMs" in shown[0]["message"], shown
    invs = fakego.invocations()
    assert len(invs) == 2, f"a timed-out run is tried once more, and only once: {invs}"
    assert await asyncio.to_thread(wait_gone, [i["pid"] for i in invs], 30) == [], \
        "the timed-out build is still running"
    assert not procs.touching(str(root))


async def test_module_downloads_are_off_by_default(lsp, tmp_path):
    """A module whose dependency is not in the module cache: the build fails without
    touching the network, and the message names the setting that allows downloads."""
    root = tmp_path / "ws" / "needsdep"
    root.mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/needsdep\n\ngo 1.19\n\n"
                                 "require github.com/google/uuid v1.6.0\n")
    (root / "go.sum").write_text(
        "github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
        "github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n")
    (root / "main.go").write_text('package main\n\nimport "github.com/google/uuid"\n\n'
                                  "func main() { println(uuid.NewString()) }\n")
    cache = tmp_path / "empty-modcache"
    cache.mkdir()
    s = await lsp(root, env={"GOMODCACHE": str(cache), "GOPROXY": "http://127.0.0.1:9"})
    mark = s.mark()
    s.open("main.go")
    st = await s.wait_analysis("example.com/needsdep", mark)
    assert st["state"] == "failed", st
    await s.delivered()
    shown = s.shown_messages(mark)
    assert shown and "allowModuleDownloads" in shown[0]["message"], shown
    fetched = [p for p in cache.rglob("*") if p.suffix in (".zip", ".mod", ".info") or "@v1.6.0" in p.name]
    assert not fetched, f"modules were downloaded: {fetched}"


async def test_invalid_setting_is_reported_and_ignored(lsp, module):
    s, root, _ = await opened(lsp, module)
    n = len(s.diagnostics("escapes.go"))
    mark = s.mark()
    s.change_configuration({"goescape": {"severity": {"map": "loud"}, "inlayHints": "yes"}})
    await s.wait_for(lambda e: e.method == "window/showMessage", mark,
                     "a message about the bad settings", 30)
    msg = s.shown_messages(mark)[0]["message"]
    assert "severity" in msg and "inlayHints" in msg, msg
    assert len(await s.inlay_hints("escapes.go")) == n
    maps = [d for d in s.diagnostics("escapes.go") if d["code"] == "map"]
    assert maps and {d["severity"] for d in maps} == {3}, maps
