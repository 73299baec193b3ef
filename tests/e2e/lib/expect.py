#!/usr/bin/env python3
"""Resolves an expectations file (tests/e2e/expect/*.json) against a copy of the example
module: finds the 0-based line and character of every expected finding, so the editor
tests can assert specific categories at specific positions.

usage: expect.py EXPECT.json MODULE_DIR > resolved.json
"""
import json
import os
import sys


def find(lines, match, at, start=0):
    for i in range(start, len(lines)):
        if match in lines[i]:
            col = lines[i].find(at) if at else lines[i].find(match)
            if col < 0:
                sys.exit("expect.py: %r not found in line %d %r" % (at, i + 1, lines[i]))
            return i, col
    sys.exit("expect.py: no line contains %r" % match)


def main():
    spec = json.load(open(sys.argv[1]))
    mod = os.path.abspath(sys.argv[2])
    path = os.path.join(mod, spec["file"])
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    out = {
        "module": mod,
        "file": path,
        "uri": "file://" + path,
        "diagnostics": [],
        "hint_contains": spec.get("hint_contains", "heap"),
        "setting_off": spec.get("setting_off"),
    }
    for d in spec["diagnostics"]:
        line, col = find(lines, d["match"], d.get("at"))
        out["diagnostics"].append({"line": line, "character": col, "category": d["category"],
                                   "hint": bool(d.get("hint")), "text": lines[line].strip()})
        if d.get("hover") and "hover" not in out:
            out["hover"] = {"line": line, "character": col, "contains": spec.get("hover_contains", "heap")}
    s = spec.get("save")
    if s:
        if not text.endswith("\n"):
            sys.exit("expect.py: %s must end with a newline" % path)
        new_lines = (text + s["append"]).split("\n")
        line, col = find(new_lines, s["match"], s.get("at"), start=len(lines) - 1)
        out["save"] = {"append": s["append"], "line": line, "character": col, "category": s["category"]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
