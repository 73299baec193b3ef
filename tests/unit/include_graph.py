#!/usr/bin/env python3
"""The scheduler stands apart from the stages it drives.

Reads every `#include "..."` of server/**/*.c and *.h and turns it into a graph between .c
files: a file depends on another when it includes (directly or through other headers) a
header that declares a function the other defines. Then it checks two things and exits 1,
naming the path, when either fails:

- the scheduler's .c file (server/run/scheduler.c) is on no cycle: nothing it depends on
  depends back on it, so it can be read, built and tested alone;
- no stage (server/run/analyze.c, results.c, apply.c, deliver.c) includes the scheduler's
  header, directly or through another header: the stages report through callbacks.

Usage: include_graph.py [--root DIR] [--scheduler run/scheduler.c] [--stage run/x.c ...]
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A declaration in a header: a name followed by "(", not a function pointer "(*name)".
DECLARED = re.compile(r'(?<![\w*(])\**(ge_\w+)\s*\(')
# A definition in a .c file: at the start of a line, non-static, with the body on a later
# line (the project's style puts "{" on its own line).
DEFINED = re.compile(r'^(?!static\b)[A-Za-z_][\w \t*]*?\b(ge_\w+)\s*\([^;{]*\)\s*\n\{', re.M)
STAGES = ["run/analyze.c", "run/results.c", "run/apply.c", "run/deliver.c"]


def strip_comments(text):
    return re.sub(r'/\*.*?\*/|//[^\n]*', ' ', text, flags=re.S)


def load(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith((".c", ".h")):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    files[os.path.relpath(path, root)] = f.read()
    return files


def resolve(files, current, inc):
    """An include as the compiler finds it: beside the file, then from server/."""
    beside = os.path.normpath(os.path.join(os.path.dirname(current), inc))
    if beside in files:
        return beside
    if inc in files:
        return inc
    return None  # include/goescape/... or a system header: outside server/


def includes(files, path, seen=None):
    """Every server/ header path reaches, directly or through others."""
    seen = set() if seen is None else seen
    for inc in INCLUDE.findall(files[path]):
        target = resolve(files, path, inc)
        if target is not None and target not in seen:
            seen.add(target)
            includes(files, target, seen)
    return seen


def graph(files):
    owner = {}
    for path, text in files.items():
        if path.endswith(".c"):
            for name in DEFINED.findall(strip_comments(text)):
                owner.setdefault(name, path)
    declared = {}
    for path, text in files.items():
        if path.endswith(".h"):
            declared[path] = {n for n in DECLARED.findall(strip_comments(text)) if n in owner}
    edges = {}
    for path in files:
        if not path.endswith(".c"):
            continue
        deps = set()
        for header in includes(files, path):
            deps |= {owner[n] for n in declared.get(header, ())}
        deps.discard(path)
        edges[path] = deps
    return edges


def cycle_through(edges, start):
    """A path start -> ... -> start, or None."""
    parent = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return list(reversed(path)) + [start]
            if nxt not in parent:
                parent[nxt] = node
                stack.append(nxt)
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(here, "..", "..", "server"))
    ap.add_argument("--scheduler", default="run/scheduler.c")
    ap.add_argument("--stage", action="append", default=None)
    args = ap.parse_args()
    files = load(args.root)
    if args.scheduler not in files:
        print(f"include_graph: {args.scheduler} is not in {args.root}", file=sys.stderr)
        return 1
    edges = graph(files)
    failed = False
    cycle = cycle_through(edges, args.scheduler)
    if cycle is not None:
        print("include_graph: the scheduler is on a cycle: " + " -> ".join(cycle),
              file=sys.stderr)
        failed = True
    header = args.scheduler[:-2] + ".h"
    for stage in args.stage or STAGES:
        if stage == args.scheduler or stage not in files:
            continue
        if header in includes(files, stage):
            print(f"include_graph: the stage {stage} includes {header}", file=sys.stderr)
            failed = True
    if not failed:
        deps = ", ".join(sorted(edges[args.scheduler])) or "nothing"
        print(f"include_graph: {args.scheduler} depends on {deps} and is on no cycle")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
