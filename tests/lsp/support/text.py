"""Position arithmetic on source text, in the encodings LSP negotiates.

Go compiler columns are 1-based UTF-8 byte columns. LSP positions count UTF-16 code units
unless the server negotiated utf-8, in which case they count bytes. Everything here works from
the text itself, so expected positions in the tests never depend on the server's arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UTF8 = "utf-8"
UTF16 = "utf-16"


def units(s: str, encoding: str) -> int:
    """Length of s in code units of the encoding."""
    if encoding == UTF8:
        return len(s.encode("utf-8"))
    if encoding == UTF16:
        return len(s.encode("utf-16-le")) // 2
    raise ValueError(encoding)


@dataclass(frozen=True, order=True)
class Pos:
    line: int
    character: int

    @classmethod
    def of(cls, p) -> "Pos":
        return cls(p.line, p.character) if not isinstance(p, dict) else cls(p["line"], p["character"])


@dataclass(frozen=True)
class Span:
    start: Pos
    end: Pos

    @classmethod
    def of(cls, r) -> "Span":
        if isinstance(r, dict):
            return cls(Pos.of(r["start"]), Pos.of(r["end"]))
        return cls(Pos.of(r.start), Pos.of(r.end))

    def contains(self, p: Pos) -> bool:
        """True when the character at p lies inside the range (an empty range contains its
        own start)."""
        if self.start == self.end:
            return p == self.start
        return self.start <= p < self.end

    def shifted(self, lines: int) -> "Span":
        return Span(Pos(self.start.line + lines, self.start.character),
                    Pos(self.end.line + lines, self.end.character))

    def __str__(self) -> str:
        return f"{self.start.line}:{self.start.character}-{self.end.line}:{self.end.character}"


def lines_of(text: str) -> list[str]:
    """Lines without their terminators; "\\n" is the only terminator Go source uses here."""
    return text.split("\n")


def byte_col_to_pos(text: str, line1: int, col1: int, encoding: str) -> Pos:
    """A compiler position (1-based line, 1-based byte column) as an LSP position."""
    line = lines_of(text)[line1 - 1]
    raw = line.encode("utf-8")
    prefix = raw[: col1 - 1].decode("utf-8")
    return Pos(line1 - 1, units(prefix, encoding))


def index_to_pos(text: str, index: int, encoding: str) -> Pos:
    """The LSP position of a str index (a code point offset) into text."""
    before = text[:index]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    return Pos(line, units(text[start:index], encoding))


def pos_to_index(text: str, pos: Pos, encoding: str) -> int:
    """The str index of an LSP position; positions inside a character are rejected."""
    ls = lines_of(text)
    if pos.line >= len(ls):
        return len(text)
    start = sum(len(l) + 1 for l in ls[: pos.line])
    line = ls[pos.line]
    count = 0
    for i, ch in enumerate(line):
        if count == pos.character:
            return start + i
        count += units(ch, encoding)
        if count > pos.character:
            raise ValueError(f"position {pos} splits a character")
    if count == pos.character:
        return start + len(line)
    return start + len(line)  # past the end of the line: clamp, as LSP says


def span_text(text: str, span: Span, encoding: str) -> str:
    return text[pos_to_index(text, span.start, encoding): pos_to_index(text, span.end, encoding)]


def find_span(text: str, needle: str, *, after: str | None = None, nth: int = 0,
              encoding: str) -> Span:
    """The range of the nth occurrence of needle, searching from the first occurrence of
    after (when given). Fails loudly when the anchor or needle is missing."""
    base = 0
    if after is not None:
        base = text.index(after)
    idx = base - 1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    return Span(index_to_pos(text, idx, encoding), index_to_pos(text, idx + len(needle), encoding))


def apply_change(text: str, span: Span | None, new: str, encoding: str) -> str:
    """Applies one LSP content change to text."""
    if span is None:
        return new
    a = pos_to_index(text, span.start, encoding)
    b = pos_to_index(text, span.end, encoding)
    return text[:a] + new + text[b:]


def marked(text: str, anchor: str, encoding: str) -> tuple[str, Span]:
    """Finds anchor in text, where anchor has the expected range between « and », e.g.
    "return «&Point{X: x, Y: y}»"; returns the marked text and its range. The anchor (without
    the marks) must occur exactly once."""
    a = anchor.index("«")
    b = anchor.index("»")
    plain = anchor.replace("«", "").replace("»", "")
    idx = text.find(plain)
    assert idx >= 0, f"anchor {plain!r} is not in the text"
    assert text.find(plain, idx + 1) < 0, f"anchor {plain!r} occurs more than once"
    start = idx + a
    end = idx + b - 1
    return text[start:end], Span(index_to_pos(text, start, encoding),
                                  index_to_pos(text, end, encoding))


class LineIndex:
    """Lines of one text, split once, for many position conversions."""

    IDENT = re.compile(r"[^\W\d]\w*")

    def __init__(self, text: str):
        self.lines = lines_of(text)

    def byte_col_to_pos(self, line1: int, col1: int, encoding: str) -> Pos:
        raw = self.lines[line1 - 1].encode("utf-8")
        return Pos(line1 - 1, units(raw[: col1 - 1].decode("utf-8"), encoding))

    def name_at(self, pos: Pos, name: str, encoding: str) -> bool:
        """True when the source has exactly the identifier name at pos (not so for
        variables of inlined functions, which the compiler reports at the call)."""
        if not self.IDENT.fullmatch(name):
            return False
        line = self.lines[pos.line]
        count = 0
        for i, ch in enumerate(line):
            if count == pos.character:
                m = self.IDENT.match(line, i)
                return m is not None and m.group(0) == name
            count += units(ch, encoding)
        return False
