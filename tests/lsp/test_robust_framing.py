"""Bad framing on stdin: each gets a parse error (id null) or a log line, the stream
resynchronises at the next "Content-Length" header, and the server goes on serving with its
documents and findings intact. A body cut short by end of input ends the server cleanly."""

from __future__ import annotations

import json

import pytest

from robust_util import (PARSE_ERROR, REQUEST_FAILED, error_code, fakego, fakego_bin, frame,  # noqa: F401
                         measured_memory, rb,
                         ready, still_serving, write_module)

pytestmark = pytest.mark.timeout(180)

HOVER = {"jsonrpc": "2.0", "id": "after", "method": "textDocument/codeLens",
         "params": {"textDocument": {"uri": "file:///nowhere/x.go"}}}


def then_request() -> bytes:
    return frame(json.dumps(HOVER))


def check_after(resp: dict) -> None:
    """The answer to HOVER, read whole after the bad input: the document is not open."""
    assert error_code(resp) == REQUEST_FAILED and "not open" in resp["error"]["message"], resp


def parse_errors(s, since: int) -> list[dict]:
    with s.cond:
        return [m for m in s.messages[since:] if "method" not in m and error_code(m) == PARSE_ERROR]


def check_answered_and_resynced(s, uri, since: int, log_needle: str | None = None) -> None:
    """The bad frame got a parse error with id null, the request after it was read."""
    check_after(s.response("after", since=since))
    errs = parse_errors(s, since)
    assert errs, f"no parse error for the bad frame; stderr:\n{s.stderr[-2000:]}"
    assert [e.get("id", "missing") for e in errs] == [None] * len(errs), errs
    if log_needle:
        s.wait_stderr(log_needle, 10)
    still_serving(s, uri)


BAD_HEADERS = [
    ("missing Content-Length", b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}"),
    ("non-numeric Content-Length", b"Content-Length: ten\r\n\r\n{}"),
    ("negative Content-Length", b"Content-Length: -5\r\n\r\n{}"),
    ("empty Content-Length", b"Content-Length: \r\n\r\n{}"),
    ("Content-Length with trailing junk", b"Content-Length: 2x\r\n\r\n{}"),
    ("header line without colon", b"Content-Length 2\r\n\r\n{}"),
    ("garbage before a header", b"\x00\xff\xfegarbage\r\n\r\n"),
    ("duplicated Content-Length (same value)", b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
    ("duplicated Content-Length (different values)",
     b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
]


@pytest.mark.parametrize("what,data", BAD_HEADERS, ids=[b[0] for b in BAD_HEADERS])
def test_bad_header(rb, tmp_path, what, data):
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    s.send_bytes(data + then_request())
    check_answered_and_resynced(s, uri, mark, "bad message framing")


def test_huge_content_length_is_skipped(rb, tmp_path):
    """A Content-Length past the body cap (128 MB) is refused; its body is discarded as it
    streams past, and the next message is read."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    n = (128 << 20) + 1
    s.send_bytes(b"Content-Length: %d\r\n\r\n" % n)
    chunk = b"x" * (1 << 20)
    sent = 0
    while sent < n:
        part = chunk[: min(len(chunk), n - sent)]
        s.send_bytes(part)
        sent += len(part)
    s.send_bytes(then_request())
    check_answered_and_resynced(s, uri, mark)
    assert not measured_memory() or s.hwm_kb() < 256 * 1024, f"the server grew to {s.hwm_kb()} kB on a skipped body"


def test_absurd_content_length(rb, tmp_path):
    """A Content-Length that does not fit in 64 bits."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    s.send_bytes(b"Content-Length: 99999999999999999999999999999\r\n\r\n{}" + then_request())
    check_answered_and_resynced(s, uri, mark)


def test_header_block_too_long(rb, tmp_path):
    """A header block past its 8 KB cap."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    s.send_bytes(b"X-Padding: " + b"a" * 20000 + b"\r\nContent-Length: 2\r\n\r\n{}" +
                 then_request())
    check_answered_and_resynced(s, uri, mark)


def test_header_without_blank_line(rb, tmp_path):
    """The body follows the header line directly; the body bytes become a bad header line."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    body = json.dumps({"jsonrpc": "2.0", "id": "lost", "method": "shutdown"}).encode()
    s.send_bytes(b"Content-Length: %d\r\n" % len(body) + body + b"\r\n\r\n" + then_request())
    check_answered_and_resynced(s, uri, mark)
    # The shutdown inside the broken frame must not have been obeyed.
    assert not [m for m in s.messages[mark:] if m.get("id") == "lost"], \
        "a request inside a broken frame was executed"


def test_bare_lf_headers_are_accepted(rb, tmp_path):
    """Header lines ending in a bare "\\n" are tolerated (not an error)."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    body = json.dumps(HOVER).encode()
    s.send_bytes(b"Content-Length: %d\n\n" % len(body) + body)
    check_after(s.response("after", since=mark))
    assert not parse_errors(s, mark)
    still_serving(s, uri)


def test_short_body_then_eof(rb, tmp_path):
    """A body shorter than declared, then end of input: the server logs it, stops without a
    crash or hang, and leaves no process behind."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    s.send_bytes(b"Content-Length: 500\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 9, \"meth")
    s.close_stdin()
    rc = s.wait_exit(20)
    assert rc == 1, f"exit status {rc} at end of input without shutdown"
    assert "stdin closed" in s.stderr or "end of input" in s.stderr, s.stderr[-2000:]


def test_ten_thousand_messages_in_one_write(rb, tmp_path):
    """10,000 requests arrive in a single write: every one is answered, in order, and the
    server stays responsive."""
    root = write_module(tmp_path / "ws" / "m")
    s, uri = ready(rb, root)
    mark = s.mark()
    n = 10000
    blob = b"".join(frame(json.dumps({
        "jsonrpc": "2.0", "id": f"b{i}", "method": "textDocument/codeLens",
        "params": {"textDocument": {"uri": uri}}})) for i in range(n))
    s.send_bytes(blob)
    s.response(f"b{n - 1}", timeout=60, since=mark)
    with s.cond:
        ids = [m.get("id") for m in s.messages[mark:] if "method" not in m]
    assert ids == [f"b{i}" for i in range(n)], \
        f"{len(ids)} responses; first out of order at " \
        f"{next((i for i, x in enumerate(ids) if x != f'b{i}'), None)}"
    with s.cond:
        bad = [m for m in s.messages[mark:] if "method" not in m and "result" not in m]
    assert not bad, bad[:3]
    still_serving(s, uri)
