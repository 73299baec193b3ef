"""A goescape session over pytest-lsp: the real binary on stdio, a test client that records
everything the server sends in order, and small helpers for documents, waiting and the
feature requests.

Everything the server sends is kept as an Event in `events`; a test takes a `mark()` before
it acts and waits for events after that mark, so nothing that arrived earlier can satisfy a
wait by accident.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pytest_lsp.protocol import LanguageClientProtocol
from pygls.protocol import default_converter

from . import leftovers
from . import text as tx

GOESCAPE = "goescape"
HEAP_CATEGORIES = ("map", "closure", "interface", "slice", "pointer", "string", "moved", "other")
DEFAULT_SEVERITY = {c: 3 if c in ("map", "closure", "interface") else 4 for c in HEAP_CATEGORIES}
DEFAULT_TIMEOUT = 180.0


@dataclass
class Event:
    seq: int
    t: float
    kind: str          # "notification" or "request" (sent by the server)
    method: str
    params: Any


@dataclass
class Doc:
    uri: str
    path: Path
    text: str
    version: int = 1


def to_plain(converter, value: Any) -> Any:
    """lsprotocol objects as plain JSON-like data, so tests read one shape everywhere."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: to_plain(converter, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(converter, v) for v in value]
    return converter.unstructure(value)


def client_capabilities(*, utf8: bool, work_done_progress: bool, configuration: bool,
                        refresh: bool) -> dict:
    caps: dict = {
        "textDocument": {
            "synchronization": {"didSave": True, "dynamicRegistration": False},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "inlayHint": {"resolveSupport": {"properties": ["tooltip", "label.tooltip",
                                                             "label.location"]}},
            "codeLens": {},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
        },
        "workspace": {
            "configuration": configuration,
            "workspaceFolders": True,
            "didChangeConfiguration": {"dynamicRegistration": False},
            "executeCommand": {},
        },
        "window": {"workDoneProgress": work_done_progress, "showMessage": {}},
    }
    if refresh:
        caps["workspace"]["inlayHint"] = {"refreshSupport": True}
        caps["workspace"]["codeLens"] = {"refreshSupport": True}
    if utf8:
        caps["general"] = {"positionEncodings": ["utf-8", "utf-16"]}
    return caps


