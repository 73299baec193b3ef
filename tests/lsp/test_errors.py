"""JSON-RPC error codes (issue 2's table), through a raw stdio client where the input must be
malformed, and through pytest-lsp where a normal client can say it.

| situation | answer |
| request before initialize | -32002 |
| request after shutdown | -32600 |
| unknown request | -32601 |
| bad params | -32602 |
| bad JSON | -32700 with id null |
| unknown notification | dropped |
| $/cancelRequest on a pending request | -32800 |
| a second initialize | an error |
"""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from robust_util import real_go
from support.raw import frame

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
REQUEST_CANCELLED = -32800


def error_code(resp: dict) -> int | None:
    return (resp.get("error") or {}).get("code")


async def ready(raw, tmp_path, open_file: bool = True):
    """A raw session, initialized, with one Go file open."""
    mod = tmp_path / "ws" / "m"
    mod.mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.19\n")
    src = "package m\n\nfunc F() *int { x := 1; return &x }\n"
    (mod / "m.go").write_text(src)
    s = await raw()
    await s.initialize(mod.as_uri())
    uri = (mod / "m.go").as_uri()
    if open_file:
        s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "go",
                                                           "version": 1, "text": src}})
    return s, uri


async def still_serving(s, uri: str) -> None:
    """The server answers an ordinary request about an open document afterwards."""
    resp = await s.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    assert "result" in resp and isinstance(resp["result"], list), resp


@pytest.mark.parametrize("method,params", [
    ("textDocument/hover", {"textDocument": {"uri": "file:///x.go"}, "position": {"line": 0, "character": 0}}),
    ("shutdown", None),
    ("workspace/executeCommand", {"command": "goescape.toggle", "arguments": []}),
    ("no/suchMethod", {}),
])
async def test_request_before_initialize(raw, method, params):
    s = await raw()
    resp = await s.request(method, params)
    assert error_code(resp) == SERVER_NOT_INITIALIZED, resp
    # and initialize still works afterwards
    init = await s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    assert "result" in init, init


async def test_notification_before_initialize_is_dropped(raw):
    s = await raw()
    s.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.go", "languageId": "go",
                                                       "version": 1, "text": "package x\n"}})
    s.notify("initialized", {})
    init = await s.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    assert "result" in init, init
    assert [m for m in s.messages if "id" in m and "method" not in m] == [init], \
        "the notifications before initialize were answered"


