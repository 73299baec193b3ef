"""A small LSP client over raw stdio for the benchmarks (Python standard library only).

Every incoming message is stamped with the moment its last byte was read from the pipe, before
it is decoded, so a large publishDiagnostics that the client is still decoding never delays
the timestamps of the messages behind it. Large notifications are kept as raw bytes and decoded
only when a waiter asks about them.
"""

import json
import os
import re
import subprocess
import threading
import time
import urllib.parse

now = time.perf_counter

# Notifications larger than this are decoded lazily.
EAGER_LIMIT = 64 * 1024
_LEN_RE = re.compile(rb"content-length:\s*(\d+)", re.I)
_PUBLISH = b'"method":"textDocument/publishDiagnostics"'


def path_uri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


class LspError(Exception):
    pass


class Message:
    """One notification from the server: arrival time, raw body, decoded on demand."""

    __slots__ = ("t", "raw", "_obj")

    def __init__(self, t, raw, obj=None):
        self.t = t
        self.raw = raw
        self._obj = obj

    @property
    def obj(self):
        if self._obj is None:
            self._obj = json.loads(self.raw)
        return self._obj



def proc_cpu_seconds(pid):
    """CPU time (user + system) process pid has used so far, or None once gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    """A field of /proc/<pid>/status in kB (VmHWM, VmRSS), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None

