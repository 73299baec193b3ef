"""The reference: what the Go compiler itself prints for a package.

The tests run the same command the server runs (go test -c -o /dev/null -gcflags=-m=2, or go
build when tests are left out, in the module root, with downloads off) and keep every
`escapes to heap` / `moved to heap` summary line for files of that package. Explanation
headers (`... escapes to heap:` and Go 1.26's `... escapes to heap in F:`) and flow lines are
not summary lines. Identical lines, e.g. from a package compiled twice for its tests, count
once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

LINE_RX = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)(?:\[[^\]]*\])?: (?P<msg>.*)$")
MOVED_RX = re.compile(r"^moved to heap: (?P<name>\S+)$")
ESCAPE_RX = re.compile(r"^(?P<subject>\S.*) escapes to heap$")


@dataclass(frozen=True)
class Escape:
    path: str      # absolute path of the file
    line: int      # 1-based
    col: int       # 1-based byte column
    kind: str      # "moved" or "escape"
    subject: str   # the name (moved) or the compiler's printed expression
    raw: str       # the compiler's line

    def __str__(self) -> str:
        return self.raw


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the server gives the go command by default: downloads and toolchain
    switches off."""
    env = dict(os.environ)
    env["GOTOOLCHAIN"] = "local"
    env["GOPROXY"] = "off"
    env.update(extra or {})
    return env


def go_list(modroot: Path, pattern: str, env: dict[str, str], build_flags=()) -> dict:
    out = subprocess.run(["go", "list", "-json", *build_flags, pattern], cwd=modroot, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def package_files(info: dict, tests: bool = True) -> set[str]:
    keys = ["GoFiles", "CgoFiles"] + (["TestGoFiles", "XTestGoFiles"] if tests else [])
    return {os.path.join(info["Dir"], f) for k in keys for f in info.get(k) or []}


def compile_output(modroot: Path, pattern: str, *, tests: bool = True,
                   env: dict[str, str] | None = None, extra_gcflags: list[str] = (),
                   build_flags: list[str] = ()) -> str:
    """Runs the server's go command line and returns the compiler's text (stderr)."""
    modroot = Path(modroot)
    mod_flag = "-mod=vendor" if (modroot / "vendor" / "modules.txt").exists() else "-mod=readonly"
    argv = ["go", "test", "-c"] if tests else ["go", "build"]
    gcflags = " ".join(["-gcflags=-m=2", *extra_gcflags])
    argv += ["-o", os.devnull, gcflags, mod_flag, *build_flags, pattern]
    res = subprocess.run(argv, cwd=modroot, env=env or server_env(), capture_output=True,
                         text=True)
    assert res.returncode == 0, f"{' '.join(argv)} failed in {modroot}:\n{res.stderr[-4000:]}"
    return res.stderr


def parse_escapes(output: str, cwd: Path, files: set[str]) -> list[Escape]:
    seen: set[tuple] = set()
    found: list[Escape] = []
    for raw in output.splitlines():
        m = LINE_RX.match(raw)
        if not m:
            continue
        msg = m["msg"]
        mm = MOVED_RX.match(msg)
        me = None if mm else ESCAPE_RX.match(msg)
        if not mm and not me:
            continue
        f = m["file"]
        if f.startswith("$WORK") or f.startswith("<"):
            continue
        path = os.path.normpath(f if os.path.isabs(f) else os.path.join(cwd, f))
        if path not in files:
            continue
        key = (path, int(m["line"]), int(m["col"]), msg)
        if key in seen:
            continue
        seen.add(key)
        found.append(Escape(path, int(m["line"]), int(m["col"]),
                            "moved" if mm else "escape",
                            mm["name"] if mm else me["subject"], raw))
    return found


def reference_escapes(modroot: Path, pattern: str, *, tests: bool = True,
                      env: dict[str, str] | None = None, extra_gcflags: list[str] = (),
                      build_flags: list[str] = ()) -> tuple[list[Escape], set[str]]:
    """Every heap escape the compiler reports for the package, and the package's files."""
    env = env or server_env()
    info = go_list(Path(modroot), pattern, env, build_flags)
    files = package_files(info, tests)
    out = compile_output(Path(modroot), pattern, tests=tests, env=env,
                         extra_gcflags=extra_gcflags, build_flags=build_flags)
    return parse_escapes(out, Path(modroot), files), files


LEAK_RX = re.compile(r"^leaking param(?: content)?: (?P<name>\S+)")


def leaking_params(output: str, cwd: Path, path: str) -> set[tuple[int, str]]:
    """(line, name) of every leaking parameter the compiler reports in one file."""
    out = set()
    for raw in output.splitlines():
        m = LINE_RX.match(raw)
        if not m:
            continue
        lm = LEAK_RX.match(m["msg"])
        f = m["file"]
        if lm and os.path.normpath(f if os.path.isabs(f) else os.path.join(cwd, f)) == path:
            out.add((int(m["line"]), lm["name"]))
    return out
