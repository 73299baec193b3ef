"""The pinned gopls the companion-mode tests run: installed once into a cache directory
(go install, idempotent), and found there afterwards."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GOPLS_VERSION = "v0.23.0"


def gopls_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "goescape-gopls" / GOPLS_VERSION


def gopls_path(install: bool = True) -> str | None:
    """The pinned gopls, installed first when missing and install is true; None when it
    cannot be had (no go, no network and no module cache)."""
    exe = gopls_dir() / "gopls"
    if exe.is_file() and os.access(exe, os.X_OK):
        return str(exe)
    if not install:
        return None
    env = dict(os.environ, GOBIN=str(gopls_dir()))
    r = subprocess.run(["go", "install", f"golang.org/x/tools/gopls@{GOPLS_VERSION}"],
                       env=env, cwd=str(Path.home()), capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0 or not exe.is_file():
        return None
    return str(exe)
