"""`goescape --version`: what a bug report needs to name the exact build.

The binary prints the version (`git describe` of the tree it was built from), the full commit,
and the versions of libuv, jansson and pcre2 it runs with, one per line.
"""

from __future__ import annotations

import re
import subprocess

from conftest import REPO


def git(*args: str) -> str | None:
    r = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def version_lines(goescape_bin: str, flag: str) -> dict[str, str]:
    r = subprocess.run([goescape_bin, flag], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 5, r.stdout
    return dict(line.split(" ", 1) for line in lines)


def test_version_names_build_and_libraries(goescape_bin):
    v = version_lines(goescape_bin, "--version")
    assert list(v) == ["goescape", "commit", "libuv", "jansson", "pcre2"]
    if git("rev-parse", "HEAD") is not None:
        # The binary may be older than the checkout (a release archive checked after a commit):
        # its commit must be in the history, and its version must describe that commit.
        assert re.fullmatch(r"[0-9a-f]{40}", v["commit"]), v["commit"]
        assert git("merge-base", "--is-ancestor", v["commit"], "HEAD") is not None, v["commit"]
        assert v["goescape"].removesuffix("-dirty") == git("describe", "--tags", "--always",
                                                            v["commit"])
    else:
        assert re.fullmatch(r"[0-9a-f]{40}|unknown", v["commit"])
    assert re.fullmatch(r"1\.\d+\.\d+(-\w+)?", v["libuv"]), v["libuv"]
    assert re.fullmatch(r"2\.\d+(\.\d+)?", v["jansson"]), v["jansson"]
    assert re.fullmatch(r"10\.\d+(-RC\d+)? \d{4}-\d{2}-\d{2}", v["pcre2"]), v["pcre2"]


def test_short_flag_is_the_same(goescape_bin):
    assert version_lines(goescape_bin, "-v") == version_lines(goescape_bin, "--version")
