#!/usr/bin/env python3
"""A scripted stand-in for gopls, for the companion-mode tests: it speaks LSP over stdio and
misbehaves on cue. FAKE_GOPLS_MODE picks the misbehaviour:
  normal      answers everything it knows;
  crash       exits with status 3 on textDocument/completion, before answering;
  hang        ignores shutdown, exit and end of input, and SIGTERM: only SIGKILL ends it;
  malformed   writes a frame of invalid JSON and a frame with no Content-Length before each
              completion answer;
  huge        answers completion with FAKE_GOPLS_ITEMS items (a message of many megabytes);
  hold-hints  answers textDocument/inlayHint (with no hints) only when fake/release comes, as
              gopls does while it loads the workspace.
After initialized it asks the client for workspace/configuration with id 1, an id the client
also uses. fake/report answers with what it has seen; fake/slow answers only when cancelled;
fake/flood sends the client params.count workspace/configuration requests (ids "flood-N") at
once; fake/publish publishes params.diagnostics for params.uri, with params.version when
given. FAKE_GOPLS_PIDFILE, when set, gets its process id (one line per start)."""

import json
import os
import signal
import sys
import time

MODE = os.environ.get("FAKE_GOPLS_MODE", "normal")
inp = sys.stdin.buffer
out = sys.stdout.buffer
seen = {"config": None, "init_options": "absent", "settings": [], "cancelled": [], "responses": [],
        "methods": []}
slow: set = set()
held: list = []


def write(msg) -> None:
    body = json.dumps(msg).encode()
    out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    out.flush()


def read():
    length = None
    while True:
        line = inp.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
    return json.loads(inp.read(length))


def reply(msg, result) -> None:
    write({"jsonrpc": "2.0", "id": msg["id"], "result": result})


def main() -> None:
    if pidfile := os.environ.get("FAKE_GOPLS_PIDFILE"):
        with open(pidfile, "a") as f:
            f.write(f"{os.getpid()}\n")
    if MODE == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        msg = read()
        if msg is None:
            break
        method = msg.get("method")
        if method is None:
            seen["responses"].append(msg)
            if msg.get("id") == 1:
                seen["config"] = msg.get("result")
            continue
        seen["methods"].append(method)
        if method == "initialize":
            seen["init_options"] = msg["params"].get("initializationOptions", "absent")
            reply(msg, {"capabilities": {
                "positionEncoding": "utf-16", "hoverProvider": True,
                "completionProvider": {"triggerCharacters": ["."]},
                "definitionProvider": True,
                "executeCommandProvider": {"commands": ["gopls.fake"]}},
                "serverInfo": {"name": "gopls", "version": "fake"}})
        elif method == "workspace/didChangeConfiguration":
            seen["settings"].append(msg["params"].get("settings", "absent"))
        elif method == "initialized":
            write({"jsonrpc": "2.0", "id": 1, "method": "workspace/configuration",
                   "params": {"items": [{"section": "gopls"}]}})
        elif method == "textDocument/completion":
            if MODE == "crash":
                os._exit(3)
            if MODE == "malformed":
                out.write(b"Content-Length: 9\r\n\r\n{\"oops\": ")
                out.write(b"Content-Type: nothing\r\n\r\n{}")
                out.flush()
            n = int(os.environ.get("FAKE_GOPLS_ITEMS", "2"))
            items = [{"label": f"Item{i:08d}", "detail": "x" * 40} for i in range(n)]
            items[0]["label"] = "Println"
            reply(msg, {"isIncomplete": False, "items": items})
        elif method == "textDocument/hover":
            reply(msg, {"contents": {"kind": "markdown", "value": "gopls says hello"}})
        elif method == "textDocument/inlayHint":
            if MODE == "hold-hints":
                held.append(msg)
            else:
                reply(msg, [])
        elif method == "fake/release":
            for h in held:
                reply(h, [])
            held.clear()
            reply(msg, "released")
        elif method == "workspace/executeCommand":
            reply(msg, {"ran": msg["params"]["command"]})
        elif method == "fake/report":
            reply(msg, seen)
        elif method == "fake/ask":
            write({"jsonrpc": "2.0", "id": "fake-ask", "method": "window/showMessageRequest",
                   "params": {"type": 3, "message": "pick", "actions": [{"title": "A"}]}})
            write({"jsonrpc": "2.0", "id": 2, "method": "window/workDoneProgress/create",
                   "params": {"token": "fake-token"}})
            write({"jsonrpc": "2.0", "id": 3, "method": "workspace/configuration",
                   "params": {"items": [{"section": "gopls"}]}})
            write({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 3}})
            reply(msg, "asked")
        elif method == "fake/flood":
            for i in range(msg["params"]["count"]):
                write({"jsonrpc": "2.0", "id": f"flood-{i}", "method": "workspace/configuration",
                       "params": {"items": [{"section": "gopls"}]}})
            reply(msg, "flooded")
        elif method == "fake/publish":
            p = msg["params"]
            params = {"uri": p["uri"], "diagnostics": p["diagnostics"]}
            if "version" in p:
                params["version"] = p["version"]
            write({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                   "params": params})
            reply(msg, "published")
        elif method == "fake/slow":
            slow.add(json.dumps(msg["id"]))
        elif method == "$/cancelRequest":
            key = json.dumps(msg["params"]["id"])
            seen["cancelled"].append(msg["params"]["id"])
            if key in slow:
                slow.discard(key)
                write({"jsonrpc": "2.0", "id": msg["params"]["id"],
                       "error": {"code": -32800, "message": "cancelled"}})
        elif method == "shutdown":
            if MODE != "hang":
                reply(msg, None)
        elif method == "exit":
            if MODE != "hang":
                sys.exit(0)
        elif "id" in msg:
            write({"jsonrpc": "2.0", "id": msg["id"],
                   "error": {"code": -32601, "message": f"fake gopls: no {method}"}})
    if MODE == "hang":
        while True:
            time.sleep(60)


if __name__ == "__main__":
    main()
