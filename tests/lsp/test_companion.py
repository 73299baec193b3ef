"""Companion mode (`goescape --gopls`): gopls behind goescape on one stdio connection.

The first tests run a scripted gopls (support/fake_gopls.py) that misbehaves on cue: ids that
collide with the client's, requests to the client, cancellation, a crash in the middle of a
request, a hang at shutdown, huge answers and malformed output. The last ones run the real,
pinned gopls (support/gopls.py) on the companion fixture module."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES
from support import leftovers, procs
from support.ci import require
from support.gopls import gopls_path

FAKE = str(Path(__file__).resolve().parent / "support" / "fake_gopls.py")
CAPS = {"general": {"positionEncodings": ["utf-8", "utf-16"]},
        "textDocument": {"hover": {"contentFormat": ["markdown"]},
                         "inlayHint": {}},
        "workspace": {"configuration": True},
        "window": {"showMessage": {}}}


async def start_fake(raw, tmp_path, mode="normal", **env):
    env = {"FAKE_GOPLS_MODE": mode, "FAKE_GOPLS_PIDFILE": str(tmp_path / "fake.pids"),
           **{k: str(v) for k, v in env.items()}}
    return await raw(args=[f"--gopls={FAKE}"], env=env)


async def initialize(s, root: Path, id=1, options=None):
    params = {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": CAPS}
    if options is not None:
        params["initializationOptions"] = options
    s.send_request("initialize", params, id=id)
    resp = await s.recv_response(id)
    assert "result" in resp, resp
    s.notify("initialized", {})
    return resp["result"]


async def collect(s, seconds: float, answer=None, reply: bool = True) -> list[dict]:
    """Everything the server sends for a while; its requests are answered by answer(msg)
    (default null), or left unanswered when reply is false."""
    got = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            m = await s.recv(left)
        except asyncio.TimeoutError:
            break
        if m is None:
            break
        got.append(m)
        if reply and "method" in m and "id" in m:
            s.send({"jsonrpc": "2.0", "id": m["id"], "result": answer(m) if answer else None})
    return got


async def report(s) -> dict:
    return (await s.request("fake/report", {}))["result"]


def pids(tmp_path) -> list[int]:
    f = tmp_path / "fake.pids"
    return [int(x) for x in f.read_text().split()] if f.exists() else []


async def test_initialize_merges_capabilities_and_passes_gopls_its_options(raw, tmp_path):
    s = await start_fake(raw, tmp_path)
    opts = {"gofumpt": True, "goescape": {"includeTests": False}}
    result = await initialize(s, tmp_path, options=opts)
    caps = result["capabilities"]
    assert caps["completionProvider"] == {"triggerCharacters": ["."]}  # gopls's
    assert caps["definitionProvider"] is True
    assert "inlayHintProvider" in caps  # goescape's
    assert caps["positionEncoding"] == "utf-16"  # the one gopls chose
    cmds = caps["executeCommandProvider"]["commands"]
    assert "gopls.fake" in cmds and "goescape.analyze" in cmds
    await collect(s, 0.5)
    # as sent, but for goescape's own section, which gopls would call an unknown setting
    assert (await report(s))["init_options"] == {"gofumpt": True}
    assert opts == {"gofumpt": True, "goescape": {"includeTests": False}}  # the client's, intact
    s.notify("workspace/didChangeConfiguration",
             {"settings": {"gopls": {"gofumpt": False}, "goescape": {"codeLens": False}}})
    await collect(s, 0.5)
    assert (await report(s))["settings"] == [{"gopls": {"gofumpt": False}}]


async def test_goescape_reads_only_its_own_section(raw, tmp_path):
    """Flat settings are gopls's, even under a name goescape also has: goescape does not
    read them (a bad debounceMs there draws no complaint); its own section it does read."""
    s = await start_fake(raw, tmp_path)
    flat = {"debounceMs": "gopls's", "env": {"GOFLAGS": "-mod=mod"}}
    await initialize(s, tmp_path, options=flat)
    s.notify("workspace/didChangeConfiguration", {"settings": flat})
    await collect(s, 0.8)
    shown = [m for m in s.messages if m.get("method") == "window/showMessage"]
    assert shown == []
    assert (await report(s))["init_options"] == flat
    assert (await report(s))["settings"] == [flat]  # gopls's, exactly as sent
    s.notify("workspace/didChangeConfiguration",
             {"settings": {**flat, "goescape": {"debounceMs": "bad"}}})
    await collect(s, 0.8)
    shown = [m["params"]["message"] for m in s.messages if m.get("method") == "window/showMessage"]
    assert len(shown) == 1 and "debounceMs" in shown[0], shown


async def test_gopls_requests_get_ids_of_their_own(raw, tmp_path):
    """gopls asks the client with id 1, the id goescape's own first request to the client has
    too (and the client's initialize). The client sees two distinct ids, and gopls gets its
    answer under the id it used."""
    s = await start_fake(raw, tmp_path)
    await initialize(s, tmp_path, id=1)

    def answer(m):
        sections = [i.get("section") for i in m["params"]["items"]]
        return [{"fake": "from the client"} if sec == "gopls" else {} for sec in sections]

    got = await collect(s, 1.5, answer)
    reqs = [m for m in got if m.get("method") == "workspace/configuration"]
    sections = sorted(m["params"]["items"][0]["section"] for m in reqs)
    assert sections == ["goescape", "gopls"], reqs
    ids = [m["id"] for m in reqs]
    assert len(set(ids)) == 2, ids
    r = await report(s)
    assert r["config"] == [{"fake": "from the client"}]
    assert [x["id"] for x in r["responses"]] == [1]


async def test_gopls_requests_and_cancel_reach_the_client(raw, tmp_path):
    s = await start_fake(raw, tmp_path)
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    s.send_request("fake/ask", {}, id="ask")
    got = []
    while len([m for m in got if m.get("id") == "ask" and "method" not in m]) == 0 or \
            len([m for m in got if m.get("method") == "$/cancelRequest"]) == 0:
        m = await s.recv(5)
        assert m is not None
        got.append(m)
    by_method = {m["method"]: m for m in got if "method" in m}
    for method in ("window/showMessageRequest", "window/workDoneProgress/create",
                   "workspace/configuration"):
        assert method in by_method, got
    assert by_method["window/showMessageRequest"]["params"]["actions"] == [{"title": "A"}]
    # gopls cancelled its id 3: the client hears it under the id it knows.
    assert by_method["$/cancelRequest"]["params"]["id"] == by_method["workspace/configuration"]["id"]
    s.send({"jsonrpc": "2.0", "id": by_method["window/showMessageRequest"]["id"],
            "result": {"title": "A"}})
    await asyncio.sleep(0.3)
    r = await report(s)
    assert {"jsonrpc": "2.0", "id": "fake-ask", "result": {"title": "A"}} in r["responses"]


async def test_client_cancel_reaches_gopls(raw, tmp_path):
    s = await start_fake(raw, tmp_path)
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    s.send_request("fake/slow", {}, id=77)
    s.notify("$/cancelRequest", {"id": 77})
    resp = await s.recv_response(77)
    assert resp["error"]["code"] == -32800
    assert 77 in (await report(s))["cancelled"]


async def test_crash_mid_request_answers_it_and_restarts(raw, tmp_path):
    s = await start_fake(raw, tmp_path, "crash")
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    resp = await s.request("textDocument/completion", {
        "textDocument": {"uri": (tmp_path / "a.go").as_uri()},
        "position": {"line": 0, "character": 0}})
    assert resp["error"]["code"] == -32803, resp
    # goescape keeps serving its own commands.
    resp = await s.request("workspace/executeCommand",
                           {"command": "goescape.toggle", "arguments": [True]})
    assert "result" in resp, resp
    await collect(s, 2.0)
    shown = [m["params"]["message"] for m in s.messages if m.get("method") == "window/showMessage"]
    assert len(shown) == 1 and "gopls exited with status 3" in shown[0], shown
    # A second gopls was started and brought up to the session: it answers.
    assert len(pids(tmp_path)) == 2
    assert "initialize" in (await report(s))["methods"]


async def test_missing_gopls_is_said_once_and_escapes_stay(raw, tmp_path):
    s = await raw(args=[f"--gopls={tmp_path}/no-such-gopls"])
    result = await initialize(s, tmp_path)
    assert "inlayHintProvider" in result["capabilities"]
    await collect(s, 0.5)
    shown = [m["params"]["message"] for m in s.messages if m.get("method") == "window/showMessage"]
    assert len(shown) == 1 and "cannot start gopls" in shown[0] and "no-such-gopls" in shown[0]
    # said once the client takes messages: after the answer to initialize
    kinds = [m.get("method", "response") for m in s.messages]
    assert kinds.index("response") < kinds.index("window/showMessage"), kinds
    resp = await s.request("textDocument/definition", {
        "textDocument": {"uri": (tmp_path / "a.go").as_uri()},
        "position": {"line": 0, "character": 0}})
    assert resp["error"]["code"] == -32803
    resp = await s.request("workspace/executeCommand",
                           {"command": "goescape.toggle", "arguments": [True]})
    assert "result" in resp


async def test_gopls_hanging_at_shutdown_is_killed(raw, tmp_path):
    s = await start_fake(raw, tmp_path, "hang")
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    resp = await s.request("shutdown")
    assert "result" in resp
    started = time.monotonic()
    s.notify("exit")
    s.close_stdin()
    assert await s.wait(10) == 0
    assert time.monotonic() - started < 5
    [pid] = pids(tmp_path)
    assert not Path(f"/proc/{pid}").exists() or \
        "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux has a parent-death signal")
async def test_gopls_ends_with_a_killed_server(raw, tmp_path):
    """A gopls that ignores the end of its input (as a busy one does for seconds) still ends
    at once when the server is killed by SIGKILL, which leaves the server no time to stop
    it."""
    s = await start_fake(raw, tmp_path, "hang")
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    [pid] = pids(tmp_path)
    await s.sigkill()
    deadline = time.monotonic() + 3
    while procs.alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    outlived = procs.alive(pid)
    if outlived:
        os.kill(pid, signal.SIGKILL)  # it holds the server's stderr: teardown would wait on it
    assert not outlived, "gopls outlived the server killed by SIGKILL"


async def test_huge_answers_pass_whole(raw, tmp_path):
    s = await start_fake(raw, tmp_path, "huge", FAKE_GOPLS_ITEMS=200_000)
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    resp = await s.request("textDocument/completion", {
        "textDocument": {"uri": (tmp_path / "a.go").as_uri()},
        "position": {"line": 0, "character": 0}}, timeout=30)
    items = resp["result"]["items"]
    assert len(items) == 200_000 and items[-1]["label"] == "Item00199999"


async def test_malformed_output_is_skipped(raw, tmp_path):
    s = await start_fake(raw, tmp_path, "malformed")
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    for _ in range(2):
        resp = await s.request("textDocument/completion", {
            "textDocument": {"uri": (tmp_path / "a.go").as_uri()},
            "position": {"line": 0, "character": 0}})
        assert resp["result"]["items"][0]["label"] == "Println"
    assert len(pids(tmp_path)) == 1


async def test_late_gopls_answer_carries_the_current_escapes(raw, tmp_path):
    """gopls holds an inlayHint answer (as while it loads the workspace) until after the
    analysis ended: the merged answer has goescape's hints as they are then, not as they were
    when the request came. An answer with none would replace, in the client, the answer to a
    later request that has them."""
    root = tmp_path / "companion"
    shutil.copytree(FIXTURES["companion"], root)
    s = await start_fake(raw, tmp_path, mode="hold-hints")
    await initialize(s, root)
    uri = (root / "main.go").as_uri()
    s.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 1, "text": (root / "main.go").read_text()}})
    s.send_request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": {
        "start": {"line": 0, "character": 0}, "end": {"line": 16, "character": 0}}}, id="hints")
    loop = asyncio.get_running_loop()
    end = loop.time() + 60
    published = False
    while not published and loop.time() < end:
        await collect(s, 0.5)
        published = any(m.get("method") == "textDocument/publishDiagnostics"
                        and any(d.get("source") == "goescape" for d in m["params"]["diagnostics"])
                        for m in s.messages)
    assert published, "no escape diagnostics"
    assert not any(m.get("id") == "hints" for m in s.messages), "answered before gopls did"
    s.send_request("fake/release", {}, id="release")
    got = {}
    while len(got) < 2:
        m = await s.recv_response()
        got[m["id"]] = m
    resp = got["hints"]
    labels = [h["label"] if isinstance(h["label"], str) else "".join(p["value"] for p in h["label"])
              for h in resp["result"]]
    assert any("heap" in lab for lab in labels), resp


# ---- the real gopls ----

@pytest.fixture(scope="module")
def real_gopls() -> str:
    path = gopls_path()
    require(path is not None, "the pinned gopls cannot be installed (go install failed)")
    return path


def diag_sources(msgs, uri):
    """The sources of each publishDiagnostics list for uri, in order."""
    return [sorted({d.get("source", "") for d in m["params"]["diagnostics"]})
            for m in msgs if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri]


async def open_real(raw, real_gopls, tmp_path):
    root = tmp_path / "companion"
    shutil.copytree(FIXTURES["companion"], root)
    s = await raw(args=[f"--gopls={real_gopls}"], cwd=str(root))
    await initialize(s, root)
    uri = (root / "main.go").as_uri()
    s.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 1, "text": (root / "main.go").read_text()}})

    def answer(m):
        if m["method"] != "workspace/configuration":
            return None
        return [{"hints": {"assignVariableTypes": True}} if i.get("section") == "gopls" else {}
                for i in m["params"]["items"]]

    loop = asyncio.get_running_loop()
    end = loop.time() + 90
    while loop.time() < end:
        await collect(s, 1.0, answer)
        if any("goescape" in x for x in diag_sources(s.messages, uri)):
            break
    return s, root, uri


async def test_real_gopls_and_escapes_in_one_session(raw, real_gopls, tmp_path):
    s, root, uri = await open_real(raw, real_gopls, tmp_path)
    doc = {"textDocument": {"uri": uri}}
    assert any("goescape" in x for x in diag_sources(s.messages, uri)), s.messages[-5:]

    # hover: gopls's markdown, a rule, goescape's section
    hover = (await s.request("textDocument/hover",
                             {**doc, "position": {"line": 9, "character": 10}}))["result"]
    value = hover["contents"]["value"]
    assert "type point struct" in value and "\n---\n" in value and "goescape" in value
    assert value.index("type point struct") < value.index("---") < value.index("goescape")

    # inlay hints from both: gopls's variable type (asked for through
    # workspace/configuration, so the setting round-tripped) and goescape's heap hint
    hints = (await s.request("textDocument/inlayHint", {**doc, "range": {
        "start": {"line": 0, "character": 0}, "end": {"line": 16, "character": 0}}}))["result"]

    def label(h):
        lab = h["label"]
        return lab if isinstance(lab, str) else "".join(p["value"] for p in lab)

    labels = [label(h) for h in hints]
    assert any("*point" in lab for lab in labels), labels
    assert any("heap" in lab for lab in labels), labels

    # definition of newPoint from its call in main
    defs = (await s.request("textDocument/definition",
                            {**doc, "position": {"line": 13, "character": 7}}))["result"]
    defs = defs if isinstance(defs, list) else [defs]
    assert defs[0]["uri"] == uri and defs[0]["range"]["start"]["line"] == 8

    # rename newPoint
    edit = (await s.request("textDocument/rename", {
        **doc, "position": {"line": 8, "character": 6}, "newName": "makePoint"}))["result"]
    texts = [e["newText"] for dc in edit.get("documentChanges", []) for e in dc["edits"]] + \
        [e["newText"] for es in (edit.get("changes") or {}).values() for e in es]
    assert texts.count("makePoint") == 2, edit

    # a type error: gopls's diagnostic and goescape's escapes in the same list
    mark = len(s.messages)
    s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                        "contentChanges": [{"range": {
                                            "start": {"line": 14, "character": 0},
                                            "end": {"line": 14, "character": 0}},
                                            "text": "\tfmt.Pr\n"}]})
    comp = (await s.request("textDocument/completion",
                            {**doc, "position": {"line": 14, "character": 7}}))["result"]
    items = comp["items"] if isinstance(comp, dict) else comp
    assert "Println" in [i["label"] for i in items]

    loop = asyncio.get_running_loop()
    end = loop.time() + 30
    both = False
    while loop.time() < end and not both:
        await collect(s, 1.0)
        for m in s.messages[mark:]:
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                continue
            ds = m["params"]["diagnostics"]
            if any(d.get("source") == "goescape" for d in ds) and \
                    any("Pr" in d["message"] and d.get("source") != "goescape" for d in ds):
                both = True
    assert both, [m for m in s.messages[mark:] if m.get("method") == "textDocument/publishDiagnostics"]
