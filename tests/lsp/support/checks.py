"""Checks shared by the tests: the shape of a goescape diagnostic, and the one-to-one match
between the compiler's escape lines and the published diagnostics."""

from __future__ import annotations

import re
from pathlib import Path

from . import text as tx
from .compiler import Escape
from .session import DEFAULT_SEVERITY, GOESCAPE, HEAP_CATEGORIES

ESCAPE_MSG_RX = re.compile(r"^(?P<subject>.+) escapes to heap: (?P<cause>\S.*)$", re.S)
MOVED_MSG_RX = re.compile(r"^(?P<name>\S+) moved to heap: (?P<cause>\S.*)$", re.S)
# An escape that allocates nothing (the static category, shown on request).
STATIC_MSG_RX = re.compile(r"^(?P<subject>.+) needs no allocation: (?P<cause>\S.*)$", re.S)
# Compiler escape lines that are not heap escapes for the user, shown when their category is
# on (hints by default): values that need no allocation, and what an inlined callee
# allocates besides the value of the call.
ON_REQUEST = {"static": 4, "inlined": 4}


def kind_of(diag: dict) -> str | None:
    """"moved" or "escape" from the message form, or None when it is neither."""
    msg = diag["message"]
    if MOVED_MSG_RX.match(msg):
        return "moved"
    if ESCAPE_MSG_RX.match(msg) or STATIC_MSG_RX.match(msg):
        return "escape"
    return None


def loose_kind(diag: dict) -> str | None:
    """The kind even when the message's form is wrong (that is reported on its own)."""
    msg = diag["message"]
    if re.match(r"^\S+ moved to heap\b", msg):
        return "moved"
    if " escapes to heap" in msg or " needs no allocation" in msg:
        return "escape"
    return None


def cause_of(diag: dict) -> str:
    m = (MOVED_MSG_RX.match(diag["message"]) or ESCAPE_MSG_RX.match(diag["message"])
         or STATIC_MSG_RX.match(diag["message"]))
    assert m, diag["message"]
    return m["cause"]


def shape_problems(diag: dict, severity: dict[str, int] | None = None) -> list[str]:
    """What is wrong with one diagnostic's form, per the documented surface."""
    sev = severity or DEFAULT_SEVERITY
    probs = []
    if diag.get("source") != GOESCAPE:
        probs.append(f"source {diag.get('source')!r}")
    code = diag.get("code")
    if code in ON_REQUEST and diag.get("severity") == sev.get(code, ON_REQUEST[code]):
        pass
    elif code not in HEAP_CATEGORIES:
        probs.append(f"code {code!r} is not a heap category")
    elif diag.get("severity") != sev[code]:
        probs.append(f"severity {diag.get('severity')} for {code}, expected {sev[code]}")
    if kind_of(diag) is None:
        probs.append(f"message {diag['message']!r} is neither '<subject> escapes to heap: "
                     f"<cause>' nor '<name> moved to heap: <cause>'")
    for ri in diag.get("relatedInformation") or []:
        loc = ri.get("location") or {}
        if not str(loc.get("uri", "")).startswith("file://") or "range" not in loc:
            probs.append(f"relatedInformation without a file location: {ri}")
        if not ri.get("message"):
            probs.append(f"relatedInformation without a message: {ri}")
        raw = ri.get("message", "")
        if "~r" in raw or "{storage for" in raw:
            probs.append(f"compiler jargon left in a flow step: {raw!r}")
    return probs


def _match(edges: list[list[int]], nright: int) -> list[int]:
    """Maximum bipartite matching (iterative augmenting paths); returns right -> left or -1."""
    owner = [-1] * nright
    for root in range(len(edges)):
        seen: set[int] = set()
        parent: dict[int, tuple[int, int | None]] = {}  # right node -> (left, previous right)
        stack = [(root, None)]
        found = None
        while stack and found is None:
            u, via = stack.pop()
            for v in edges[u]:
                if v in seen:
                    continue
                seen.add(v)
                parent[v] = (u, via)
                if owner[v] == -1:
                    found = v
                    break
                stack.append((owner[v], v))
        while found is not None:
            u, prev = parent[found]
            owner[found] = u
            found = prev
    return owner


