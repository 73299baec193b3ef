"""Protocol misuse: messages in the wrong lifecycle state, unknown methods, cancellations and
responses that match nothing. Requests get the documented error codes, notifications are
dropped or logged, the server keeps its state, and the lifecycle ends with the documented
exit status and no process left behind."""

from __future__ import annotations

import pytest

from robust_util import (INVALID_REQUEST, METHOD_NOT_FOUND, SERVER_NOT_INITIALIZED,  # noqa: F401
                         error_code, fakego, fakego_bin, rb, ready, still_serving, wait_gone,
                         write_module)

pytestmark = pytest.mark.timeout(180)


def answers_since(s, since: int) -> list[dict]:
    with s.cond:
        return [m for m in s.messages[since:] if "method" not in m]


def test_requests_before_initialize(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s = rb.start()
    uri = (root / "good" / "good.go").as_uri()
    for method, params in [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
        ("textDocument/inlayHint", {"textDocument": {"uri": uri},
                                    "range": {"start": {"line": 0, "character": 0},
                                              "end": {"line": 9, "character": 0}}}),
        ("workspace/executeCommand", {"command": "goescape.analyze", "arguments": [uri]}),
        ("shutdown", None),
        ("goescape/unknown", {}),
    ]:
        resp = s.request(method, params)
        assert error_code(resp) == SERVER_NOT_INITIALIZED, (method, resp)
    # Notifications before initialize are dropped, not answered, and leave no state: the
    # document opened here is not open afterwards.
    mark = s.mark()
    s.open(root / "good" / "good.go")
    s.notify("initialized", {})
    s.notify("exit_soon", {})
    s.initialize(root)
    assert [m for m in answers_since(s, mark) if "error" in m] == []
    resp = s.request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    assert "error" in resp, f"a document opened before initialize is open: {resp}"
    mark = s.mark()
    s.open(root / "good" / "good.go")
    s.diagnostics(uri, mark)
    still_serving(s, uri)


def test_second_initialize(rb, tmp_path):
    """A second initialize is refused and changes nothing: its settings and position
    encoding are not taken."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    resp = s.request("initialize", {
        "processId": None, "rootUri": None,
        "capabilities": {"general": {"positionEncodings": ["utf-8"]}},
        "initializationOptions": {"goescape": {"inlayHints": False, "goBinary": "/nonexistent/go"}}})
    assert error_code(resp) == INVALID_REQUEST, resp
    assert "result" not in resp
    still_serving(s, uri)
    # The first initialize's settings still hold: a new analysis works with the real go.
    mark = s.mark()
    s.save(uri)
    s.status("idle", mark, package="example.com/rb/good")
    assert not [m for m in s.shown(mark) if "not found" in m.get("message", "")]
    still_serving(s, uri)


def test_requests_after_shutdown(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    assert s.result("shutdown") is None
    for method, params in [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 1}}),
        ("textDocument/codeLens", {"textDocument": {"uri": uri}}),
        ("workspace/executeCommand", {"command": "goescape.toggle", "arguments": []}),
        ("initialize", {"processId": None, "rootUri": None, "capabilities": {}}),
        ("shutdown", None),
        ("goescape/unknown", {}),
    ]:
        resp = s.request(method, params)
        # After shutdown every request is an invalid request, a second shutdown included.
        assert error_code(resp) == INVALID_REQUEST, (method, resp)
    # Notifications after shutdown start nothing.
    mark = s.mark()
    s.open(root / "bad" / "bad.go")
    s.save(uri)
    s.notify("exit")
    s.close_stdin()
    assert s.wait_exit() == 0
    assert not s.notifications("textDocument/publishDiagnostics", mark), \
        "the server analyzed after shutdown"


def test_exit_without_shutdown(rb, tmp_path, fakego):
    """exit without shutdown ends the server with status 1, at once, even while a go command
    hangs; the go command and its child are gone."""
    root = write_module(tmp_path / "ws" / "m")
    fakego.set("ignore_term\nchild\nhang")
    s = rb.start(env=fakego.env())
    s.initialize(root, {"goBinary": fakego.path})
    s.open(root / "good" / "good.go")
    inv = fakego.wait_invocations(1)[0]
    s.notify("exit")
    rc = s.wait_exit(10)
    assert rc == 1, f"exit status {rc}"
    assert wait_gone([inv["pid"], inv["child"]], 5) == []


def test_unknown_method(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    for method in ["goescape/nothing", "textDocument/definition", "workspace/symbol", "",
                   "$/unknownRequest", "textDocument/hover/extra"]:
        resp = s.request(method, {"textDocument": {"uri": uri}})
        assert error_code(resp) == METHOD_NOT_FOUND, (method, resp)
    # A notification method used as a request is not a request method.
    resp = s.request("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert error_code(resp) == METHOD_NOT_FOUND, resp
    # An unknown notification is dropped without an answer.
    mark = s.mark()
    s.notify("goescape/unknownNotification", {"x": 1})
    s.notify("$/unknown", None)
    marker = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    s.response(marker, since=mark)
    assert [m["id"] for m in answers_since(s, mark)] == [marker]
    still_serving(s, uri)


def test_cancel_request_for_unknown_ids(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s = rb.start(args=["--verbose"])
    s.initialize(root)
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    s.diagnostics(uri, mark)
    mark = s.mark()
    for params in [{"id": 424242}, {"id": "never"}, {"id": None}, {"id": {"x": 1}}, {},
                   {"id": 1.5}, None]:
        s.notify("$/cancelRequest", params)
    marker = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    s.response(marker, since=mark)
    assert [m["id"] for m in answers_since(s, mark)] == [marker], answers_since(s, mark)
    s.wait_stderr("cancelRequest for a request that is not pending")
    still_serving(s, uri)


def test_responses_to_requests_never_sent(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    s.send({"jsonrpc": "2.0", "id": 987654, "result": {"x": 1}})
    s.send({"jsonrpc": "2.0", "id": "zzz", "error": {"code": -32601, "message": "no"}})
    s.send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "bad"}})
    s.send({"jsonrpc": "2.0", "id": 5, "result": 1, "error": {"code": 1, "message": "both"}})
    s.send({"jsonrpc": "2.0", "id": 6})
    marker = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    s.response(marker, since=mark)
    assert [m["id"] for m in answers_since(s, mark)] == [marker], answers_since(s, mark)
    s.wait_stderr("response to a request that was never sent")
    s.wait_stderr("ignoring a malformed response")
    still_serving(s, uri)
