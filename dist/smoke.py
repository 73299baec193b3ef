#!/usr/bin/env python3
"""LSP smoke test of one goescape binary, with nothing but the standard library.

Usage: smoke.py [--wrapper CMD] GOESCAPE [MODULE_DIR]

Starts the binary (under CMD, such as qemu-aarch64, when given) on stdio, initializes, opens
escapes.go of a copy of MODULE_DIR (default: examples/), waits for its diagnostics, checks
that they name heap escapes, then shuts down and exits, and requires exit status 0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_S = 180


def send(proc, msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def receive(proc):
    length = None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("smoke: the server closed its output")
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return json.loads(proc.stdout.read(length))


def until(proc, want, deadline):
    """Reads messages until want(msg) holds, answering the server's own requests."""
    while time.monotonic() < deadline:
        msg = receive(proc)
        if "method" in msg and "id" in msg:
            send(proc, {"jsonrpc": "2.0", "id": msg["id"], "result": None})
        if want(msg):
            return msg
    raise SystemExit("smoke: timed out")


def main() -> int:
    args = sys.argv[1:]
    wrapper = []
    if args[:1] == ["--wrapper"]:
        wrapper, args = [args[1]], args[2:]
    binary = os.path.abspath(args[0])
    src = Path(args[1]) if len(args) > 1 else Path(__file__).resolve().parent.parent / "examples"
    deadline = time.monotonic() + TIMEOUT_S
    with tempfile.TemporaryDirectory(prefix="goescape-smoke-") as tmp:
        mod = Path(tmp) / "mod"
        shutil.copytree(src, mod)
        path = mod / "escapes.go"
        log = open(Path(tmp) / "stderr.log", "w+b")
        proc = subprocess.Popen(wrapper + [binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=log, cwd=tmp, env=dict(os.environ))
        ok = False
        try:
            send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"processId": os.getpid(), "rootUri": mod.as_uri(),
                                   "capabilities": {}}})
            init = until(proc, lambda m: m.get("id") == 1, deadline)
            print("smoke: server", init["result"].get("serverInfo"))
            send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
            send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen",
                        "params": {"textDocument": {"uri": path.as_uri(), "languageId": "go",
                                                    "version": 1, "text": path.read_text()}}})
            diags = until(proc, lambda m: m.get("method") == "textDocument/publishDiagnostics"
                          and m["params"]["uri"] == path.as_uri() and m["params"]["diagnostics"],
                          deadline)["params"]["diagnostics"]
            messages = [d["message"] for d in diags]
            print(f"smoke: {len(diags)} diagnostics, first: {messages[0]!r}")
            if not any("heap" in m or "escape" in m for m in messages):
                raise SystemExit("smoke: no diagnostic names a heap escape")
            send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            until(proc, lambda m: m.get("id") == 2, deadline)
            send(proc, {"jsonrpc": "2.0", "method": "exit"})
            code = proc.wait(timeout=30)
            ok = code == 0
        finally:
            if not ok:
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            log.close()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if code != 0:
        raise SystemExit(f"smoke: exit status {code}")
    print("smoke: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
