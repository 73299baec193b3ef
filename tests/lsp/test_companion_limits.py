"""Companion mode's limits and merged diagnostics, with the scripted gopls
(support/fake_gopls.py).

The requests waiting for gopls and gopls's requests waiting for the client are capped: past
the cap a new one is refused at once, clearly, and everything else goes on. A merged
publishDiagnostics carries the document version."""

from __future__ import annotations

import asyncio
from pathlib import Path

from test_companion import collect, initialize, report, start_fake

# server/companion/companion.h
WAITING_MAX = 1024
ASKING_MAX = 256


async def test_requests_past_the_waiting_cap_are_refused_and_serving_goes_on(raw, tmp_path):
    s = await start_fake(raw, tmp_path)
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    # gopls answers fake/slow only when it is cancelled: these all wait.
    ids = list(range(5000, 5000 + WAITING_MAX))
    for i in ids:
        s.send_request("fake/slow", {}, id=i)
    s.send_request("fake/slow", {}, id="one-too-many")
    resp = await s.recv_response("one-too-many", timeout=20)
    assert resp["error"]["code"] == -32803, resp
    assert "already waiting for gopls" in resp["error"]["message"], resp
    # goescape's own commands still run.
    resp = await s.request("workspace/executeCommand",
                           {"command": "goescape.toggle", "arguments": [True]})
    assert "result" in resp, resp
    # Once gopls answers one (here, cancelled), a new request goes through again.
    s.notify("$/cancelRequest", {"id": ids[0]})
    resp = await s.recv_response(ids[0])
    assert resp["error"]["code"] == -32800
    r = await report(s)
    assert r["methods"].count("fake/slow") == WAITING_MAX
    await asyncio.sleep(0.2)
    assert b"requests are waiting for gopls" in bytes(s.stderr)


async def test_gopls_requests_past_the_asking_cap_are_refused(raw, tmp_path):
    s = await start_fake(raw, tmp_path)
    await initialize(s, tmp_path)
    await collect(s, 0.5)
    s.send_request("fake/flood", {"count": ASKING_MAX + 40}, id="flood")
    got = []
    while True:  # the client does not answer: every request of the flood waits
        m = await s.recv(10)
        assert m is not None
        got.append(m)
        if m.get("id") == "flood" and "method" not in m:
            break
    got += await collect(s, 0.5, reply=False)
    asked = [m for m in got if m.get("method") == "workspace/configuration"]
    assert len(asked) == ASKING_MAX, len(asked)
    r = await report(s)
    refused = [x for x in r["responses"] if str(x.get("id")).startswith("flood-")]
    assert len(refused) == 40, refused[:3]
    assert all(x["error"]["code"] == -32803 and "already waiting" in x["error"]["message"]
               for x in refused), refused[:3]
    assert sorted(x["id"] for x in refused) == sorted(
        f"flood-{i}" for i in range(ASKING_MAX, ASKING_MAX + 40))
    # The client answers them all: gopls gets its answers, and may ask again.
    for m in asked:
        s.send({"jsonrpc": "2.0", "id": m["id"], "result": [None]})
    s.send_request("fake/flood", {"count": 10}, id="again")
    got = await collect(s, 1.0, reply=False)
    assert len([m for m in got if m.get("method") == "workspace/configuration"]) == 10
    r = await report(s)
    answered = [x for x in r["responses"] if "result" in x and
                str(x.get("id")).startswith("flood-")]
    assert len(answered) == ASKING_MAX


def publishes(msgs, uri):
    return [m["params"] for m in msgs
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri]


async def test_merged_diagnostics_carry_the_version(raw, tmp_path):
    root = tmp_path / "mod"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    text = "package m\n\nfunc F() *int {\n\tx := 1\n\treturn &x\n}\n"
    (root / "a.go").write_text(text)
    uri = (root / "a.go").as_uri()
    s = await start_fake(raw, tmp_path)
    await initialize(s, root)
    await collect(s, 0.5)
    gopls_diag = {"range": {"start": {"line": 0, "character": 0},
                            "end": {"line": 0, "character": 7}},
                  "message": "gopls says so", "source": "compiler", "severity": 1}
    # gopls alone, with a version
    mark = len(s.messages)
    await s.request("fake/publish", {"uri": uri, "version": 7, "diagnostics": [gopls_diag]})
    await collect(s, 0.5)
    [p] = publishes(s.messages[mark:], uri)
    assert p["version"] == 7 and p["diagnostics"] == [gopls_diag]
    # goescape's escapes for the document at version 3: the union, at the version of the newest
    s.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 3, "text": text}})
    ours = None
    loop = asyncio.get_running_loop()
    end = loop.time() + 60
    while loop.time() < end and ours is None:
        for p in publishes(await collect(s, 0.5), uri):
            if any(d.get("source") == "goescape" for d in p["diagnostics"]):
                ours = p
    assert ours is not None
    assert ours["version"] == 3, ours
    assert gopls_diag in ours["diagnostics"]
    # gopls again for version 4: goescape's part stays, the version is gopls's
    mark = len(s.messages)
    await s.request("fake/publish", {"uri": uri, "version": 4, "diagnostics": []})
    await collect(s, 0.5)
    [p] = publishes(s.messages[mark:], uri)
    assert p["version"] == 4
    assert p["diagnostics"] == [d for d in ours["diagnostics"] if d != gopls_diag]
    assert p["diagnostics"]
    # a list without a version (a closed file's) gives none
    other = (root / "b.go").as_uri()
    mark = len(s.messages)
    await s.request("fake/publish", {"uri": other, "diagnostics": [gopls_diag]})
    await collect(s, 0.5)
    [p] = publishes(s.messages[mark:], other)
    assert "version" not in p and p["diagnostics"] == [gopls_diag]


async def test_gopls_list_for_a_file_not_open_keeps_the_escapes(raw, tmp_path):
    """With diagnosticsScope package, goescape publishes for files that are not open, and
    does not keep those lists; a list from gopls for such a file still comes with goescape's
    escapes."""
    root = tmp_path / "mod"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/m\n\ngo 1.21\n")
    text = "package m\n\nfunc F() *int {\n\tx := 1\n\treturn &x\n}\n"
    (root / "a.go").write_text(text)
    (root / "b.go").write_text("package m\n\nfunc G() *int {\n\ty := 2\n\treturn &y\n}\n")
    uri, other = (root / "a.go").as_uri(), (root / "b.go").as_uri()
    s = await start_fake(raw, tmp_path)
    await initialize(s, root, options={"goescape": {"diagnosticsScope": "package"}})
    await collect(s, 0.5)
    s.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 1, "text": text}})
    ours = None
    loop = asyncio.get_running_loop()
    end = loop.time() + 60
    while loop.time() < end and ours is None:
        for p in publishes(await collect(s, 0.5), other):
            if any(d.get("source") == "goescape" for d in p["diagnostics"]):
                ours = p["diagnostics"]
    assert ours, "no escapes published for b.go"
    await collect(s, 1.0)
    gopls_diag = {"range": {"start": {"line": 0, "character": 0},
                            "end": {"line": 0, "character": 7}},
                  "message": "gopls says so", "source": "compiler", "severity": 1}
    mark = len(s.messages)
    await s.request("fake/publish", {"uri": other, "diagnostics": [gopls_diag]})
    await collect(s, 0.5)
    got = publishes(s.messages[mark:], other)
    assert got, "gopls's list for b.go was not published"
    assert got[-1]["diagnostics"] == [gopls_diag] + ours, got[-1]