class Session:
    """One server process and the pytest-lsp client talking to it."""

    def __init__(self, client: LanguageClient, root: Path, tmpdir: Path, tag: str = ""):
        self.client = client
        self.tag = tag                  # GOESCAPE_TEST_TAG of the server and its children
        self.root = root
        self.tmpdir = tmpdir            # the server's TMPDIR, private to this session
        self.events: list[Event] = []
        self.docs: dict[str, Doc] = {}
        self.encoding = tx.UTF16
        self.init_result: dict | None = None
        self.closed = False
        self.configuration: dict = {}   # what workspace/configuration answers
        self.converter = client.protocol._converter

    # -- recording ------------------------------------------------------------------------

    def record(self, kind: str, method: str, params: Any) -> None:
        self.events.append(Event(len(self.events), time.monotonic(), kind, method, params))

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int, method: str | None = None) -> list[Event]:
        return [e for e in self.events[mark:] if method is None or e.method == method]

    @property
    def process(self) -> asyncio.subprocess.Process:
        return self.client._server

    @property
    def pid(self) -> int:
        return self.process.pid

    # -- documents ------------------------------------------------------------------------

    def uri(self, rel: str | Path) -> str:
        p = Path(rel)
        return (p if p.is_absolute() else self.root / p).as_uri()

    def doc(self, rel_or_uri: str | Path) -> Doc:
        key = str(rel_or_uri)
        return self.docs[key if key.startswith("file:") else self.uri(rel_or_uri)]

    def text_of(self, rel_or_uri: str | Path) -> str:
        """The client's current text of an open document, else the file on disk."""
        key = str(rel_or_uri)
        uri = key if key.startswith("file:") else self.uri(rel_or_uri)
        if uri in self.docs:
            return self.docs[uri].text
        return Path(uri_to_path(uri)).read_text(encoding="utf-8")

    def open(self, rel: str | Path, text: str | None = None) -> Doc:
        p = Path(rel)
        path = p if p.is_absolute() else self.root / p
        if text is None:
            text = path.read_text(encoding="utf-8")
        d = Doc(path.as_uri(), path, text)
        self.docs[d.uri] = d
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=d.uri, language_id="go", version=d.version,
                                                 text=text)))
        return d

    def close_doc(self, rel_or_uri: str | Path) -> None:
        d = self.doc(rel_or_uri)
        del self.docs[d.uri]
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=d.uri)))

    def change(self, rel_or_uri: str | Path, span: tx.Span | None, new_text: str) -> Doc:
        """Sends one incremental change (or a full replacement when span is None) and applies
        it to the client's copy of the text."""
        d = self.doc(rel_or_uri)
        d.text = tx.apply_change(d.text, span, new_text, self.encoding)
        d.version += 1
        if span is None:
            change: Any = types.TextDocumentContentChangeWholeDocument(text=new_text)
        else:
            change = types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(span.start.line, span.start.character),
                                  end=types.Position(span.end.line, span.end.character)),
                text=new_text)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=d.uri, version=d.version),
            content_changes=[change]))
        return d

    def insert(self, rel_or_uri: str | Path, pos: tx.Pos, new_text: str) -> Doc:
        return self.change(rel_or_uri, tx.Span(pos, pos), new_text)

    def save(self, rel_or_uri: str | Path, write: bool = True) -> None:
        """Writes the client's text to disk (as an editor does) and sends didSave."""
        d = self.doc(rel_or_uri)
        if write:
            d.path.write_text(d.text, encoding="utf-8")
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=d.uri)))

    # -- waiting --------------------------------------------------------------------------

    async def wait_for(self, pred: Callable[[Event], bool], mark: int, what: str,
                       timeout: float = DEFAULT_TIMEOUT) -> Event:
        deadline = time.monotonic() + timeout
        i = mark
        while True:
            while i < len(self.events):
                e = self.events[i]
                i += 1
                if pred(e):
                    return e
            if self.process.returncode is not None:
                raise AssertionError(f"the server exited with status {self.process.returncode} "
                                     f"while waiting for {what}")
            if time.monotonic() > deadline:
                seen = [f"{e.method} {str(e.params)[:200]}" for e in self.events[mark:]][-15:]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                                     f"last events:\n" + "\n".join(seen))
            await asyncio.sleep(0.02)

    async def wait_analysis(self, package: str, mark: int, *,
                            timeout: float = DEFAULT_TIMEOUT) -> dict:
        """Waits for the end of an analysis of package (goescape/status idle or failed) that
        started after mark, and returns that status."""
        e = await self.wait_for(
            lambda e: e.method == "goescape/status" and e.params.get("package") == package
            and e.params.get("state") in ("idle", "failed"),
            mark, f"the end of an analysis of {package}", timeout)
        return e.params

    async def wait_publish(self, uri: str, mark: int, pred: Callable[[list], bool] | None = None,
                           *, timeout: float = 30.0, what: str = "") -> list[dict]:
        e = await self.wait_for(
            lambda e: e.method == "textDocument/publishDiagnostics" and e.params["uri"] == uri
            and (pred is None or pred(e.params["diagnostics"])),
            mark, what or f"diagnostics for {uri}", timeout)
        return e.params["diagnostics"]

    async def sync(self, rel_or_uri) -> None:
        """A round trip: when it returns, the server has handled every message sent before
        it (it reads its input in order), so edits have started their debounce timers."""
        await self.code_lenses(rel_or_uri)

    async def settle(self, package: str, rel_or_uri, *, quiet: float = 1.5,
                     timeout: float = DEFAULT_TIMEOUT) -> dict:
        """Waits until every analysis the messages sent so far cause is over: a round trip,
        then an end status for the package with no status after it for `quiet` seconds.
        Returns that last status."""
        await self.sync(rel_or_uri)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mark = self.mark()
            await asyncio.sleep(quiet)
            mine = [st for st in self.statuses(0) if st.get("package") == package]
            if not self.statuses(mark) and mine and mine[-1]["state"] in ("idle", "failed"):
                return mine[-1]
        raise AssertionError(f"the analyses of {package} did not settle within {timeout}s")

    async def delivered(self) -> None:
        """A round trip (a code lens request on an open document): every message the server
        sent before answering it is recorded. After an analysis's end status it adds nothing
        the status did not already promise (the status follows the diagnostics it announces);
        it is for checks of what the client holds."""
        uri = next(iter(self.docs), None)
        assert uri is not None, "delivered() needs an open document"
        await self.code_lenses(uri)

    async def quiet(self, seconds: float) -> None:
        """Lets the server run for a while (for checks that something does not happen)."""
        await asyncio.sleep(seconds)

    # -- what the client holds ------------------------------------------------------------

    def diagnostics(self, rel_or_uri: str | Path) -> list[dict]:
        """The last diagnostics published for a document (goescape's only)."""
        key = str(rel_or_uri)
        uri = key if key.startswith("file:") else self.uri(rel_or_uri)
        for e in reversed(self.events):
            if e.method == "textDocument/publishDiagnostics" and e.params["uri"] == uri:
                return [d for d in e.params["diagnostics"] if d.get("source") == GOESCAPE]
        return []

    def publishes(self, uri: str, mark: int = 0) -> list[list[dict]]:
        return [e.params["diagnostics"] for e in self.since(mark, "textDocument/publishDiagnostics")
                if e.params["uri"] == uri]

    def statuses(self, mark: int = 0) -> list[dict]:
        return [e.params for e in self.since(mark, "goescape/status")]

    def analyses_started(self, mark: int = 0, package: str | None = None) -> int:
        return sum(1 for s in self.statuses(mark)
                   if s.get("state") == "analyzing" and (package is None or s.get("package") == package))

    def shown_messages(self, mark: int = 0) -> list[dict]:
        return [e.params for e in self.since(mark, "window/showMessage")]

    # -- requests -------------------------------------------------------------------------

    async def request(self, method: str, params: Any, timeout: float = 30.0) -> Any:
        res = await asyncio.wait_for(self.client.protocol.send_request_async(method, params),
                                     timeout)
        return to_plain(self.converter, res)

    async def hover(self, rel_or_uri, pos: tx.Pos) -> dict | None:
        d = self.doc(rel_or_uri)
        return await self.request("textDocument/hover", types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=d.uri),
            position=types.Position(pos.line, pos.character)))

    async def inlay_hints(self, rel_or_uri, span: tx.Span | None = None) -> list[dict]:
        d = self.doc(rel_or_uri)
        if span is None:
            n = d.text.count("\n")
            span = tx.Span(tx.Pos(0, 0), tx.Pos(n + 1, 0))
        res = await self.request("textDocument/inlayHint", types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=d.uri),
            range=types.Range(start=types.Position(span.start.line, span.start.character),
                              end=types.Position(span.end.line, span.end.character))))
        return res or []

    async def code_lenses(self, rel_or_uri) -> list[dict]:
        d = self.doc(rel_or_uri)
        res = await self.request("textDocument/codeLens", types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=d.uri)))
        return res or []

    async def execute(self, command: str, arguments: list | None = None,
                      timeout: float = DEFAULT_TIMEOUT) -> Any:
        return await self.request("workspace/executeCommand", types.ExecuteCommandParams(
            command=command, arguments=arguments), timeout)

    def change_configuration(self, settings: dict) -> None:
        self.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=settings))

    # -- the end --------------------------------------------------------------------------

    async def shutdown(self, timeout: float = 20.0) -> int:
        """shutdown, then exit; returns the exit status."""
        await asyncio.wait_for(self.client.shutdown_async(None), timeout)
        self.client.exit(None)
        return await self.wait_exit(timeout)

    async def wait_exit(self, timeout: float = 20.0) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"the server did not exit within {timeout}s; killed it")

    @property
    def stderr(self) -> str:
        """What the server has written to stderr so far."""
        return bytes(getattr(self.client, "stderr_log", b"")).decode("utf-8", "replace")

    async def close(self) -> None:
        """Ends the session; a server still running is shut down properly, and must exit 0.
        However it ended, it must leave nothing behind (support/leftovers.py)."""
        if self.closed:
            return
        self.closed = True
        expected: tuple[int, ...] | None = None  # a test that ended it checked its status
        try:
            if self.process.returncode is None:
                expected = (0,)
                rc = await self.shutdown()
                assert rc == 0, f"the server exited with status {rc} after shutdown and exit"
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
            tee = getattr(self.client, "stderr_task", None)
            if tee is not None:
                await asyncio.wait([tee], timeout=5)
            await asyncio.wait_for(self.client.stop(), 20)
        found = await asyncio.to_thread(
            leftovers.problems, f"server {self.pid}", returncode=self.process.returncode,
            expected=expected, stderr=self.stderr, tag=self.tag, tmpdir=self.tmpdir)
        assert not found, "\n".join(found)


