"""Well-framed bodies that are bad JSON or bad JSON-RPC. Each gets an error response with the
right code (-32700 with id null when the JSON cannot be read, -32600 with the request's id when
it can), and the server keeps serving its documents with their findings."""

from __future__ import annotations

import json

import pytest

from robust_util import (INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, error_code,  # noqa: F401
                         frame, rb, ready, still_serving, write_module)

pytestmark = pytest.mark.timeout(180)


def answers_since(s, since: int) -> list[dict]:
    with s.cond:
        return [m for m in s.messages[since:] if "method" not in m]


def send_and_check(s, uri, body: bytes, code: int, id=None) -> dict:
    """Sends body, then a marker request; the body must get exactly one error with code and
    id, and the marker its own answer."""
    mark = s.mark()
    s.send_bytes(frame(body))
    marker = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}}, id="marker")
    s.response(marker, since=mark)
    answers = [m for m in answers_since(s, mark) if m.get("id") != "marker"]
    assert len(answers) == 1, f"expected one answer to {body[:80]!r}, got {answers}"
    err = answers[0]
    assert error_code(err) == code, err
    assert "id" in err and err["id"] == id, f"id {err.get('id', 'missing')!r}, expected {id!r}"
    assert isinstance(err["error"].get("message"), str) and err["error"]["message"]
    still_serving(s, uri)
    return err


@pytest.fixture
def served(rb, tmp_path):
    root = write_module(tmp_path / "ws" / "m")
    return ready(rb, root)


INVALID_JSON = [
    ("truncated", b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"'),
    ("trailing garbage", b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"} x'),
    ("two objects", b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}{}'),
    ("bare words", b"shutdown please"),
    ("NaN", b'{"jsonrpc": "2.0", "id": NaN, "method": "x"}'),
    ("huge integer id", b'{"jsonrpc": "2.0", "id": 123456789012345678901234567890, "method": "x"}'),
    ("invalid escape", b'{"jsonrpc": "2.0", "id": 1, "method": "\\q"}'),
    ("lone surrogate escape", b'{"jsonrpc": "2.0", "id": 1, "method": "\\ud800"}'),
]


@pytest.mark.parametrize("what,body", INVALID_JSON, ids=[b[0] for b in INVALID_JSON])
def test_invalid_json(served, what, body):
    s, uri = served
    send_and_check(s, uri, body, PARSE_ERROR, None)


INVALID_UTF8 = [
    ("0xff in method", b'{"jsonrpc": "2.0", "id": 1, "method": "x\xffy"}'),
    ("truncated sequence in a uri", b'{"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", '
                                    b'"params": {"textDocument": {"uri": "file:///a\xc3.go"}, '
                                    b'"position": {"line": 0, "character": 0}}}'),
    ("overlong encoding", b'{"jsonrpc": "2.0", "id": 1, "method": "\xc0\xafx"}'),
    ("encoded surrogate", b'{"jsonrpc": "2.0", "id": 1, "method": "\xed\xa0\x80"}'),
    ("invalid UTF-8 in didOpen text",
     b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": '
     b'{"uri": "file:///tmp/u.go", "languageId": "go", "version": 1, "text": "package \xff"}}}'),
]


@pytest.mark.parametrize("what,body", INVALID_UTF8, ids=[b[0] for b in INVALID_UTF8])
def test_invalid_utf8_inside_strings(served, what, body):
    s, uri = served
    send_and_check(s, uri, body, PARSE_ERROR, None)


NOT_A_MESSAGE = [
    ("empty array", b"[]"),
    ("batch of one request", json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}]).encode()),
    ("number", b"42"),
    ("string", b'"initialize"'),
    ("null", b"null"),
    ("true", b"true"),
]


@pytest.mark.parametrize("what,body", NOT_A_MESSAGE, ids=[b[0] for b in NOT_A_MESSAGE])
def test_top_level_array_or_scalar(served, what, body):
    """A batch is not supported by LSP; a scalar is not a message. Both are invalid requests,
    and a shutdown inside a batch is not obeyed."""
    s, uri = served
    send_and_check(s, uri, body, INVALID_REQUEST, None)


@pytest.mark.parametrize("depth", [100, 5000, 200000])
def test_deep_nesting(served, depth):
    """Deeply nested params: readable nesting is answered normally (an unknown method here),
    nesting past the parser's limit is a parse error; neither overflows the stack."""
    s, uri = served
    body = (b'{"jsonrpc": "2.0", "id": 5, "method": "goescape/nested", "params": {"a": ' +
            b"[" * depth + b"]" * depth + b"}}")
    if depth <= 1000:
        send_and_check(s, uri, body, METHOD_NOT_FOUND, 5)
    else:
        send_and_check(s, uri, body, PARSE_ERROR, None)


