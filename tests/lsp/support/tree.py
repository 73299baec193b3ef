"""Snapshots of a directory tree, to prove that the server writes nothing into it."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file and directory under root: type, mode, size, mtime and content hash.
    Directory mtimes are kept too, so a file created and removed again is noticed."""
    snap: dict[str, tuple] = {}
    root = Path(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in [""] + sorted(filenames) + dirnames:
            p = os.path.join(dirpath, name) if name else dirpath
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                snap[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest)
            elif stat.S_ISDIR(st.st_mode):
                if name:
                    continue  # listed when os.walk enters it
                snap[rel] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                snap[rel] = ("other", st.st_mode, os.readlink(p) if stat.S_ISLNK(st.st_mode) else "")
    return snap


def diff(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    out = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            out.append(f"created: {k}")
        elif k not in after:
            out.append(f"removed: {k}")
        elif before[k] != after[k]:
            out.append(f"changed: {k}: {before[k]} -> {after[k]}")
    return out


def assert_unchanged(root: Path, before: dict[str, tuple]) -> None:
    changes = diff(before, snapshot(root))
    assert not changes, f"the tree under {root} changed:\n" + "\n".join(changes)