# A compiler line whose subject is printed as a constant: a string (shortened ones end in
# "..." without a closing quote), a number, a rune, true or false, or such a constant converted
# to a basic type. Go lays constants out in read-only data, so they allocate nothing
# (tests/lsp/fixtures/static measures it) and goescape shows them only when the static
# category is on; an unmatched one is not a miss.
CONSTANT_RX = re.compile(
    r'^(?:"(?:[^"\\]|\\.)*(?:"|\.\.\.)|-?[0-9][0-9a-fA-FxXoObB_.eEpP+-]*i?|'
    r"'(?:[^'\\]|\\.)+'|true|false|"
    r"(?:u?int(?:8|16|32|64)?|float(?:32|64)|byte|rune|string|bool|uintptr)\(-?[0-9][0-9.eE+-]*\))$")


def printed_constant(escape: Escape) -> bool:
    return escape.kind == "escape" and bool(CONSTANT_RX.match(escape.subject))


def compiler_pos(escape: Escape, text: str, encoding: str) -> tx.Pos:
    return tx.byte_col_to_pos(text, escape.line, escape.col, encoding)


def parity(escapes: list[Escape], diagnostics: dict[str, list[dict]], texts: dict[str, str],
           encoding: str, label: str) -> tuple[str, list[str]]:
    """Matches compiler lines to diagnostics one to one.

    escapes: the compiler's summary lines for the package's files; diagnostics: path ->
    published goescape diagnostics; texts: path -> the text positions refer to. A line and a
    diagnostic can match when they are in the same file, the diagnostic's range contains the
    compiler position converted to the negotiated encoding, and the kinds agree; a moved
    variable's range must be exactly its name at that position (when the name is there: a
    variable of an inlined function is reported at the call, and only containment applies).

    Returns a summary (with the match percentage) and the list of problems."""
    diags: list[tuple[str, dict]] = [(p, d) for p, ds in sorted(diagnostics.items()) for d in ds]
    by_line: dict[tuple[str, int], list[int]] = {}
    for j, (p, d) in enumerate(diags):
        for line in range(d["range"]["start"]["line"], d["range"]["end"]["line"] + 1):
            by_line.setdefault((p, line), []).append(j)
    indexes = {p: tx.LineIndex(t) for p, t in texts.items()}
    edges: list[list[int]] = []
    positions: list[tx.Pos] = []
    for e in escapes:
        idx = indexes[e.path]
        pos = idx.byte_col_to_pos(e.line, e.col, encoding)
        positions.append(pos)
        exact = e.kind == "moved" and idx.name_at(pos, e.subject, encoding)
        cand = []
        for j in by_line.get((e.path, pos.line), []):
            d = diags[j][1]
            if loose_kind(d) != e.kind or (printed_constant(e) and d.get("code") != "static"):
                continue
            span = tx.Span.of(d["range"])
            if exact:
                want = tx.Span(pos, tx.Pos(pos.line, pos.character + tx.units(e.subject, encoding)))
                if span != want or not d["message"].startswith(e.subject + " moved to heap: "):
                    continue
            elif not span.contains(pos):
                continue
            cand.append(j)
        edges.append(cand)
    owner = _match(edges, len(diags))
    matched_left = {u for u in owner if u != -1}
    problems = []
    constants = 0
    for i, e in enumerate(escapes):
        if i not in matched_left and printed_constant(e):
            constants += 1
        elif i not in matched_left:
            pos = positions[i]
            near = [f"{tx.Span.of(diags[j][1]['range'])} {diags[j][1]['message']!r}"
                    for j in by_line.get((e.path, pos.line), [])]
            problems.append(f"no diagnostic for: {e.raw} (expected at {pos.line}:{pos.character} "
                            f"{encoding}; diagnostics on that line: {near or 'none'})")
    for j, (p, d) in enumerate(diags):
        if owner[j] == -1:
            problems.append(f"diagnostic without a compiler line: {Path(p).name} "
                            f"{tx.Span.of(d['range'])} {d['message']!r}")
    for p, d in diags:
        for prob in shape_problems(d):
            problems.append(f"{Path(p).name} {tx.Span.of(d['range'])} {d['message']!r}: {prob}")
    n = len(escapes) - constants
    pct = 100.0 * len(matched_left) / n if n else 100.0
    summary = (f"{label}: {len(matched_left)}/{n} compiler lines matched ({pct:.2f}%), "
               f"{len(diags)} diagnostics, {sum(1 for o in owner if o == -1)} without a line, "
               f"{constants} constants not shown")
    return summary, problems


def assert_parity(escapes, diagnostics, texts, encoding, label) -> str:
    summary, problems = parity(escapes, diagnostics, texts, encoding, label)
    assert not problems, summary + "\n" + "\n".join(problems[:60]) + (
        f"\n... and {len(problems) - 60} more" if len(problems) > 60 else "")
    return summary