WRONG_TYPES = [
    # (what, message, code, id in the answer)
    ("id is a float", {"jsonrpc": "2.0", "id": 1.5, "method": "shutdown"}, INVALID_REQUEST, None),
    ("id is an object", {"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}, INVALID_REQUEST, None),
    ("id is an array", {"jsonrpc": "2.0", "id": [1], "method": "shutdown"}, INVALID_REQUEST, None),
    ("id is a boolean", {"jsonrpc": "2.0", "id": True, "method": "shutdown"}, INVALID_REQUEST, None),
    ("method is a number", {"jsonrpc": "2.0", "id": 7, "method": 5}, INVALID_REQUEST, 7),
    ("method is null", {"jsonrpc": "2.0", "id": 8, "method": None}, INVALID_REQUEST, 8),
    ("method is an object", {"jsonrpc": "2.0", "id": "m", "method": {"x": 1}}, INVALID_REQUEST, "m"),
    ("params is a string", {"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover",
                            "params": "file:///x.go"}, INVALID_REQUEST, 9),
    ("params is a number", {"jsonrpc": "2.0", "id": 10, "method": "shutdown", "params": 3},
     INVALID_REQUEST, 10),
    ("jsonrpc is 1.0", {"jsonrpc": "1.0", "id": 11, "method": "shutdown"}, INVALID_REQUEST, 11),
    ("jsonrpc missing", {"id": 12, "method": "shutdown"}, INVALID_REQUEST, 12),
]


@pytest.mark.parametrize("what,msg,code,id", WRONG_TYPES, ids=[w[0] for w in WRONG_TYPES])
def test_wrong_types(served, what, msg, code, id):
    """Wrong types for id, method or params: -32600, carrying the id when it is a valid one;
    the shutdown inside is not obeyed."""
    s, uri = served
    send_and_check(s, uri, json.dumps(msg).encode(), code, id)


def test_wrong_type_notification_params_is_not_answered_but_logged(served):
    s, uri = served
    mark = s.mark()
    s.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": "nonsense"})
    s.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": [1, 2, 3]})
    s.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": 5, "text": None}}})
    marker = s.send_request("textDocument/codeLens", {"textDocument": {"uri": uri}})
    s.response(marker, since=mark)
    others = [m for m in answers_since(s, mark) if m.get("id") != marker]
    # A notification with non-structured params (the string) is an invalid message, answered
    # with id null; structured but wrong params (the array, the wrong types) are logged,
    # never answered.
    assert [(m.get("id", "missing"), error_code(m)) for m in others] == \
        [(None, INVALID_REQUEST)], others
    s.wait_stderr("didOpen with invalid params")
    still_serving(s, uri)


NUL_STRINGS = [
    ("NUL in method", b'{"jsonrpc": "2.0", "id": 20, "method": "shutdown\\u0000x"}'),
    ("NUL in id", b'{"jsonrpc": "2.0", "id": "a\\u0000b", "method": "shutdown"}'),
    ("NUL in a uri", b'{"jsonrpc": "2.0", "id": 21, "method": "textDocument/codeLens", '
                     b'"params": {"textDocument": {"uri": "file:///tmp/a.go\\u0000.txt"}}}'),
    ("NUL in document text", b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": '
                             b'{"textDocument": {"uri": "file:///tmp/n.go", "languageId": "go", '
                             b'"version": 1, "text": "package n\\u0000"}}}'),
    ("raw NUL byte in a string", b'{"jsonrpc": "2.0", "id": 22, "method": "shut\x00down"}'),
]


@pytest.mark.parametrize("what,body", NUL_STRINGS, ids=[b[0] for b in NUL_STRINGS])
def test_strings_with_nul(served, what, body):
    """A NUL inside a string must never be cut off silently (a method "shutdown\\0x" is not
    "shutdown"): such a body is refused as a parse error, and nothing in it is executed."""
    s, uri = served
    send_and_check(s, uri, body, PARSE_ERROR, None)
    # The server was not shut down by it.
    resp = s.request("textDocument/hover", {"textDocument": {"uri": uri},
                                            "position": {"line": 0, "character": 0}})
    assert "result" in resp, resp
