"""One analysis of a module, shared by many read-only checks: start a session, open files,
wait for the analysis, keep what was published, shut down. Runs its own event loop, so a
module-scoped fixture can call it once for a whole test file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from . import text as tx
from .compiler import Escape, reference_escapes
from .session import Session, start_session


@dataclass
class Analysis:
    root: Path
    encoding: str
    diagnostics: dict[str, list[dict]]   # path -> goescape diagnostics
    texts: dict[str, str]                # path -> text
    escapes: list[Escape]                # the compiler's lines for the package
    files: set[str]
    exit_code: int
    status: dict[str, dict]          # package -> its final goescape/status
    hints: dict[str, list[dict]]
    lenses: dict[str, list[dict]]

    def text(self, rel: str) -> str:
        return self.texts[str(self.root / rel)]

    def diags(self, rel: str) -> list[dict]:
        return self.diagnostics.get(str(self.root / rel), [])

    def escapes_in(self, rel: str) -> list[Escape]:
        p = str(self.root / rel)
        return [e for e in self.escapes if e.path == p]


async def _run(binary: str, root: Path, tmp: Path, packages: dict[str, str],
               open_files: list[str], utf8: bool, settings: dict | None,
               tests: bool) -> Analysis:
    s: Session = await start_session(binary, root, tmp, utf8=utf8, settings=settings)
    try:
        mark = s.mark()
        for f in open_files:
            s.open(f)
        status = {}
        for package in packages:
            status[package] = await s.wait_analysis(package, mark)
        await s.delivered()
        escapes, files = [], set()
        for pattern in packages.values():
            e, f = reference_escapes(root, pattern, tests=tests)
            escapes += e
            files |= f
        diags = {p: s.diagnostics(Path(p).as_uri()) for p in files}
        texts = {p: Path(p).read_text(encoding="utf-8") for p in files}
        hints = {}
        lenses = {}
        for f in open_files:
            hints[str(root / f)] = await s.inlay_hints(f)
            lenses[str(root / f)] = await s.code_lenses(f)
        rc = await s.shutdown()
    finally:
        await s.close()
    return Analysis(root, s.encoding, diags, texts, escapes, files, rc, status, hints, lenses)


def analyze(binary: str, root: Path, tmp: Path, packages: dict[str, str],
            open_files: list[str], *, utf8: bool = False, settings: dict | None = None,
            tests: bool = True) -> Analysis:
    """packages maps each import path to analyze to its pattern relative to root."""
    return asyncio.run(_run(binary, root, tmp, packages, open_files, utf8, settings, tests))
