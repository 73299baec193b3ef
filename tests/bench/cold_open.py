#!/usr/bin/env python3
"""The first open of a package on an empty build cache, over LSP, measured by hand.

    tests/bench/cold_open.py MODULE_DIR FILE GOMODCACHE [SETTINGS_JSON]

MODULE_DIR is a writable copy of a module whose dependencies are already in GOMODCACHE (the
server runs the go command with GOPROXY=off, so nothing is downloaded). The server
($GOESCAPE_BIN, default build/goescape) gets a new, empty GOCACHE, opens FILE and waits until
the analysis ends; the script prints how long that took, how it ended, the number of
diagnostics FILE got, and the progress reports the server sent meanwhile. Not part of `make
bench`: a cold build of a module with real dependencies takes minutes. docs/benchmarks.md
records a run.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

import robust_util as ru  # noqa: E402


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    root, rel, modcache = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[3]
    settings = json.loads(sys.argv[4]) if len(sys.argv) == 5 else {}
    scratch = Path(tempfile.mkdtemp(prefix="goescape-cold-"))
    gocache = scratch / "gocache"
    gocache.mkdir()
    h = ru.Harness(scratch)
    try:
        s = h.start(env={"GOCACHE": str(gocache), "GOMODCACHE": modcache,
                         "GOFLAGS": "-modcacherw"})
        s.initialize(root, settings)
        mark = s.mark()
        t0 = time.monotonic()
        uri = s.open(root / rel)
        st = s.wait_notification("goescape/status",
                                 lambda p: p.get("state") in ("idle", "failed"),
                                 "the end of the first analysis", 3600, mark)
        elapsed = time.monotonic() - t0
        lists = [p["diagnostics"] for p in s.notifications("textDocument/publishDiagnostics", mark)
                 if p["uri"] == uri]
        reports = [p["value"].get("message") for p in s.notifications("$/progress", mark)
                   if p["value"]["kind"] == "report"]
        print(f"{st['state']} after {elapsed:.1f} s: {st['message']}; "
              f"{len(lists[-1]) if lists else 0} diagnostics in {rel}")
        print(f"{len(reports)} progress reports; first: {reports[:3]}; last: {reports[-2:]}")
        for line in s.stderr.splitlines():
            if "go command" in line or "running" in line:
                print(line)
    finally:
        h.finish()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
