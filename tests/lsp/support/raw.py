"""A raw stdio client for what a well-behaved LSP client library never sends: malformed
frames, invalid JSON, requests in the wrong order. It speaks bytes to the server's stdin and
reads framed messages from its stdout."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from . import leftovers


def frame(body: bytes | str) -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.messages: list[dict] = []   # everything read, in order
        self._queue: asyncio.Queue = asyncio.Queue()
        self._reader = asyncio.create_task(self._read_loop())
        self._stderr = asyncio.create_task(self._drain_stderr())
        self.stderr = bytearray()
        self.killed = False  # the test ended it with SIGKILL (see sigkill)
        self._next_id = 1000
        self.tag = ""                    # GOESCAPE_TEST_TAG, set by the fixture
        self.tmpdir: Path | None = None  # the server's TMPDIR

    @classmethod
    async def start(cls, binary: str, *, env: dict[str, str] | None = None,
                    cwd: str | None = None, args: list[str] | None = None) -> "RawServer":
        proc = await asyncio.create_subprocess_exec(
            binary, *(args or []), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env or dict(os.environ), cwd=cwd)
        return cls(proc)

    async def _drain_stderr(self):
        assert self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):
            self.stderr += chunk

    async def _read_loop(self):
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = await out.readline()
                    if not line:
                        await self._queue.put(None)
                        return
                    line = line.rstrip(b"\r\n")
                    if not line:
                        break
                    k, _, v = line.decode("ascii").partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers["content-length"])
                body = await out.readexactly(n)
                msg = json.loads(body)
                self.messages.append(msg)
                await self._queue.put(msg)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self._queue.put(None)

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)

    def send(self, msg: dict | list | Any) -> None:
        self.send_bytes(frame(json.dumps(msg)))

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method: str, params: Any = None, id: Any = None) -> Any:
        if id is None:
            self._next_id += 1
            id = self._next_id
        msg: dict = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    async def recv(self, timeout: float = 10.0) -> dict | None:
        """The next message from the server, or None at end of output."""
        await self.proc.stdin.drain()
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def recv_response(self, id: Any = ..., timeout: float = 10.0) -> dict:
        """The next response (a message without a method), skipping notifications and
        answering the server's own requests with null. With id, the response must carry it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msg = await self.recv(max(0.01, deadline - loop.time()))
            assert msg is not None, "the server closed its output before answering"
            if "method" in msg:
                if "id" in msg:
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                continue
            if id is not ...:
                assert msg.get("id") == id, f"expected the response to {id!r}, got {msg}"
            return msg

    async def request(self, method: str, params: Any = None, timeout: float = 10.0) -> dict:
        id = self.send_request(method, params)
        return await self.recv_response(id, timeout)

    async def initialize(self, root_uri: str | None = None, capabilities: dict | None = None,
                         options: dict | None = None) -> dict:
        params: dict = {"processId": os.getpid(), "rootUri": root_uri,
                        "capabilities": capabilities or {}}
        if options is not None:
            params["initializationOptions"] = options
        resp = await self.request("initialize", params)
        assert "result" in resp, resp
        self.notify("initialized", {})
        return resp

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        if not self.proc.stdin.is_closing():
            self.proc.stdin.close()

    async def wait(self, timeout: float = 15.0) -> int:
        rc = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(asyncio.gather(self._reader, self._stderr, return_exceptions=True), 5)
        return rc

    async def sigkill(self) -> None:
        """Kills the server as an editor that gives up on it does; teardown then expects
        status -9 and still no process left behind."""
        self.killed = True
        if self.proc.returncode is None:
            self.proc.kill()
            try:
                # The wait ends only when its pipes close too: a child it left behind holds
                # them open.
                await asyncio.wait_for(self.proc.wait(), 5)
            except asyncio.TimeoutError:
                pass

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._reader.cancel()
        self._stderr.cancel()

    async def _end(self) -> tuple[int, ...] | None:
        """Ends a server the test left running the way a client should: shutdown, exit and
        end of input. Returns the exit statuses that ending allows: 0 after an answered
        shutdown (also one answered before, which a second shutdown may refuse), 1 when the
        server was never initialized."""
        id = self.send_request("shutdown")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while True:
            msg = await self.recv(max(0.01, deadline - loop.time()))
            assert msg is not None, "the server closed its output before answering shutdown"
            if "method" in msg:
                if "id" in msg:
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                continue
            if msg.get("id") == id:
                break
        code = (msg.get("error") or {}).get("code")
        self.notify("exit")
        self.close_stdin()
        await self.wait(20)
        if "result" in msg or code == -32600:
            return (0,)
        assert code == -32002, f"shutdown answered with {msg}"
        return (1,)

    async def finish(self) -> list[str]:
        """Ends the server if the test did not, then lists what it left behind."""
        name = f"server {self.proc.pid}"
        found: list[str] = []
        expected: tuple[int, ...] | None = None  # a test that ended it checked its status
        if self.proc.returncode is None:
            try:
                expected = await self._end()
            except (AssertionError, asyncio.TimeoutError, OSError) as e:
                found.append(f"{name} did not shut down: {type(e).__name__}: {e}")
                await self.kill()
        await asyncio.wait([self._stderr], timeout=5)
        await self.kill()
        found += await asyncio.to_thread(
            leftovers.problems, name, returncode=self.proc.returncode, expected=expected,
            stderr=self.stderr.decode("utf-8", "replace"), tag=self.tag, tmpdir=self.tmpdir,
            killed=self.killed)
        return found
