"""Where the server draws the inlay hint of a diagnostic, computed from the text alone: right
after the diagnostic's range when a delimiter (`,` `)` `]` `}` `;`) or the end of the line
follows, past spaces and comments; otherwise at the end of the line's code, before a comment
that ends it. Diagnostics whose hints fall on one place share one hint. Strings and runes are
skipped, so a `//` or a bracket inside one is not taken for a comment or a delimiter; a raw
string that runs over several lines is not followed (the fixtures have none on a hint line)."""

from __future__ import annotations

from collections import Counter

from support import text as tx

DELIMITERS = ",)]};"


def code_end(line: str, start: int) -> tuple[int, str]:
    """From start in line: the end of the line's code and the first code character after
    start (spaces and comments skipped), or "" when there is none."""
    i, end, first = start, start, ""
    while i < len(line):
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            j = line.find("*/", i + 2)
            if j < 0:
                break
            i = j + 2
            continue
        if c in " \t\r":
            i += 1
            continue
        if not first:
            first = c
        if c in "\"'`":
            j = i + 1
            while j < len(line) and line[j] != c:
                j += 2 if line[j] == "\\" and c != "`" else 1
            i = min(j + 1, len(line))
        else:
            i += 1
        end = i
    return end, first


def hint_position(text: str, end: tx.Pos, encoding: str) -> tx.Pos:
    idx = tx.pos_to_index(text, end, encoding)
    line_start = text.rfind("\n", 0, idx) + 1
    line_end = text.find("\n", idx)
    line = text[line_start: line_end if line_end >= 0 else len(text)]
    stop, first = code_end(line, idx - line_start)
    if first == "" or first in DELIMITERS:
        return end
    return tx.index_to_pos(text, line_start + stop, encoding)


def hint_positions(text: str, diags: list[dict], encoding: str) -> Counter:
    """Each place where a hint is drawn, once (merged hints), as (line, character)."""
    at = {hint_position(text, tx.Pos.of(d["range"]["end"]), encoding) for d in diags}
    return Counter((p.line, p.character) for p in at)


def findings_in(hint: dict) -> int:
    """How many findings a hint's tooltip explains."""
    tip = hint.get("tooltip")
    tip = tip.get("value") if isinstance(tip, dict) else tip or ""
    return tip.count("**goescape**")
