"""Shutdown, exit codes and child processes (issue 2, issue 5).

exit after shutdown gives 0, exit without shutdown gives 1, and end of input stops the server.
However the server ends, no go or compile process may outlive it: the checks look for the
server's descendants and for any process working in (or naming) the module directory.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from support import procs
from support.gen import write_heavy_module

HEAVY = "example.com/heavy/heavy"


async def start_heavy_build(lsp, tmp_path, **kw):
    """A session with a slow analysis in flight: returns the session, the module root and
    the go processes seen running under the server."""
    root = tmp_path / "ws" / "heavymod"
    f = write_heavy_module(root)
    s = await lsp(root, **kw)
    mark = s.mark()
    s.open(f)
    await s.wait_for(lambda e: e.method == "goescape/status" and e.params.get("state") == "analyzing",
                     mark, "the analysis to start", 30)
    # Wait until the package itself is being compiled (a compile process under the go
    # command), so every kind of process the build runs is there to be checked.
    deadline = time.monotonic() + 120
    seen: dict[int, str] = {}
    while time.monotonic() < deadline:
        seen.update(procs.go_children(s.pid))
        if any(os.path.basename(c.split(" ", 1)[0]) == "compile" and "heavy.go" in c
               for c in seen.values()):
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail(f"the heavy package was never compiled under the server: {seen}")
    seen.update(procs.descendants(s.pid))
    return s, root, seen


async def assert_no_survivors(root: Path, seen: dict[int, str], timeout: float = 5.0):
    """None of the processes seen may be alive, and nothing may work in root."""
    deadline = time.monotonic() + timeout
    while True:
        alive = {p: c for p, c in seen.items() if procs.alive(p)}
        alive.update(procs.touching(str(root)))
        if not alive:
            return
        if time.monotonic() > deadline:
            pytest.fail("processes outlived the server:\n" +
                        "\n".join(f"{p}: {c}" for p, c in alive.items()))
        await asyncio.sleep(0.1)


async def test_exit_after_shutdown_is_0(lsp, module):
    s = await lsp(module("examples"))
    assert await s.shutdown() == 0


async def test_exit_without_shutdown_is_1(lsp, module):
    s = await lsp(module("examples"))
    s.client.exit(None)
    assert await s.wait_exit() == 1


async def test_exit_before_initialize_is_1(lsp, module):
    s = await lsp(module("examples"), initialize=False)
    s.client.exit(None)
    assert await s.wait_exit() == 1


async def test_shutdown_answers_null_and_exit_follows(lsp, module):
    s = await lsp(module("examples"))
    res = await s.request("shutdown", None)
    assert res is None
    s.client.exit(None)
    assert await s.wait_exit() == 0


async def test_stdin_eof_stops_the_server(lsp, module):
    s = await lsp(module("examples"))
    s.process.stdin.close()
    rc = await s.wait_exit(15)
    assert rc == 1, f"exit status {rc} at end of input without shutdown"


async def test_stdin_eof_during_a_build_leaves_no_process(lsp, tmp_path):
    s, root, seen = await start_heavy_build(lsp, tmp_path)
    s.process.stdin.close()
    rc = await s.wait_exit(15)
    assert rc == 1, f"exit status {rc} at end of input without shutdown"
    await assert_no_survivors(root, seen)


async def test_exit_without_shutdown_during_a_build_leaves_no_process(lsp, tmp_path):
    s, root, seen = await start_heavy_build(lsp, tmp_path)
    s.client.exit(None)
    assert await s.wait_exit(15) == 1
    await assert_no_survivors(root, seen)


async def test_shutdown_during_a_build_stops_it(lsp, tmp_path):
    s, root, seen = await start_heavy_build(lsp, tmp_path)
    t0 = time.monotonic()
    assert await s.shutdown() == 0
    assert time.monotonic() - t0 < 10, "shutdown waited for the build to finish"
    await assert_no_survivors(root, seen)


async def test_sigterm_during_a_build_leaves_no_process(lsp, tmp_path):
    s, root, seen = await start_heavy_build(lsp, tmp_path)
    s.process.terminate()
    rc = await s.wait_exit(15)
    assert rc == 1, f"exit status {rc} after SIGTERM without shutdown"
    await assert_no_survivors(root, seen)


async def test_private_tmpdir_is_0700_and_removed_at_exit(lsp, module):
    s = await lsp(module("examples"))
    dirs = [p for p in s.tmpdir.iterdir()]
    for d in dirs:
        assert d.is_dir() and (d.stat().st_mode & 0o777) == 0o700, f"{d} mode {oct(d.stat().st_mode)}"
    assert await s.shutdown() == 0
    assert list(s.tmpdir.iterdir()) == [], "the server left files in its temporary directory"


def nice_of(pid: int) -> int | None:
    """The nice value of a live process (field 19 of /proc/PID/stat), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[16])


@pytest.mark.parametrize("setting, expected", [(None, 10), (0, 0), (19, 19)])
async def test_the_go_command_and_its_compilers_run_at_compiler_nice(lsp, tmp_path, setting,
                                                                     expected):
    """The analysis yields the CPU to the editor: the go command and every compile process it
    starts run at compilerNice (default 10), while the server itself keeps its priority."""
    kw = {} if setting is None else {"settings": {"compilerNice": setting}}
    s, root, seen = await start_heavy_build(lsp, tmp_path, **kw)
    nices = {pid: nice_of(pid) for pid in seen}
    nices = {pid: n for pid, n in nices.items() if n is not None}
    assert nices, f"every process of the build was gone before it was looked at: {seen}"
    assert set(nices.values()) == {expected}, {seen[p]: n for p, n in nices.items()}
    assert nice_of(s.pid) == nice_of(os.getpid())
    assert await s.shutdown() == 0
