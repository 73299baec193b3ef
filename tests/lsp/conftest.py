"""Fixtures for the goescape LSP tests.

Every test works on a copy of a fixture module in its own temporary directory (never in the
repository), starts the real server binary ($GOESCAPE_BIN, default build/goescape) through
pytest-lsp, and ends it with shutdown and exit, which must give exit status 0. Every server,
whichever fixture started it, is checked at teardown: no sanitizer report on its stderr, no
process it started still alive, its private directory removed (support/leftovers.py).

A test that cannot run calls `require(cond, reason)` (support/ci.py) instead of pytest.skip:
a skip on a developer's machine, a failure under CI=true.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from robust_util import FakeGo, fakego, fakego_bin  # noqa: F401 - fixtures for every test
from support import leftovers, tree
from support.ci import in_ci, require  # noqa: F401 - tests import require from here
from support.raw import RawServer
from support.session import Session, start_session

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

FIXTURES = {
    "examples": REPO / "examples",
    "testmod": REPO / "tests" / "fixtures" / "testmod",
    **{p.name: p for p in (HERE / "fixtures").iterdir() if p.is_dir()},
}


def pytest_report_header(config):
    go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    return [f"goescape binary: {binary_path()}", f"go: {go}"]


def binary_path() -> str:
    return os.environ.get("GOESCAPE_BIN") or str(REPO / "build" / "goescape")


@pytest.fixture(scope="session")
def goescape_bin() -> str:
    b = binary_path()
    if not os.access(b, os.X_OK):
        pytest.exit(f"no goescape binary at {b}: build it (make) or set GOESCAPE_BIN", 2)
    return b


def copy_tree_writable(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for dirpath, dirnames, filenames in os.walk(dst):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o644)
    return dst


@pytest.fixture
def module(tmp_path):
    """module(name) copies a fixture module into this test's directory and returns it."""

    def copy(name: str, dest: str | None = None) -> Path:
        return copy_tree_writable(FIXTURES[name], tmp_path / "ws" / (dest or name))

    return copy


@pytest.fixture
async def lsp(goescape_bin, tmp_path):
    """lsp(root, **options) starts an initialized session; every session is shut down at
    the end of the test and must exit 0."""
    sessions: list[Session] = []
    n = 0

    async def start(root: Path, **kw) -> Session:
        nonlocal n
        n += 1
        if os.environ.get("GOESCAPE_TEST_VERBOSE"):
            kw.setdefault("args", ["--verbose"])
        s = await start_session(goescape_bin, Path(root), tmp_path / f"server-tmp-{n}", **kw)
        sessions.append(s)
        return s

    yield start
    errors = []
    for s in sessions:
        try:
            await s.close()
        except BaseException as e:  # noqa: BLE001 - every session must be closed
            errors.append(f"{type(e).__name__}: {e}")
    assert not errors, "sessions did not end cleanly:\n" + "\n".join(errors)


@pytest.fixture
async def raw(goescape_bin, tmp_path):
    """raw(**kw) starts the server with a raw stdio client, for malformed input. A server the
    test leaves running is ended with shutdown and exit at teardown; either way it must leave
    nothing behind (support/leftovers.py)."""
    servers: list[RawServer] = []

    async def start(**kw) -> RawServer:
        tmpdir = tmp_path / f"raw-tmp-{len(servers)}"
        tmpdir.mkdir()
        tag = leftovers.new_tag()
        env = dict(os.environ)
        env["TMPDIR"] = str(tmpdir)
        env[leftovers.TAG_VAR] = tag
        env.update(kw.pop("env", {}))
        s = await RawServer.start(goescape_bin, env=env, **kw)
        s.tag, s.tmpdir = tag, tmpdir
        servers.append(s)
        return s

    yield start
    found: list[str] = []
    for s in servers:
        found += await s.finish()
    assert not found, "\n".join(found)


@pytest.fixture
def snapshot():
    """snapshot(root) records a tree; the returned function asserts it is unchanged."""

    def take(root: Path):
        before = tree.snapshot(root)
        return lambda: tree.assert_unchanged(root, before)

    return take


def make_readonly(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for f in filenames:
            p = os.path.join(dirpath, f)
            os.chmod(p, os.stat(p).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        os.chmod(dirpath, os.stat(dirpath).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
