"""What the compiler's own -m=2 explanation says about each heap escape, and how a goescape
diagnostic must agree with it: the category (only where the compiler's wording decides it),
the cause words in the message, and the flow steps as file and line.

These rules are written from the compiler's text alone (see the shared description of the
-m=2 forms), not from goescape's classifier, so a broken rule on either side shows up as a
disagreement. They are kept in this one module so they are easy to read and to adjust.

A block of explanation looks like this (Go 1.26; older versions print "=" for the arrow and
no "in FUNC"):

    a.go:6:9: func literal escapes to heap in MakeAdder:
    a.go:6:9:   flow: ~r0 ← &{storage for func literal}:
    a.go:6:9:     from func literal (spill) at a.go:6:9
    a.go:6:9:     from return func literal (return) at a.go:6:2
    a.go:6:9: func literal escapes to heap                <- the summary line it explains

A variable's block is headed "NAME escapes to heap" and explains "moved to heap: NAME".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from .compiler import LINE_RX, Escape

HEADER_RX = re.compile(r"^(?P<subject>\S.*?) escapes to heap(?: in (?P<func>.+))?:$")
FLOW_RX = re.compile(r"^  flow: (?P<dst>.+?) (?:←|=) (?P<src>.+):$")
STEP_RX = re.compile(r"^    from (?P<what>.*) \((?P<why>[^()]*)\) at (?P<at>.+)$")
AT_RX = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?(?:\[[^\]]*\])?$")


@dataclass
class Step:
    what: str
    why: str
    path: str | None   # absolute; None for "at <unknown line number>"
    line: int


@dataclass
class Edge:
    dst: str
    src: str
    steps: list[Step] = field(default_factory=list)


@dataclass
class Block:
    path: str
    line: int
    col: int
    subject: str
    edges: list[Edge] = field(default_factory=list)

    def flat(self) -> list[tuple[Edge, Step | None]]:
        """Every step in order, with an edge that has none standing for itself."""
        out: list[tuple[Edge, Step | None]] = []
        for e in self.edges:
            out += [(e, s) for s in e.steps] or [(e, None)]
        return out


def _abspath(f: str, cwd: Path) -> str:
    return os.path.normpath(f if os.path.isabs(f) else os.path.join(cwd, f))


def parse_blocks(output: str, cwd: Path) -> dict[tuple[str, int, int], list[Block]]:
    """Every explanation block, by the position of its header. The first block with a given
    position and subject wins (a package compiled again for its tests repeats them)."""
    blocks: dict[tuple[str, int, int], list[Block]] = {}
    cur: Block | None = None
    for raw in output.splitlines():
        m = LINE_RX.match(raw)
        if not m:
            cur = None
            continue
        pos = (_abspath(m["file"], cwd), int(m["line"]), int(m["col"]))
        msg = m["msg"]
        if cur is not None and pos == (cur.path, cur.line, cur.col):
            fm = FLOW_RX.match(msg)
            if fm:
                cur.edges.append(Edge(fm["dst"], fm["src"]))
                continue
            sm = STEP_RX.match(msg)
            if sm and cur.edges:
                am = AT_RX.match(sm["at"])
                cur.edges[-1].steps.append(Step(
                    sm["what"], sm["why"], _abspath(am["file"], cwd) if am else None,
                    int(am["line"]) if am else 0))
                continue
        cur = None
        hm = HEADER_RX.match(msg)
        if hm:
            cur = Block(*pos, hm["subject"])
            same = blocks.setdefault(pos, [])
            if any(b.subject == cur.subject for b in same):
                cur = Block(*pos, hm["subject"])  # a repeat: parsed, then dropped
            else:
                same.append(cur)
    return blocks


def block_for(e: Escape, blocks: dict, claimed: set[int]) -> Block | None:
    """The block that explains summary line e: same position and subject; else the only
    block at that position no other summary line claims (the compiler may name a constant's
    operand in the header, "x escapes to heap", and print "1000 escapes to heap")."""
    here = blocks.get((e.path, e.line, e.col), [])
    for b in here:
        if b.subject == e.subject:
            return b
    free = [b for b in here if id(b) not in claimed]
    return free[0] if len(free) == 1 else None


# -- category ---------------------------------------------------------------------------------

FORCED = ("too large for stack", "too aligned for stack", "non-constant size",
          "zero-sized element")
IDENT_RX = re.compile(r"^[^\W\d]\w*$")
CONST_RX = re.compile(r"^(-?\d[\w.]*|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|'(?:[^'\\]|\\.)+'"
                      r"|true|false|nil)$")


def _captured(b: Block | None) -> bool:
    """A variable captured by a closure (not a compiler temporary of a go/defer wrapper)."""
    return b is not None and any(s is not None and s.why == "captured by a closure"
                                 and not s.what.startswith(".autotmp")
                                 for _, s in b.flat())


def _forced(b: Block | None) -> str | None:
    whys = [s.why for _, s in b.flat() if s is not None] if b else []
    return next((f for f in FORCED if f in whys), None)


def categories_by_wording(e: Escape, b: Block | None) -> set[str] | None:
    """The categories the compiler's words allow for this line, or None where the words do
    not decide (a struct literal of a named type, a selector that may be a method value,
    a + b that may be a number)."""
    s = e.subject.replace("go.shape.", "")
    if e.kind == "moved":
        if _forced(b):
            return {"moved"}
        return {"closure"} if _captured(b) else {"moved"}
    if s == "func literal":
        return {"closure"}
    if s.startswith("make(map[") or (s.startswith("map[") and s.endswith("}")):
        return {"map"}
    if s.startswith("make([]") or (s.startswith("[]") and s.endswith("}")):
        return {"slice"}
    if s == "... argument" or s == "append" or s.startswith("append("):
        return {"slice"}
    if s.startswith("make(chan ") or s.startswith("make(<-chan "):
        return {"other"}
    if s.startswith("new(") or s.startswith("&"):
        return {"pointer"}
    if s.startswith(("([]byte)(", "([]rune)(", "string(")):
        return {"string"}
    # The value of a name or a constant cannot itself be an allocation: it escapes because
    # it is converted to an interface (static data when nothing needs allocating).
    if IDENT_RX.match(s) or CONST_RX.match(s) or s.startswith(("any(", "interface {}(")):
        return {"interface", "static"}
    return None


# -- cause ------------------------------------------------------------------------------------

# The words of goescape's cause for each reason the compiler gives; "via" is the part in
# parentheses after "converted to interface".
FORCED_WORDS = {
    "too large for stack": r"too large for the stack",
    "too aligned for stack": r"too strictly aligned for the stack",
    "non-constant size": r"size not constant",
    "zero-sized element": r"slice of zero-sized elements",
}
EXIT_WORDS = {
    "returned": (r"returned( from .+)?", r" \(returned from .+\)"),
    "sent": (r"sent on a channel", r" \(sent on a channel\)"),
    "call": (r"leaks via (argument to .+|a call argument)", r" \(argument( of .+)?\)"),
    "append": (r"appended to a slice", r" \(appended to a slice\)"),
    "store": (r"stored (in|through) .+|flows (to|into) .+", r"( \(stored .+\))?"),
    "goroutine": (r"passed to a goroutine|deferred in a loop", r""),
    "heap": (r"flows (to|into) .+|stored in .+", r"( \(stored .+\))?"),
}
STORE_WHYS = ("key of map put", "map literal key", "map literal value")


def exit_of(e: Escape, b: Block) -> str:
    """How the value leaves the function, from the last step that says so."""
    for edge, s in reversed(b.flat()):
        if s is None:
            continue
        to_heap = edge.dst == "{heap}"
        if s.why == "return":
            return "returned"
        if s.why == "send":
            return "sent"
        if s.why == "call parameter" and to_heap:
            return "append" if s.what.startswith("append(") else "call"
        if (s.why.startswith("assign") or s.why in STORE_WHYS) and to_heap:
            return "store"
    last = b.edges[-1].dst if b.edges else ""
    if last.startswith("~r"):
        return "returned"
    if e.subject == "func literal" and last == "{heap}":
        return "goroutine"
    return "heap"


def cause_patterns(e: Escape, b: Block, category: str) -> tuple[str, str]:
    """(a regex the cause words must match in full, the compiler reason it stands for)."""
    forced = _forced(b)
    if forced:
        return FORCED_WORDS[forced], forced
    if _captured(b):
        return r"captured by a closure", "captured by a closure"
    whys = [s.why for _, s in b.flat() if s is not None]
    if any(s is not None and s.why == "captured by a closure" for _, s in b.flat()):
        return EXIT_WORDS["goroutine"][0], "captured temporary of a go/defer statement"
    ex = exit_of(e, b)
    if "interface-converted" in whys or category in ("interface", "static"):
        return r"converted to interface" + EXIT_WORDS[ex][1], f"interface conversion, {ex}"
    return EXIT_WORDS[ex][0], ex


# -- flow steps -------------------------------------------------------------------------------

# goescape places flow steps in the files of the analysed package only; a step inside code
# inlined from another package (e.g. sync.OnceValue's body in GOROOT) is left out of the
# related information. Set to True when such steps are shown.
STEPS_OUTSIDE_PACKAGE_SHOWN = False


def plumbing(s: Step) -> bool:
    """A step that is the compiler's own bookkeeping, which the flow leaves out: a generic
    callee's type dictionary handed over with the value, and an assignment to the compiler's
    temporaries (".autotmp_3, .autotmp_4 = func literal, i") that holds a value while a call
    runs."""
    if "..dict" in s.what:
        return True
    return s.why.startswith("assign") and s.what.startswith(".autotmp_") and " = " in s.what


def repeats_result(s: Step, prev: Step | None) -> bool:
    """An inlined call's result handed on to itself ("~r0 = ~r0") right after the step that
    assigned it ("~r0 = reflect.Value{...}") says the same thing again: "returned by the
    inlined call"."""
    m = re.fullmatch(r"(~[rR]\d+) = \1", s.what) if s.why.startswith("assign") else None
    return (m is not None and prev is not None and prev.why.startswith("assign")
            and prev.what.startswith(m[1] + " = "))


