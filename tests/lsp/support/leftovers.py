"""What every server a test starts must leave behind at teardown: nothing.

Each server is started with a unique GOESCAPE_TEST_TAG in its environment. The go command and
the compile, link and vet processes it runs inherit the environment, so any live process whose
environment holds the tag is one this server started (directly or not), whatever its parent or
process group now is: an orphaned compile is reparented to init, but keeps the tag. Processes
of other test runs on the same machine carry other tags and are never looked at.

The checks, shared by the pytest-lsp sessions (conftest `lsp`), the raw client (`raw`) and the
robustness harness (robust_util `rb`):
  - the exit status is the one the ending called for, and no signal ended the server;
  - its stderr holds no AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report
    (the suite also runs against the sanitizer build) and no libuv handle left open;
  - no tagged process is alive once the server is gone. The server kills its builds before
    it exits, so the short grace is only for the kernel to finish killed processes; a
    process still alive after it is a leftover, even one that would end on its own later (an
    orphaned compile finishing its work). Leftovers are then killed, so that one failing test
    does not load the machine for the next;
  - its private directory ($TMPDIR/goescape-*) is removed.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

from .procs import cmdline, stat_fields

TAG_VAR = "GOESCAPE_TEST_TAG"

# Text that only a sanitizer report (or the server's own check of its loop at exit) prints.
SANITIZER_NEEDLES = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                     "runtime error:", "handles left open at exit", "Assertion `")

# How long processes of a stopped build may take to be gone once the server has exited. They
# were killed before it exited (the server waits for every build to end), so this is only for
# the kernel to finish them: far more than that needs even on a loaded machine, far less than
# an orphaned compile of a real package takes to end on its own.
GONE_TIMEOUT = 1.0


def new_tag() -> str:
    return uuid.uuid4().hex


# PF_EXITING in the flags of /proc/PID/stat: the process is already dying (killed, and
# releasing its memory), which on a loaded machine can take a moment.
PF_EXITING = 0x4


def _state(pid: int) -> str | None:
    """The one-letter state, "X" also for a process that is exiting, or None when gone."""
    fields = stat_fields(pid)
    if not fields:
        return None
    if len(fields) > 6 and int(fields[6]) & PF_EXITING:
        return "X"
    return fields[0]


def tagged(tag: str) -> dict[int, str]:
    """Live processes (not zombies, not already exiting) whose environment carries the tag,
    with their command lines."""
    needle = f"{TAG_VAR}={tag}".encode()
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0") and _state(pid) not in (None, "Z", "X"):
            out[pid] = cmdline(pid)
    return out


def sanitizer_reports(stderr: str) -> list[str]:
    """Each sanitizer report (or loop check failure) in stderr, with some context."""
    out = []
    for needle in SANITIZER_NEEDLES:
        if needle in stderr:
            at = stderr.index(needle)
            out.append(f"{needle!r} on stderr:\n{stderr[max(0, at - 500): at + 2500]}")
    return out


def private_dirs(tmpdir: Path) -> list[str]:
    """The server's private directories still under its TMPDIR."""
    return sorted(p.name for p in Path(tmpdir).glob("goescape-*"))


def wait_untagged(tag: str, timeout: float = GONE_TIMEOUT) -> dict[int, str]:
    """Waits until no process carries the tag; returns (and kills) those still alive then."""
    deadline = time.monotonic() + timeout
    left = tagged(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = tagged(tag)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left


def problems(name: str, *, returncode: int | None, expected: tuple[int, ...] | None,
             stderr: str, tag: str, tmpdir: Path | None, killed: bool = False) -> list[str]:
    """Everything wrong with a server that has ended. expected: the exit statuses the way it
    was ended allows (None: any status that is not a signal). killed: the test ended it with
    SIGKILL, which leaves it no time to remove its private directory; what it started must
    still be gone."""
    out = []
    if returncode is None:
        out.append(f"{name} is still running")
    elif killed and returncode == -signal.SIGKILL:
        pass
    elif returncode < 0:
        out.append(f"{name} died by signal {-returncode}\n{stderr[-2000:]}")
    elif expected is not None and returncode not in expected:
        out.append(f"{name} exited with status {returncode}, expected {expected}\n"
                   f"{stderr[-2000:]}")
    out += [f"{name}: {r}" for r in sanitizer_reports(stderr)]
    left = wait_untagged(tag)
    if left:
        out.append(f"processes left behind by {name}: {left}")
    if tmpdir is not None and returncode is not None and not killed:
        stale = private_dirs(tmpdir)
        if stale:
            out.append(f"{name} left its private directory in {tmpdir}: {stale}")
    return out
