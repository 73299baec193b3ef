"""A compiler line belongs to a file only when its path resolves to that file.

The fixture has three files named util.go: the user's package app, the package lib of the same
module, and the module dep replaced from beside the module. While app is compiled, the compiler
reports lib's and dep's generic and inlined code under their own paths ("./lib/util.go",
"../dep/util.go"). None of that may land on app/util.go, neither when the go command prints it
from the module root nor when the build cache replays what it printed in another directory.
"""

from __future__ import annotations

import os
import subprocess

import pytest

APP = "example.com/samename/app"

# What the compiler says about app/util.go itself: (1-based line, the message's first word).
OWN = [(9, "append(dep.s,"), (9, "append(lib.s,"), (9, "dep.x"), (9, "lib.x"), (13, "y")]


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off")
    return env


def fill_cache_from(directory, pattern: str) -> str:
    """Runs the go command goescape runs, in another directory, so the build cache holds app's
    compiler output as printed from there. Returns what it printed."""
    p = subprocess.run(["go", "test", "-c", "-o", os.devnull, "-gcflags=-m=2", "-mod=readonly",
                        pattern], cwd=directory, env=go_env(), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stderr


def lines_of(diags: list[dict]) -> set[int]:
    return {d["range"]["start"]["line"] + 1 for d in diags}


async def analyzed(lsp, root):
    s = await lsp(root)
    mark = s.mark()
    s.open("app/util.go")
    st = await s.wait_analysis(APP, mark)
    assert st["state"] == "idle", st
    await s.quiet(0.3)
    return s


def assert_only_own(diags: list[dict]):
    got = sorted((d["range"]["start"]["line"] + 1, d["message"].split(" ")[0]) for d in diags)
    assert got == OWN, f"diagnostics on app/util.go: {got}"
    # lib's and dep's append (util.go 3:6 and 4:15) would land on the import block
    assert not lines_of(diags) & {3, 4}


async def test_dependency_code_in_a_same_named_file_stays_off_the_users_file(lsp, module):
    root = module("samename") / "mod"
    s = await analyzed(lsp, root)
    assert_only_own(s.diagnostics("app/util.go"))


@pytest.mark.parametrize("where", ["app", "lib"])
async def test_cache_replayed_from_another_directory_resolves_exactly(lsp, module, where):
    root = module("samename") / "mod"
    printed = fill_cache_from(root / where, {"app": ".", "lib": "../app"}[where])
    # The replay prints the paths as they were printed there, not from the module root.
    own = {"app": "./util.go:", "lib": "../app/util.go:"}[where]
    assert f"\n{own}13:2: moved to heap: y" in printed
    again = fill_cache_from(root, "./app")
    assert f"\n{own}13:2: moved to heap: y" in again, "the go command did not replay the cache"
    s = await analyzed(lsp, root)
    assert_only_own(s.diagnostics("app/util.go"))
