"""Generated Go packages for tests that need a build in flight: a package large enough that
compiling it with -m=2 takes seconds, with a nonce so that the build cache never has it."""

from __future__ import annotations

import random
from pathlib import Path


def heavy_source(nfuncs: int, nonce: int | None = None, extra: str = "") -> str:
    nonce = random.getrandbits(62) if nonce is None else nonce
    out = ["// Package heavy is generated: many small functions with escapes, so that the\n",
           "// compiler takes a while.\n",
           "package heavy\n\nimport \"fmt\"\n\n",
           f"const nonce = {nonce}\n\n", extra, "\n"]
    for i in range(nfuncs):
        out.append(
            f"func F{i}(k string, v int) (map[string]int, func() int, string) {{\n"
            f"\tm := map[string]int{{k: v + nonce}}\n"
            f"\tx := v * {i}\n"
            f"\tf := func() int {{ x++; return x + len(m) }}\n"
            f"\treturn m, f, fmt.Sprint(k, x)\n"
            f"}}\n\n")
    return "".join(out)


def write_heavy_module(root: Path, nfuncs: int = 1200, module: str = "example.com/heavy") -> Path:
    """Writes a module with one heavy package at root/heavy; returns the package's file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text(f"module {module}\n\ngo 1.19\n")
    pkg = root / "heavy"
    pkg.mkdir(exist_ok=True)
    f = pkg / "heavy.go"
    f.write_text(heavy_source(nfuncs))
    return f
