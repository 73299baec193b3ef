#!/usr/bin/env python3
"""Resolves an expectations file (tests/e2e/expect/*.json) against a copy of the example
module, so the editor tests assert exact ranges, messages, hint positions and hovers.

The expected findings come from the spec and from the Go compiler, never from goescape:
`go build -gcflags=-m=2` runs on the copy (and on the copy with the save's text appended),
and every expected finding must be a heap escape the compiler reports on that line. The
message is the compiler's subject and verb ("X escapes to heap", "moved to heap: X" read as
"X moved to heap") followed by the spec's cause; the hover must name the cause and at least
one of the compiler's flow steps ("from TEXT (kind) at FILE:LINE") for that escape.

Every position is given in three units, since each editor counts differently: `u16`
(UTF-16 code units: LSP, VS Code), `byte` (UTF-8 bytes: Neovim) and `cp` (code points:
Emacs). Lines are 0-based.

usage: expect.py EXPECT.json MODULE_DIR > resolved.json
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LINE_RE = re.compile(r"^\./(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<text>.*)$")
ESCAPES_RE = re.compile(r"^(?P<subject>.+) escapes to heap$")
MOVED_RE = re.compile(r"^moved to heap: (?P<subject>.+)$")
FROM_RE = re.compile(r"^\s+from (?P<text>.+) \((?P<kind>[^()]+)\) at \./(?P<file>[^:]+):(?P<line>\d+):\d+$")


def fail(msg):
    sys.exit("expect.py: " + msg)


def compiler_facts(module, file):
    """Heap escapes the compiler reports for FILE: {line0: [fact]} with subject, verb and
    the flow steps of its explanation."""
    env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod")
    p = subprocess.run(["go", "build", "-gcflags=-m=2", "."], cwd=module, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if p.returncode != 0:
        fail("go build -gcflags=-m=2 failed in %s:\n%s" % (module, p.stderr[-2000:]))
    flows = {}  # (line, col) -> steps of the explanation printed at that position
    facts = {}
    for raw in p.stderr.splitlines():
        m = LINE_RE.match(raw)
        if not m or m["file"] != file:
            continue
        pos = (int(m["line"]) - 1, int(m["col"]) - 1)
        text = m["text"]
        f = FROM_RE.match(text)
        if f:
            flows.setdefault(pos, []).append({"text": f["text"], "kind": f["kind"],
                                              "file": f["file"], "line": int(f["line"]) - 1})
            continue
        e = ESCAPES_RE.match(text)
        mv = MOVED_RE.match(text)
        if e or mv:
            verb = "escapes to heap" if e else "moved to heap"
            subject = (e or mv)["subject"]
            facts.setdefault(pos[0], []).append({"subject": subject, "verb": verb, "pos": pos})
    for line_facts in facts.values():
        for fact in line_facts:
            fact["flow"] = flows.get(fact["pos"], [])
    if not facts:
        fail("the compiler reports no heap escape in %s" % file)
    return facts


def units(line, col_cp):
    """A position in LINE (code point index) in every unit the editors use."""
    prefix = line[:col_cp]
    return {"cp": col_cp, "u16": len(prefix.encode("utf-16-le")) // 2,
            "byte": len(prefix.encode("utf-8"))}


def byte_to_cp(line, col_byte):
    return len(line.encode("utf-8")[:col_byte].decode("utf-8", errors="ignore"))


def find_line(lines, match, start=0):
    for i in range(start, len(lines)):
        if match in lines[i]:
            return i
    fail("no line contains %r" % match)


def resolve(d, lines, facts, file):
    """One expected finding: its range, message, hint and hover in every unit."""
    i = find_line(lines, d["line"], d.get("_from", 0))
    text = lines[i]
    col = text.find(d["range"])
    if col < 0:
        fail("%r not found in line %d %r" % (d["range"], i + 1, text))
    start, end = units(text, col), units(text, col + len(d["range"]))
    # the compiler must report a heap escape on this line, inside the range
    inside = [f for f in facts.get(i, []) if col <= byte_to_cp(text, f["pos"][1]) <= col + len(d["range"])]
    if not inside:
        fail("the compiler reports no heap escape on line %d inside %r (it reports: %s)"
             % (i + 1, d["range"], [f["subject"] for f in facts.get(i, [])]))
    fact = inside[0]
    subject = d.get("subject", fact["subject"])
    out = {
        "line": i, "character": start["u16"], "text": text.strip(), "category": d["category"],
        "start": dict(line=i, **start), "end": dict(line=i, **end),
        "message": "%s %s: %s" % (subject, fact["verb"], d["cause"]),
        "cause": d["cause"],
        "flow": [{"text": s["text"], "ref": "%s:%d" % (s["file"], s["line"] + 1)}
                 for s in fact["flow"] if s["file"] == file],
    }
    if not out["flow"]:
        fail("the compiler gives no flow step for the escape on line %d" % (i + 1))
    h = d.get("hint")
    if h:
        after = h["after"]
        hc = len(text) if after == "" else text.find(after, col) + len(after)
        if after and hc < len(after):
            fail("hint: %r not found after the range on line %d" % (after, i + 1))
        out["hint"] = {"label": h["label"], "pos": dict(line=i, **units(text, hc))}
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    mod = os.path.abspath(sys.argv[2])
    file = spec["file"]
    path = os.path.join(mod, file)
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    facts = compiler_facts(mod, file)
    out = {
        "module": mod,
        "file": path,
        "uri": "file://" + path,
        "hint_contains": spec.get("hint_contains", "heap"),
        "setting_off": spec.get("setting_off"),
        "diagnostics": [resolve(d, lines, facts, file) for d in spec["diagnostics"]],
    }
    hovers = [(e, d) for e, d in zip(out["diagnostics"], spec["diagnostics"]) if d.get("hover")]
    if hovers:
        e = hovers[0][0]
        out["hover"] = {"line": e["start"]["line"], "character": e["start"]["u16"], "start": e["start"],
                        "cause": e["cause"], "flow": e["flow"]}
    s = spec.get("save")
    if s:
        if not text.endswith("\n"):
            fail("%s must end with a newline" % path)
        # the compiler's view of the saved text, in a scratch copy
        tmp = tempfile.mkdtemp(prefix="goescape-expect-")
        try:
            copy = os.path.join(tmp, "m")
            shutil.copytree(mod, copy)
            with open(os.path.join(copy, file), "a", encoding="utf-8") as f:
                f.write(s["append"])
            new_lines = (text + s["append"]).split("\n")
            saved = resolve(dict(s, _from=len(lines) - 1), new_lines, compiler_facts(copy, file), file)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        saved["append"] = s["append"]
        out["save"] = saved
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