def uri_to_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse
    return unquote(urlparse(uri).path)


class RecordingProtocol(LanguageClientProtocol):
    """pytest-lsp's client protocol, recording every message the server sends, as raw JSON
    and in arrival order, before pygls turns it into lsprotocol objects."""

    recorder: Callable[[str, str, Any], None] | None = None

    def structure_message(self, data: dict[str, Any]):
        if "jsonrpc" in data and "method" in data and self.recorder is not None:
            self.recorder("request" if "id" in data else "notification", data["method"],
                          copy.deepcopy(data.get("params")))
        return super().structure_message(data)


class TeeClient(LanguageClient):
    """pytest-lsp's client, keeping the server's stderr (in stderr_log) as well as passing it
    on to the test's captured stderr, so the end of a session can look for sanitizer reports."""

    async def start_io(self, cmd: str, *args, **kwargs):
        await super().start_io(cmd, *args, **kwargs)
        self.stderr_log = bytearray()
        self.stderr_task = None
        if self._stderr_forwarder is not None:
            # Not started yet (no await since it was created), so no line is lost.
            self._stderr_forwarder.cancel()
            self._stderr_forwarder = None
        if self._server is not None and self._server.stderr is not None:
            self.stderr_task = asyncio.create_task(self._tee(self._server.stderr))

    async def _tee(self, stream) -> None:
        import sys
        while chunk := await stream.read(65536):
            self.stderr_log += chunk
            sys.stderr.buffer.write(chunk)


