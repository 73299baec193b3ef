"""Quick fixes (textDocument/codeAction) against the real compiler: on an escape, ignore it,
accept it, or assert the line stays on the stack; on a broken assertion, remove it or show
why the value escapes. Each action is a quickfix that carries its diagnostics, and its edit
applied to the text gives exactly the expected text; the ignore comment it writes then hides
the escape. A client that takes snippets in workspace edits gets the cursor on the reason, and
the edit names the document version it was made for."""

from __future__ import annotations

import pytest
from lsprotocol import types

pytestmark = pytest.mark.timeout(180)

PKG = "example.com/assertions"
FILE = "asserts.go"
PLAIN_LINE = 54   # "\tv := 5" in Plain: an escape no comment mentions
BROKEN_LINE = 15  # "\ty := 2 //goescape:noescape"
GCASSERT_LINE = 22  # "\tfmt.Println(s)" below "\t//gcassert:noescape"


def apply(text: str, edits: list[dict]) -> str:
    """Applies TextEdits (ASCII text: UTF-16 units are bytes) from the last to the first."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)

    def off(p):
        return starts[p["line"]] + p["character"]

    for e in sorted(edits, key=lambda e: off(e["range"]["start"]), reverse=True):
        a, b = off(e["range"]["start"]), off(e["range"]["end"])
        new = e["newText"] if "newText" in e else e["snippet"]["value"]
        text = text[:a] + new + text[b:]
    return text


def edits_of(action: dict, uri: str) -> list[dict]:
    edit = action["edit"]
    if "changes" in edit:
        assert list(edit["changes"]) == [uri]
        return edit["changes"][uri]
    [dc] = edit["documentChanges"]
    assert dc["textDocument"]["uri"] == uri
    return dc["edits"]


async def opened(lsp, module):
    s = await lsp(module("assertions"))
    mark = s.mark()
    s.open(FILE)
    status = await s.wait_analysis(PKG, mark)
    assert status["state"] == "idle", status
    await s.quiet(0.3)
    return s


async def actions_at(s, line: int) -> tuple[list[dict], list[dict]]:
    diags = [d for d in s.diagnostics(FILE) if d["range"]["start"]["line"] == line]
    res = await s.request("textDocument/codeAction", types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=s.uri(FILE)),
        range=types.Range(start=types.Position(line, 1), end=types.Position(line, 1)),
        context=s.converter.structure({"diagnostics": diags}, types.CodeActionContext)))
    return res or [], diags


def with_line(text: str, at: int, new: str | None) -> str:
    """text with new inserted as line at (None: line at removed)."""
    lines = text.split("\n")
    if new is None:
        del lines[at]
    else:
        lines.insert(at, new)
    return "\n".join(lines)


async def test_escape_gets_three_comment_fixes(lsp, module):
    s = await opened(lsp, module)
    text = s.text_of(FILE)
    uri = s.uri(FILE)
    actions, diags = await actions_at(s, PLAIN_LINE)
    assert diags, "the escape has its diagnostic"
    assert [a["title"] for a in actions] == ["Ignore this escape", "Accept this escape\u2026",
                                             "Assert this line stays on the stack"]
    for a in actions:
        assert a["kind"] == "quickfix"
        assert a["diagnostics"] == diags
    got = [apply(text, edits_of(a, uri)) for a in actions]
    assert got == [with_line(text, PLAIN_LINE, "\t//goescape:ignore"),
                   with_line(text, PLAIN_LINE, "\t//goescape:allow "),
                   with_line(text, PLAIN_LINE, "\t//goescape:noescape")]
    # The ignore comment written by the fix hides the escape.
    mark = s.mark()
    s.change(FILE, None, got[0])
    await s.wait_publish(uri, mark, lambda ds: not any(
        d["range"]["start"]["line"] == PLAIN_LINE + 1 and d["code"] != "assertion" for d in ds),
        what="the escape hidden by the inserted comment")


async def raw_open(raw, module, caps: dict) -> tuple:
    """A raw client (the test client's converter would read a CodeAction holding a command as
    a Command) with the fixture open at version 7, once its diagnostics are published."""
    root = module("assertions")
    srv = await raw()
    await srv.initialize(root.as_uri(), caps)
    path = root / FILE
    uri = path.as_uri()
    srv.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "go", "version": 7, "text": path.read_text()}})
    diags = None
    while not diags:
        msg = await srv.recv(60)
        assert msg is not None
        if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
            diags = msg["params"]["diagnostics"]
        elif "method" in msg and "id" in msg:
            srv.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
    return srv, uri, path.read_text(), diags


async def raw_actions(srv, uri: str, line: int, diags: list[dict]) -> list[dict]:
    resp = await srv.request("textDocument/codeAction", {
        "textDocument": {"uri": uri},
        "range": {"start": {"line": line, "character": 1}, "end": {"line": line, "character": 1}},
        "context": {"diagnostics": diags}})
    return resp["result"]


async def raw_close(srv) -> None:
    srv.send_request("shutdown", None, id="bye")
    await srv.recv_response("bye")
    srv.notify("exit")
    assert await srv.wait() == 0


async def test_broken_assertion_can_be_removed_or_explained(raw, module):
    srv, uri, text, all_diags = await raw_open(raw, module, {
        "window": {"showDocument": {"support": True}}})
    diags = [d for d in all_diags if d["range"]["start"]["line"] == BROKEN_LINE]
    assert [d["code"] for d in diags] == ["assertion"]
    actions = await raw_actions(srv, uri, BROKEN_LINE, diags)
    assert [a["title"] for a in actions] == ["Remove the goescape:noescape assertion",
                                             "Show why it escapes"]
    assert all(a["kind"] == "quickfix" and a["diagnostics"] == diags for a in actions)
    removed = apply(text, edits_of(actions[0], uri))
    assert removed.split("\n")[BROKEN_LINE] == "\ty := 2"
    assert removed.replace("\ty := 2\n", "\ty := 2 //goescape:noescape\n", 1) == text
    cmd = actions[1]["command"]
    assert cmd["command"] == "goescape.showFlow"
    id = srv.send_request("workspace/executeCommand", {"command": cmd["command"],
                                                       "arguments": cmd["arguments"]})
    shown, show_doc, res = None, None, None
    while res is None or shown is None or show_doc is None:
        msg = await srv.recv(30)
        assert msg is not None
        if msg.get("method") == "window/showMessage":
            shown = msg["params"]["message"]
        elif msg.get("method") == "window/showDocument":
            show_doc = msg["params"]
            srv.send({"jsonrpc": "2.0", "id": msg["id"], "result": {"success": True}})
        elif msg.get("id") == id:
            res = msg["result"]
    assert res["message"].startswith("y moved to heap: returned from Broken\n1. ")
    assert "return &y" in res["message"]
    assert shown == res["message"]
    # The document opens where the value escapes: "return &y" on the next line.
    assert show_doc["uri"] == uri
    assert show_doc["selection"]["start"] == {"line": BROKEN_LINE + 1, "character": 1}
    await raw_close(srv)


async def test_assertion_alone_on_its_line_is_removed_with_the_line(lsp, module):
    s = await opened(lsp, module)
    text = s.text_of(FILE)
    actions, _ = await actions_at(s, GCASSERT_LINE)
    assert actions[0]["title"] == "Remove the gcassert:noescape assertion"
    assert apply(text, edits_of(actions[0], s.uri(FILE))) == with_line(text, GCASSERT_LINE - 1,
                                                                      None)


async def test_capabilities_announce_quickfixes(lsp, module):
    s = await lsp(module("assertions"))
    assert s.init_result["capabilities"]["codeActionProvider"] == {"codeActionKinds": ["quickfix"]}


async def test_snippet_and_version_where_the_client_takes_them(raw, module):
    srv, uri, text, _ = await raw_open(raw, module, {"workspace": {"workspaceEdit": {
        "documentChanges": True, "snippetEditSupport": True}}})
    actions = await raw_actions(srv, uri, PLAIN_LINE, [])
    [accept] = [a for a in actions if a["title"].startswith("Accept")]
    [dc] = accept["edit"]["documentChanges"]
    assert dc["textDocument"] == {"uri": uri, "version": 7}
    [e] = dc["edits"]
    assert e["snippet"] == {"kind": "snippet", "value": "\t//goescape:allow ${1:reason}\n"}
    assert e["range"]["start"] == {"line": PLAIN_LINE, "character": 0}
    # Edits without a snippet carry the version too.
    [ignore] = [a for a in actions if a["title"] == "Ignore this escape"]
    assert ignore["edit"]["documentChanges"][0]["textDocument"]["version"] == 7
    await raw_close(srv)
