"""Helpers for the robustness tests (test_robust_*.py): a synchronous raw LSP client over the
real binary's stdio, the fake go command (tests/fakego/fakego.c, built once per session with
cc), small Go modules to work on, and the checks every robustness test ends with.

Every server started here carries a unique GOESCAPE_TEST_TAG in its environment. The go
command and the compiler inherit it, so after a test any live process whose environment
holds the tag is a process the server left behind, whatever its parent or process group
(support/leftovers.py, shared with the other fixtures).

The client never hides a misbehaving server: every wait has a hard timeout, a server that
does not exit is killed and reported, and the fixture's teardown fails the test when the
exit status is wrong, a sanitizer reported something, a tagged process survives or the
server's private temporary directory is left behind.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from support import leftovers

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FAKEGO_SRC = REPO / "tests" / "fakego" / "fakego.c"
RECORDINGS = REPO / "tests" / "fixtures" / "recordings"
TESTMOD = REPO / "tests" / "fixtures" / "testmod"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002
REQUEST_FAILED = -32803
REQUEST_CANCELLED = -32800

# The outgoing queue cap of server/io/transport.h (GE_OUT_QUEUE_MAX) and the compiler-output
# cap of server/io/job.h (GE_JOB_STDERR_MAX).
OUT_QUEUE_MAX = 64 << 20
JOB_STDERR_MAX = 64 << 20


def binary() -> str:
    return os.environ.get("GOESCAPE_BIN") or str(REPO / "build" / "goescape")


def measured_memory() -> bool:
    """False when the server runs under AddressSanitizer or valgrind, whose own memory use
    (shadow memory, quarantine) makes RSS bounds meaningless; the bounds are then skipped."""
    import functools

    @functools.lru_cache(maxsize=None)
    def check(path: str) -> bool:
        try:
            with open(path, "rb") as f:
                data = f.read(64 << 20)
        except OSError:
            return True
        if data.startswith(b"#!"):
            return b"valgrind" not in data
        return b"__asan_init" not in data

    return check(binary())


def under_valgrind() -> bool:
    """True when GOESCAPE_BIN is a wrapper that runs the server under valgrind, which keeps
    its own log descriptor open in the server's children."""
    try:
        with open(binary(), "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and b"valgrind" in head


def real_go() -> str:
    go = shutil.which("go")
    assert go, "the robustness tests need the go command on PATH"
    return os.path.realpath(go)


def frame(body: bytes | str) -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


# -- processes ------------------------------------------------------------------------------

def proc_state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    return data[data.rfind(")") + 2:].split()[0]


def alive(pid: int) -> bool:
    s = proc_state(pid)
    return s is not None and s != "Z"


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


tagged = leftovers.tagged


def wait_gone(pids, timeout: float) -> list[int]:
    """Waits until none of pids is alive; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids if p and alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def vm_kb(pid: int, key: str) -> int:
    """VmRSS, VmHWM, ... of pid in kB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# -- the client -----------------------------------------------------------------------------

class Server:
    """One goescape process and a raw client on its stdio.

    A reader thread parses framed messages from stdout into `messages`; the server's own
    requests are answered at once (workspace/configuration with the current settings,
    anything else with null) unless auto_reply is off. stderr is collected in `stderr`."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, read: bool):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd, bufsize=0)
        self.pid = self.proc.pid
        self.messages: list[dict] = []
        self.cond = threading.Condition()
        self.eof = False
        self.bad_output: list[str] = []
        self._stderr = bytearray()
        self.settings: dict = {}
        self.auto_reply = True
        self.next_id = 1
        self._write_lock = threading.Lock()
        self._err_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._err_thread.start()
        self._out_thread: threading.Thread | None = None
        if read:
            self.start_reading()

    # stdout / stderr ---------------------------------------------------------------------

    def start_reading(self) -> None:
        if self._out_thread is None:
            self._out_thread = threading.Thread(target=self._read_stdout, daemon=True)
            self._out_thread.start()

    def _read_stderr(self) -> None:
        while True:
            chunk = self.proc.stderr.read(65536)
            if not chunk:
                return
            with self.cond:
                self._stderr += chunk

    def _read_stdout(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                headers = {}
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.rstrip(b"\r\n")
                    if not line:
                        break
                    k, _, v = line.decode("ascii", "replace").partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length", "-1"))
                if n < 0:
                    self.bad_output.append(f"a frame without Content-Length: {headers}")
                    return
                body = b""
                while len(body) < n:
                    chunk = out.read(n - len(body))
                    if not chunk:
                        self.bad_output.append("output ended inside a body")
                        return
                    body += chunk
                try:
                    msg = json.loads(body)
                except ValueError as e:
                    self.bad_output.append(f"invalid JSON from the server: {e}: {body[:200]!r}")
                    continue
                if "method" in msg and "id" in msg and self.auto_reply:
                    self._answer(msg)
                with self.cond:
                    self.messages.append(msg)
                    self.cond.notify_all()
        except (OSError, ValueError):
            return
        finally:
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def read_sync(self, timeout: float = 30.0) -> dict:
        """Reads one message without the reader thread (for tests that must control when
        stdout is read, or close it)."""
        import select

        assert self._out_thread is None, "the reader thread owns stdout"
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        buf = getattr(self, "_sync_buf", b"")

        def more() -> None:
            nonlocal buf
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"no message from the server within {timeout}s")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise AssertionError("the server closed its output")
            buf += chunk

        while b"\r\n\r\n" not in buf:
            more()
        head, _, rest = buf.partition(b"\r\n\r\n")
        n = int(dict(l.split(b":", 1) for l in head.split(b"\r\n"))[b"Content-Length"])
        while len(rest) < n:
            buf = head + b"\r\n\r\n" + rest
            more()
            head, _, rest = buf.partition(b"\r\n\r\n")
        self._sync_buf = rest[n:]
        msg = json.loads(rest[:n])
        with self.cond:
            self.messages.append(msg)
        return msg

    def request_sync(self, method: str, params: Any = None, timeout: float = 30.0) -> dict:
        id = self.send_request(method, params)
        while True:
            msg = self.read_sync(timeout)
            if "method" in msg and "id" in msg:
                self._answer(msg)
            elif "method" not in msg and msg.get("id") == id:
                return msg

    def _answer(self, msg: dict) -> None:
        result: Any = None
        if msg["method"] == "workspace/configuration":
            items = (msg.get("params") or {}).get("items") or [{}]
            result = [self.settings for _ in items]
        try:
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        except OSError:
            pass

    @property
    def stderr(self) -> str:
        with self.cond:
            return self._stderr.decode("utf-8", "replace")

    # sending -----------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, msg: Any) -> None:
        self.send_bytes(frame(json.dumps(msg)))

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def send_request(self, method: str, params: Any = None, id: Any = None) -> Any:
        if id is None:
            id = self.next_id
            self.next_id += 1
        msg: dict = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    # waiting -----------------------------------------------------------------------------

    def mark(self) -> int:
        with self.cond:
            return len(self.messages)

    def wait_for(self, pred: Callable[[dict], bool], what: str, timeout: float = 30.0,
                 since: int = 0) -> dict:
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.messages):
                    m = self.messages[i]
                    i += 1
                    if pred(m):
                        return m
                if self.eof:
                    raise AssertionError(f"the server closed its output while waiting for "
                                         f"{what} (exit status {self.proc.poll()})\n"
                                         f"{self.stderr[-3000:]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n"
                                         f"stderr:\n{self.stderr[-3000:]}")
                self.cond.wait(min(left, 0.5))

    def response(self, id: Any, timeout: float = 30.0, since: int = 0) -> dict:
        return self.wait_for(lambda m: "method" not in m and m.get("id") == id and
                             ("result" in m or "error" in m), f"the response to {id!r}",
                             timeout, since)

    def request(self, method: str, params: Any = None, timeout: float = 30.0) -> dict:
        since = self.mark()
        return self.response(self.send_request(method, params), timeout, since)

    def result(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        resp = self.request(method, params, timeout)
        assert "result" in resp, f"{method} failed: {resp}"
        return resp["result"]

    def notifications(self, method: str, since: int = 0) -> list[dict]:
        with self.cond:
            return [m["params"] for m in self.messages[since:]
                    if m.get("method") == method and "id" not in m]

    def wait_notification(self, method: str, pred: Callable[[dict], bool] = lambda p: True,
                          what: str | None = None, timeout: float = 60.0,
                          since: int = 0) -> dict:
        m = self.wait_for(lambda m: m.get("method") == method and "id" not in m and
                          pred(m.get("params") or {}), what or method, timeout, since)
        return m.get("params") or {}

    def wait_stderr(self, needle: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.stderr:
                return self.stderr
            time.sleep(0.05)
        raise AssertionError(f"no log line with {needle!r} within {timeout}s:\n"
                             f"{self.stderr[-3000:]}")

    # LSP helpers -------------------------------------------------------------------------

    def initialize(self, root: Path | None, settings: dict | None = None, *,
                   utf8: bool = False, configuration: bool = False) -> dict:
        caps: dict = {
            "window": {"workDoneProgress": True, "showMessage": {}},
            "workspace": {"configuration": configuration, "workspaceFolders": True,
                          "inlayHint": {"refreshSupport": True},
                          "codeLens": {"refreshSupport": True}},
            "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                             "inlayHint": {}, "codeLens": {},
                             "publishDiagnostics": {"relatedInformation": True}},
        }
        if utf8:
            caps["general"] = {"positionEncodings": ["utf-8", "utf-16"]}
        self.settings = dict(settings or {})
        params: dict = {"processId": os.getpid(), "capabilities": caps,
                        "rootUri": root.as_uri() if root else None}
        if root is not None:
            params["workspaceFolders"] = [{"uri": root.as_uri(), "name": root.name}]
        if settings is not None:
            params["initializationOptions"] = {"goescape": settings}
        if self._out_thread is None:
            resp = self.request_sync("initialize", params)
        else:
            resp = self.request("initialize", params)
        assert "result" in resp, resp
        self.notify("initialized", {})
        return resp["result"]

    def open(self, path_or_uri: Path | str, text: str | None = None, version: int = 1) -> str:
        if isinstance(path_or_uri, Path):
            uri = path_or_uri.as_uri()
            if text is None:
                text = path_or_uri.read_text(encoding="utf-8")
        else:
            uri = path_or_uri
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "go", "version": version, "text": text or ""}})
        return uri

    def change(self, uri: str, version: int, changes: list[dict]) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": changes})

    def save(self, uri: str) -> None:
        self.notify("textDocument/didSave", {"textDocument": {"uri": uri}})

    def close_doc(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def inlay(self, uri: str, timeout: float = 30.0) -> Any:
        return self.result("textDocument/inlayHint", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0},
                      "end": {"line": 100000, "character": 0}}}, timeout)

    def hover(self, uri: str, line: int, character: int, timeout: float = 30.0) -> dict:
        return self.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
            timeout)

    def code_lens(self, uri: str, timeout: float = 30.0) -> Any:
        return self.result("textDocument/codeLens", {"textDocument": {"uri": uri}}, timeout)

    def diagnostics(self, uri: str, since: int = 0, timeout: float = 120.0,
                    nonempty: bool = True) -> list[dict]:
        """Waits for a publishDiagnostics for uri (non-empty unless told otherwise)."""
        p = self.wait_notification(
            "textDocument/publishDiagnostics",
            lambda p: p.get("uri") == uri and (bool(p.get("diagnostics")) or not nonempty),
            f"diagnostics for {uri}", timeout, since)
        return p["diagnostics"]

    def status(self, state: str, since: int = 0, timeout: float = 120.0,
               package: str | None = None) -> dict:
        return self.wait_notification(
            "goescape/status",
            lambda p: p.get("state") == state and (package is None or p.get("package") == package),
            f"goescape/status {state} {package or ''}", timeout, since)

    def shown(self, since: int = 0) -> list[dict]:
        return self.notifications("window/showMessage", since)

    def wait_shown(self, needle: str, since: int = 0, timeout: float = 60.0) -> dict:
        return self.wait_notification("window/showMessage",
                                      lambda p: needle in p.get("message", ""),
                                      f"a showMessage with {needle!r}", timeout, since)

    # the end -----------------------------------------------------------------------------

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait_exit(self, timeout: float = 20.0) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the server did not exit within {timeout}s; killed it\n"
                                 f"{self.stderr[-3000:]}")
        self._err_thread.join(5)
        if self._out_thread is not None:
            self._out_thread.join(5)
        return rc

    def shutdown_exit(self, timeout: float = 20.0) -> int:
        resp = self.request("shutdown", None, timeout)
        assert "result" in resp and resp["result"] is None, resp
        self.notify("exit")
        self.close_stdin()
        return self.wait_exit(timeout)

    def rss_kb(self) -> int:
        return vm_kb(self.pid, "VmRSS")

    def hwm_kb(self) -> int:
        return vm_kb(self.pid, "VmHWM")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def sigkill(self) -> None:
        """Kills the server as an editor that gives up on it does; teardown then expects
        status -9 and still no process left behind."""
        self.killed = True
        self.kill()


class Harness:
    """What a robustness test gets from the `rb` fixture: servers that are checked for
    leftovers when the test ends."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.servers: list[tuple[Server, str, Path]] = []

    def start(self, *, env: dict[str, str] | None = None, args: list[str] | None = None,
              read: bool = True, wrap: list[str] | None = None, cwd: Path | None = None,
              inherit: dict[str, str] | None = None) -> Server:
        tag = leftovers.new_tag()
        tmpdir = self.tmp_path / f"server-tmp-{len(self.servers)}"
        tmpdir.mkdir(parents=True, exist_ok=True)
        full_env = dict(os.environ)
        full_env.update(inherit or {})
        full_env["TMPDIR"] = str(tmpdir)
        full_env[leftovers.TAG_VAR] = tag
        full_env.update(env or {})
        argv = (wrap or []) + [binary()] + (args or [])
        s = Server(argv, full_env, str(cwd) if cwd else None, read)
        s.tag = tag
        s.tmpdir = tmpdir
        self.servers.append((s, tag, tmpdir))
        return s

    def finish(self) -> None:
        problems = []
        for s, tag, tmpdir in self.servers:
            expected: tuple[int, ...] | None = None  # a test that ended it checked its status
            if s.proc.poll() is None:
                # The test did not end this server: end it properly, then look for leftovers.
                expected = (0,)
                try:
                    s.shutdown_exit(20)
                except (AssertionError, OSError) as e:
                    problems.append(f"server {s.pid} did not shut down: {e}")
                    s.kill()
            if s.bad_output:
                problems.append(f"server {s.pid} wrote malformed output: {s.bad_output}")
            s._err_thread.join(5)
            problems += leftovers.problems(
                f"server {s.pid}", returncode=s.proc.returncode, expected=expected,
                stderr=s.stderr, tag=tag, tmpdir=tmpdir, killed=getattr(s, "killed", False))
        assert not problems, "\n".join(problems)


@pytest.fixture
def rb(tmp_path):
    h = Harness(tmp_path)
    yield h
    h.finish()


# -- the fake go ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def fakego_bin(tmp_path_factory) -> str:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert cc, "a C compiler (cc) is needed to build tests/fakego/fakego.c"
    out = tmp_path_factory.mktemp("fakego") / "go"
    subprocess.run([cc, "-std=c11", "-O2", "-o", str(out), str(FAKEGO_SRC)], check=True)
    return str(out)


class FakeGo:
    """The fake go for one test: its binary, its control file and its invocation log."""

    def __init__(self, binary_path: str, workdir: Path):
        self.path = binary_path
        self.control = workdir / "fakego.control"
        self.log = workdir / "fakego.log"
        self.releases = workdir / "release"   # the directory a `hold=` spec waits on
        self.releases.mkdir()
        self.set("")

    def set(self, spec: str) -> None:
        """Replaces the spec (entries separated by newlines or ';')."""
        self.control.write_text(spec)

    def env(self) -> dict[str, str]:
        return {"FAKEGO_CONTROL": str(self.control), "FAKEGO_LOG": str(self.log)}

    def invocations(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(l) for l in self.log.read_text().splitlines() if l.strip()]

    def held(self, then: str) -> str:
        """A spec whose invocations wait to be released (release()) and then do `then`
        (e.g. "exec=/usr/local/go/bin/go")."""
        return f"hold={self.releases}\n{then}\n"

    def release(self, inv: dict | None = None) -> None:
        """Lets one held invocation (from invocations()) go on, or every one, present and
        future, when inv is None."""
        (self.releases / (str(inv["pid"]) if inv is not None else "all")).touch()

    def wait_invocations(self, n: int, timeout: float = 60.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            inv = self.invocations()
            if len(inv) >= n:
                return inv
            time.sleep(0.05)
        raise AssertionError(f"the fake go ran {len(self.invocations())} times, expected {n}")


@pytest.fixture
def fakego(fakego_bin, tmp_path) -> FakeGo:
    d = tmp_path / "fakego"
    d.mkdir()
    return FakeGo(fakego_bin, d)


# -- workspaces -----------------------------------------------------------------------------

GOOD_GO = """package good

// G returns a pointer to a local, which moves it to the heap.
func G() *int {
	x := 1
	return &x
}

// M returns a new map.
func M() map[string]int { return map[string]int{"a": 1} }
"""

BAD_GO = """package bad

// B leaks a closure.
func B() func() int {
	n := 0
	return func() int { n++; return n }
}
"""


def write_module(root: Path, module: str = "example.com/rb", files: dict[str, str] | None = None,
                 go_version: str = "1.19") -> Path:
    """A module with two packages, good/ and bad/, each with heap escapes."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text(f"module {module}\n\ngo {go_version}\n")
    for rel, text in (files or {"good/good.go": GOOD_GO, "bad/bad.go": BAD_GO}).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def ready(rb: Harness, root: Path, settings: dict | None = None, *,
          env: dict[str, str] | None = None, inherit: dict[str, str] | None = None,
          wrap: list[str] | None = None, utf8: bool = False) -> tuple[Server, str]:
    """A server on root with good/good.go open and analyzed (findings published)."""
    s = rb.start(env=env, inherit=inherit, wrap=wrap)
    s.initialize(root, settings, utf8=utf8)
    mark = s.mark()
    uri = s.open(root / "good" / "good.go")
    s.diagnostics(uri, mark)
    return s, uri


def still_serving(s: Server, uri: str, findings: bool = True) -> None:
    """The server answers requests about another document, with its findings intact."""
    hints = s.inlay(uri)
    assert isinstance(hints, list), hints
    if findings:
        assert hints, f"the findings of {uri} were lost"
    lenses = s.code_lens(uri)
    assert isinstance(lenses, list), lenses


def error_code(resp: dict) -> int | None:
    return (resp.get("error") or {}).get("code")


# -- trees ----------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root: type, mode, size, mtime and content hash (directories with
    their mtime, so a file created and removed again is noticed)."""
    import hashlib
    import stat as st_

    snap: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        st = os.lstat(dirpath)
        snap[os.path.relpath(dirpath, root)] = ("dir", st.st_mode, st.st_mtime_ns)
        for name in sorted(filenames) + [d for d in dirnames
                                         if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if st_.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                snap[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest)
            else:
                snap[rel] = ("other", st.st_mode,
                             os.readlink(p) if st_.S_ISLNK(st.st_mode) else "")
    return snap


def tree_changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    out = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            out.append(f"created: {k}")
        elif k not in after:
            out.append(f"removed: {k}")
        elif before[k] != after[k]:
            out.append(f"changed: {k}: {before[k]} -> {after[k]}")
    return out