class Client:
    """One language server process and the messages it sent."""

    def __init__(self, name, argv, env=None, cwd=None, log_path=None, settings=None,
                 config_section=None):
        self.name = name
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.settings = settings if settings is not None else {}
        self.config_section = config_section
        self.proc = None
        self.t_spawn = None
        self._wlock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 0
        self._responses = {}  # id -> (t, obj)
        self.notes = []  # Message, in arrival order
        self.closed = False
        self._reader = None

    # process

    def start(self):
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.t_spawn = now()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, env=self.env, cwd=self.cwd, bufsize=0)
        if log is not subprocess.DEVNULL:
            log.close()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def cpu_seconds(self):
        """CPU time (user + system) the server process has used so far, or None once gone."""
        return proc_cpu_seconds(self.proc.pid)

    def proc_status(self, key):
        """A field of /proc/<pid>/status in kB (VmHWM, VmRSS), or None."""
        return proc_status(self.proc.pid, key)

    def stop(self, timeout=10):
        self.save_messages()
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.request("shutdown", None, timeout=timeout)
            self.notify("exit", None)
        except (LspError, OSError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def save_messages(self):
        """Appends the server's window/logMessage and showMessage texts to its log."""
        if not self.log_path:
            return
        with self._cond:
            notes = list(self.notes)
        with open(self.log_path, "a", encoding="utf-8") as f:
            for m in notes:
                if b'"window/logMessage"' in m.raw or b'"window/showMessage"' in m.raw:
                    p = m.obj.get("params") or {}
                    f.write("[%s] %s\n" % (m.obj.get("method"), p.get("message", "")))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # writing

    @staticmethod
    def frame(obj):
        body = json.dumps(obj, separators=(",", ":")).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def write_raw(self, data):
        """Writes bytes; returns the time just before the first byte went out."""
        with self._wlock:
            t = now()
            view = memoryview(data)
            fd = self.proc.stdin.fileno()
            while view:
                n = os.write(fd, view)
                view = view[n:]
        return t

    def notify(self, method, params):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        return self.write_raw(self.frame(msg))

    def new_id(self):
        with self._cond:
            self._next_id += 1
            return self._next_id

    def request_frame(self, method, params):
        rid = self.new_id()
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        return rid, self.frame(msg)

    def send_request(self, method, params):
        """Sends a request; returns (id, send time)."""
        rid, data = self.request_frame(method, params)
        return rid, self.write_raw(data)

    def wait_response(self, rid, timeout=60):
        """Returns (arrival time, response object)."""
        deadline = now() + timeout
        with self._cond:
            while rid not in self._responses:
                left = deadline - now()
                if left <= 0 or self.closed:
                    raise TimeoutError("%s: no response to request %d" % (self.name, rid))
                self._cond.wait(min(left, 1.0))
            return self._responses.pop(rid)

    def request(self, method, params, timeout=60):
        rid, _ = self.send_request(method, params)
        _, resp = self.wait_response(rid, timeout)
        if "error" in resp:
            raise LspError("%s: %s failed: %s" % (self.name, method, resp["error"]))
        return resp.get("result")

    # reading

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        pos = 0
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError:
                chunk = b""
            t = now()
            if not chunk:
                break
            buf += chunk
            while True:
                hdr_end = buf.find(b"\r\n\r\n", pos)
                if hdr_end < 0:
                    break
                m = _LEN_RE.search(buf, pos, hdr_end)
                if m is None:
                    raise LspError("%s: frame without Content-Length" % self.name)
                start = hdr_end + 4
                end = start + int(m.group(1))
                if len(buf) < end:
                    break
                self._dispatch(t, bytes(buf[start:end]))
                pos = end
            if pos > 0:
                del buf[:pos]
                pos = 0
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def _dispatch(self, t, raw):
        if len(raw) > EAGER_LIMIT and _PUBLISH in raw:
            with self._cond:
                self.notes.append(Message(t, raw))
                self._cond.notify_all()
            return
        obj = json.loads(raw)
        if "method" in obj and "id" in obj:
            self._answer(obj)
            return
        with self._cond:
            if "method" in obj:
                self.notes.append(Message(t, raw, obj))
            else:
                self._responses[obj.get("id")] = (t, obj)
            self._cond.notify_all()

    def _answer(self, req):
        """Answers the server's own requests the way a plain editor would."""
        method = req["method"]
        result = None
        if method == "workspace/configuration":
            items = (req.get("params") or {}).get("items") or []
            result = []
            for it in items:
                sec = it.get("section")
                if self.config_section and sec == self.config_section:
                    result.append(self.settings)
                elif sec is None:
                    result.append({self.config_section: self.settings}
                                  if self.config_section else self.settings)
                else:
                    result.append(None)
        elif method == "workspace/applyEdit":
            result = {"applied": False}
        resp = {"jsonrpc": "2.0", "id": req["id"], "result": result}
        try:
            self.write_raw(self.frame(resp))
        except OSError:
            pass

    def note_count(self):
        with self._cond:
            return len(self.notes)

    def wait_note(self, match, start=0, timeout=60, raw_filter=None):
        """Waits for a notification from index start on for which match(obj) is true.
        raw_filter(bytes) can reject messages before they are decoded. Returns
        (index, Message)."""
        deadline = now() + timeout
        i = start
        while True:
            with self._cond:
                while i >= len(self.notes):
                    left = deadline - now()
                    if left <= 0 or self.closed:
                        raise TimeoutError("%s: notification not seen" % self.name)
                    self._cond.wait(min(left, 1.0))
                batch = self.notes[i:]
            for k, msg in enumerate(batch):
                if raw_filter is not None and not raw_filter(msg.raw):
                    continue
                if match(msg.obj):
                    return i + k, msg
            i += len(batch)

    # LSP conveniences

    def initialize(self, root, init_options=None, utf8=False, timeout=120):
        caps = {
            "general": {"positionEncodings": ["utf-8", "utf-16"] if utf8 else ["utf-16"]},
            "textDocument": {
                "synchronization": {"didSave": True, "dynamicRegistration": False},
                "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "inlayHint": {"dynamicRegistration": False},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                    "", "quickfix", "refactor", "source",
                    "source.toggleCompilerOptDetails"]}}},
            },
            "workspace": {
                "configuration": True,
                "workspaceFolders": True,
                "didChangeConfiguration": {"dynamicRegistration": False},
                "executeCommand": {"dynamicRegistration": False},
            },
            "window": {"workDoneProgress": False},
        }
        params = {
            "processId": os.getpid(),
            "rootUri": path_uri(root),
            "workspaceFolders": [{"uri": path_uri(root), "name": os.path.basename(root)}],
            "capabilities": caps,
        }
        if init_options is not None:
            params["initializationOptions"] = init_options
        result = self.request("initialize", params, timeout=timeout)
        self.notify("initialized", {})
        return result

    def did_open(self, path, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": path_uri(path), "languageId": "go", "version": version, "text": text}})

    def did_open_frame(self, path, text, version=1):
        return self.frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": path_uri(path), "languageId": "go", "version": version,
                             "text": text}}})

    def did_change_frame(self, path, version, line_from, line_to, text):
        """Replaces whole lines [line_from, line_to) with text."""
        return self.frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": path_uri(path), "version": version},
            "contentChanges": [{"range": {"start": {"line": line_from, "character": 0},
                                          "end": {"line": line_to, "character": 0}},
                                "text": text}]}})

    def did_save_frame(self, path):
        return self.frame({"jsonrpc": "2.0", "method": "textDocument/didSave",
                           "params": {"textDocument": {"uri": path_uri(path)}}})


def diagnostics_waiter(uri, predicate):
    """A match function for publishDiagnostics of uri whose list satisfies predicate."""
    def match(obj):
        if obj.get("method") != "textDocument/publishDiagnostics":
            return False
        p = obj.get("params") or {}
        return p.get("uri") == uri and predicate(p.get("diagnostics") or [])
    return match


def publish_filter(uri):
    """A raw pre-filter for publishDiagnostics of uri (the URI is ASCII-escaped in JSON)."""
    key = json.dumps(uri).encode()
    def f(raw):
        return _PUBLISH in raw and key in raw
    return f
