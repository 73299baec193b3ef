"""Process inspection through /proc: the server's descendants, and any process working in or
naming a directory (go and compile run with their working directory in the module)."""

from __future__ import annotations

import os


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...), or None when
    the process is gone. The command name may contain spaces and parentheses, so the fields
    are taken after the last ")"."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    return data[data.rfind(")") + 2:].split()


def _ppid(pid: int) -> int | None:
    fields = stat_fields(pid)
    return int(fields[1]) if fields is not None and len(fields) > 1 else None


def state(pid: int) -> str | None:
    """The one-letter state of pid ("Z" for a zombie), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    return data[data.rfind(")") + 2:].split()[0]


def alive(pid: int) -> bool:
    s = state(pid)
    return s is not None and s != "Z"


def all_pids() -> list[int]:
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def descendants(root: int) -> dict[int, str]:
    """Live descendants of root, with their command lines."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        pp = _ppid(pid)
        if pp is not None:
            children.setdefault(pp, []).append(pid)
    out: dict[int, str] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if alive(pid):
            out[pid] = cmdline(pid)
        stack.extend(children.get(pid, []))
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def touching(path: str) -> dict[int, str]:
    """Live processes (other than this one) whose working directory is under path, or whose
    command line names it."""
    path = os.path.realpath(path)
    me = os.getpid()
    out: dict[int, str] = {}
    for pid in all_pids():
        if pid == me or not alive(pid):
            continue
        try:
            cwd = os.path.realpath(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            cwd = ""
        cl = cmdline(pid)
        if cwd == path or cwd.startswith(path + os.sep) or path in cl:
            out[pid] = f"{cl} (cwd {cwd})"
    return out


def go_children(root: int) -> dict[int, str]:
    """Descendants of root that are the go command or one of the tools it runs."""
    return {p: c for p, c in descendants(root).items()
            if os.path.basename(c.split(" ", 1)[0]) in ("go", "compile", "link", "asm", "cgo", "vet")}