async def test_request_after_shutdown(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    resp = await s.request("shutdown")
    assert "result" in resp and resp["result"] is None, resp
    for method, params in [("textDocument/hover", {"textDocument": {"uri": uri},
                                                   "position": {"line": 0, "character": 0}}),
                           ("textDocument/codeLens", {"textDocument": {"uri": uri}}),
                           ("no/suchMethod", {})]:
        resp = await s.request(method, params)
        assert error_code(resp) == INVALID_REQUEST, (method, resp)
    s.notify("exit")
    assert await s.wait() == 0


async def test_unknown_request(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    resp = await s.request("goescape/noSuchRequest", {"x": 1})
    assert error_code(resp) == METHOD_NOT_FOUND, resp
    resp = await s.request("textDocument/noSuchFeature", {"textDocument": {"uri": uri}})
    assert error_code(resp) == METHOD_NOT_FOUND, resp
    await still_serving(s, uri)


BAD_PARAMS = [
    ("hover position is a string", "textDocument/hover",
     lambda uri: {"textDocument": {"uri": uri}, "position": "abc"}),
    ("hover without position", "textDocument/hover", lambda uri: {"textDocument": {"uri": uri}}),
    ("hover line is a string", "textDocument/hover",
     lambda uri: {"textDocument": {"uri": uri}, "position": {"line": "0", "character": 0}}),
    ("hover negative line", "textDocument/hover",
     lambda uri: {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}}),
    ("hover textDocument is a string", "textDocument/hover",
     lambda uri: {"textDocument": uri, "position": {"line": 0, "character": 0}}),
    ("hover params is an array", "textDocument/hover", lambda uri: [uri, 0, 0]),
    ("inlayHint without range", "textDocument/inlayHint", lambda uri: {"textDocument": {"uri": uri}}),
    ("codeLens uri is a number", "textDocument/codeLens", lambda uri: {"textDocument": {"uri": 7}}),
    ("executeCommand arguments is an object", "workspace/executeCommand",
     lambda uri: {"command": "goescape.analyze", "arguments": {"uri": uri}}),
    ("executeCommand without command", "workspace/executeCommand", lambda uri: {"arguments": []}),
    ("executeCommand unknown command", "workspace/executeCommand",
     lambda uri: {"command": "goescape.noSuchCommand", "arguments": []}),
    ("toggle takes a boolean", "workspace/executeCommand",
     lambda uri: {"command": "goescape.toggle", "arguments": ["yes"]}),
]


@pytest.mark.parametrize("what,method,params", BAD_PARAMS, ids=[b[0] for b in BAD_PARAMS])
async def test_bad_params(raw, tmp_path, what, method, params):
    s, uri = await ready(raw, tmp_path)
    resp = await s.request(method, params(uri))
    assert error_code(resp) == INVALID_PARAMS, f"{what}: {resp}"
    await still_serving(s, uri)


BAD_JSON = [
    ("truncated object", b'{"jsonrpc": "2.0", "id": 1, "method": '),
    ("not json at all", b"hello, server"),
    ("trailing comma", b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown",}'),
    ("single quotes", b"{'jsonrpc': '2.0', 'id': 3, 'method': 'shutdown'}"),
    ("empty body", b""),
]


@pytest.mark.parametrize("what,body", BAD_JSON, ids=[b[0] for b in BAD_JSON])
async def test_bad_json_is_parse_error_with_null_id(raw, tmp_path, what, body):
    s, uri = await ready(raw, tmp_path)
    s.send_bytes(frame(body))
    resp = await s.recv_response()
    assert error_code(resp) == PARSE_ERROR, resp
    assert "id" in resp and resp["id"] is None, f"the parse error must carry id null: {resp}"
    await still_serving(s, uri)


async def test_unknown_notification_is_dropped(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    s.notify("goescape/noSuchNotification", {"x": 1})
    s.notify("$/noSuchThing", {"y": 2})
    s.notify("textDocument/noSuchNotification", {"textDocument": {"uri": uri}})
    before = len(s.messages)
    id = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    resp = await s.recv_response(id)
    assert "result" in resp, resp
    answers = [m for m in s.messages[before:] if "method" not in m]
    assert answers == [resp], f"unknown notifications were answered: {answers}"


async def test_second_initialize_is_an_error(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    resp = await s.request("initialize", {"processId": None, "rootUri": None,
                                          "capabilities": {"general": {"positionEncodings": ["utf-8"]}}})
    assert "error" in resp and "result" not in resp, resp
    assert isinstance(error_code(resp), int)
    await still_serving(s, uri)
    # The first initialize still holds: the session is running, and shutdown works.
    resp = await s.request("shutdown")
    assert "result" in resp, resp
    s.notify("exit")
    assert await s.wait() == 0


EXAMPLES = "example.com/goescape-demo"


async def test_cancel_a_pending_analyze(lsp, module, fakego):
    """goescape.analyze answers when its analysis is done; $/cancelRequest answers it at once
    with -32800 (pytest-lsp client). The go command is held until the test releases it, so
    the request is pending for certain, and the cancellation is answered while the build is
    still running, not at its end."""
    root = module("examples")
    fakego.set(fakego.held(f"exec={real_go()}"))
    s = await lsp(root, settings={"goBinary": fakego.path}, env=fakego.env())
    mark = s.mark()
    s.open("escapes.go")
    await asyncio.to_thread(fakego.wait_invocations, 1)
    fut = asyncio.ensure_future(s.client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="goescape.analyze", arguments=[s.uri("escapes.go")]),
        msg_id="analyze-to-cancel"))
    await s.sync("escapes.go")  # the server has read the request, and answered the next one
    assert not fut.done(), f"goescape.analyze answered before its analysis ended: {fut.result()}"
    s.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="analyze-to-cancel"))
    with pytest.raises(JsonRpcException) as exc:
        await asyncio.wait_for(fut, 60)
    assert exc.value.code == REQUEST_CANCELLED, f"code {exc.value.code}: {exc.value}"
    ended = [st for st in s.statuses(mark) if st["state"] in ("idle", "failed")]
    assert not ended, f"the cancellation waited for the analysis to end: {ended}"
    # The server goes on: released, the analysis ends with findings, and requests are answered.
    fakego.release()
    st = await s.wait_analysis(EXAMPLES, mark)
    assert st["state"] == "idle", st
    lenses = await s.code_lenses("escapes.go")
    assert lenses and all(l["command"]["title"].startswith(tuple("123456789")) for l in lenses), \
        lenses


async def test_cancel_with_integer_id_raw(raw, tmp_path, fakego):
    """The same with an integer id over the raw client, checking the response's id."""
    mod = tmp_path / "ws" / "m"
    mod.mkdir(parents=True)
    (mod / "go.mod").write_text("module example.com/m\n\ngo 1.19\n")
    src = "package m\n\nfunc F() *int { x := 1; return &x }\n"
    (mod / "m.go").write_text(src)
    fakego.set(fakego.held(f"exec={real_go()}"))
    s = await raw(env=fakego.env())
    await s.initialize(mod.as_uri(), options={"goescape": {"goBinary": fakego.path}})
    uri = (mod / "m.go").as_uri()
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "go",
                                                       "version": 1, "text": src}})
    await asyncio.to_thread(fakego.wait_invocations, 1)
    s.send_request("workspace/executeCommand", {"command": "goescape.analyze",
                                                "arguments": [{"uri": uri}]}, id=77)
    # A round trip: the next response must be this one's, not an early answer to 77.
    await s.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    s.notify("$/cancelRequest", {"id": 77})
    resp = await s.recv_response(77, timeout=60)
    assert error_code(resp) == REQUEST_CANCELLED, resp
    ended = [m for m in s.messages if m.get("method") == "goescape/status"
             and m["params"].get("state") in ("idle", "failed")]
    assert not ended, f"the cancellation waited for the analysis to end: {ended}"
    fakego.release()


async def test_cancel_unknown_id_is_ignored(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    before = len(s.messages)
    s.notify("$/cancelRequest", {"id": 123456})
    s.notify("$/cancelRequest", {"id": "nope"})
    s.notify("$/cancelRequest", {})
    id = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    resp = await s.recv_response(id)
    assert "result" in resp
    assert [m for m in s.messages[before:] if "method" not in m] == [resp]


async def test_response_to_a_request_never_sent_is_ignored(raw, tmp_path):
    s, uri = await ready(raw, tmp_path)
    before = len(s.messages)
    s.send({"jsonrpc": "2.0", "id": 999999, "result": {"x": 1}})
    s.send({"jsonrpc": "2.0", "id": "zzz", "error": {"code": -32601, "message": "no"}})
    id = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    resp = await s.recv_response(id)
    assert "result" in resp
    assert [m for m in s.messages[before:] if "method" not in m] == [resp]