def make_client_factory(holder: dict) -> Callable[[], LanguageClient]:
    """A pytest-lsp client that records into holder["session"] once it exists (messages
    before that are kept and replayed), and answers the server's requests."""

    def factory() -> LanguageClient:
        client = TeeClient(protocol_cls=RecordingProtocol, converter_factory=default_converter)
        early: list[tuple[str, str, Any]] = []

        def rec(kind: str, method: str, params: Any) -> None:
            s = holder.get("session")
            if s is None:
                early.append((kind, method, params))
                return
            while early:
                s.record(*early.pop(0))
            s.record(kind, method, params)

        def flush() -> None:
            while early:
                holder["session"].record(*early.pop(0))

        holder["flush"] = flush
        client.protocol.recorder = rec

        def ignore(ls, params):
            return None

        def configuration(ls, params):
            s = holder.get("session")
            conf = s.configuration if s is not None else {}
            return [conf.get(item.section) if item.section else conf for item in params.items]

        features = dict(DEFAULT_CLIENT_FEATURES)
        features.update({
            types.WORKSPACE_INLAY_HINT_REFRESH: ignore,
            types.WORKSPACE_CODE_LENS_REFRESH: ignore,
            types.WORKSPACE_CONFIGURATION: configuration,
            "goescape/status": ignore,
        })
        register_lsp_features(client, features)
        return client

    return factory


async def start_session(binary: str, root: Path, tmpdir: Path, *, utf8: bool = False,
                        settings: dict | None = None, work_done_progress: bool = True,
                        configuration: dict | None = None, refresh: bool = True,
                        env: dict[str, str] | None = None, args: list[str] | None = None,
                        initialize: bool = True, folders: list[Path] | None = None) -> Session:
    """Starts the server with root as the workspace folder and initializes it.

    settings go in initializationOptions (as {"goescape": settings}); configuration, when
    given, is what the client answers to workspace/configuration (and the client then says it
    supports that request). The server's TMPDIR is tmpdir, so its private files can be
    checked. folders, when given, are the workspace folders (root is then only where relative
    paths start)."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    server_env = dict(os.environ)
    server_env["TMPDIR"] = str(tmpdir)
    tag = leftovers.new_tag()
    server_env[leftovers.TAG_VAR] = tag
    server_env.update(env or {})
    holder: dict = {}
    config = ClientServerConfig(server_command=[binary, *(args or [])],
                                client_factory=make_client_factory(holder),
                                server_env=server_env)
    client = await config.start()
    session = Session(client, root, tmpdir, tag)
    holder["session"] = session
    holder["flush"]()
    if configuration is not None:
        session.configuration = configuration
    if not initialize:
        return session
    caps = client_capabilities(utf8=utf8, work_done_progress=work_done_progress,
                               configuration=configuration is not None, refresh=refresh)
    params = session.converter.structure({
        "processId": os.getpid(),
        "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in (folders or [root])],
        "capabilities": caps,
        "clientInfo": {"name": "goescape-lsp-tests"},
        **({"initializationOptions": {"goescape": settings}} if settings is not None else {}),
    }, types.InitializeParams)
    result = await asyncio.wait_for(client.initialize_session(params), 30)
    session.init_result = to_plain(session.converter, result)
    enc = session.init_result["capabilities"].get("positionEncoding", "utf-16")
    session.encoding = tx.UTF8 if enc == "utf-8" else tx.UTF16
    return session