def expected_steps(e: Escape, b: Block, files: set[str]) -> list[tuple[str, int]]:
    """(file, line) of every step the explanation shows, in order: each "from ... at" line,
    and the header's position for an edge explained by no step. A "reference" right after
    the capture it repeats, a step of the compiler's own bookkeeping (plumbing), and a step at
    an unknown line, have no place to show; nor, for now, a step outside the package's files."""
    out = []
    prev: Step | None = None
    for _, s in b.flat():
        if s is None:
            out.append((b.path, b.line))
        elif (s.path is not None and (STEPS_OUTSIDE_PACKAGE_SHOWN or s.path in files)
              and not (s.why == "reference" and prev is not None
                       and prev.why == "captured by a closure")
              and not plumbing(s) and not repeats_result(s, prev)):
            out.append((s.path, s.line))
        prev = s
    return out


def uri_path(uri: str) -> str:
    return os.path.normpath(unquote(urlparse(uri).path))


def shown_steps(diag: dict) -> list[tuple[str, int]]:
    return [(uri_path(ri["location"]["uri"]), ri["location"]["range"]["start"]["line"] + 1)
            for ri in diag.get("relatedInformation") or []]


# -- the comparison ---------------------------------------------------------------------------

def compare(pairs: list[tuple[Escape, dict]], output: str, cwd: Path, files: set[str],
            cause_of) -> tuple[str, list[str]]:
    """Compares each matched (compiler line, diagnostic) pair with the explanation in output
    (the go command's stderr, paths relative to cwd); files are the package's files, and
    cause_of gives a diagnostic's cause words. Returns a summary with counts and the list of
    disagreements."""
    blocks = parse_blocks(output, cwd)
    claimed = {id(b) for e, _ in pairs for b in blocks.get((e.path, e.line, e.col), [])
               if b.subject == e.subject}
    problems: list[str] = []
    n_cat = n_cause = n_flow = n_unexplained = n_static = n_inlined = 0
    for e, d in pairs:
        where = f"{e.raw} -> {d['message']!r}"
        b = block_for(e, blocks, claimed)
        want = categories_by_wording(e, b)
        # What an inlined call's body allocates besides its result is "inlined" whatever it
        # is: the compiler's words at the call cannot tell the user's value from the callee's.
        if want is not None and d.get("code") == "inlined":
            n_inlined += 1
        elif want is not None:
            n_cat += 1
            if d.get("code") not in want:
                problems.append(f"category {d.get('code')!r}, the compiler's words say "
                                f"{sorted(want)}: {where}")
        if b is None:
            n_unexplained += 1
            continue
        if d.get("code") in ("static", "inlined"):
            n_static += 1  # no allocation, or the callee's: its words are the category's own
        else:
            pattern, reason = cause_patterns(e, b, d.get("code", ""))
            n_cause += 1
            # A value the user gets from an inlined call says where the code comes from.
            cause = re.sub(r", inside the inlined call to .*$", "", cause_of(d), flags=re.S)
            if not re.fullmatch(pattern, cause, re.S):
                problems.append(f"cause {cause!r} does not say {reason!r} (/{pattern}/): {where}")
        want_steps = expected_steps(e, b, files)
        got_steps = shown_steps(d)
        n_flow += 1
        if got_steps != want_steps:
            problems.append(f"flow steps {[f'{Path(p).name}:{ln}' for p, ln in got_steps]}, the "
                            f"compiler's are {[f'{Path(p).name}:{ln}' for p, ln in want_steps]}: "
                            f"{where}")
    summary = (f"{n_cat} categories, {n_cause} causes and {n_flow} flows compared with the "
               f"compiler's words; {n_unexplained} lines without an explanation block, "
               f"{n_static} static or inlined (cause not compared), {n_inlined} inlined "
               f"(category not compared)")
    return summary, problems
