"""Wrap repair: join paragraphs a layout broke mid-sentence; move captions out of the way."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rag.corpus.cjk import ends_sentence
from rag.corpus.lines import LineMarks
from rag.corpus.offsets import MappedStr

__all__ = ["Draft", "join_lines", "join_wraps", "SHORT"]

SHORT = 40  # a line at most this long with no sentence end may be a heading or a caption


@dataclass
class Draft:
    """A paragraph while it is being repaired."""

    ms: MappedStr
    lines: int
    gap_before: int
    marks: LineMarks
    last_line_len: int
    caption: bool = False
    moved: bool = False
    after_byline: bool = False


def join_lines(parts: list[MappedStr]) -> MappedStr:
    """Join wrapped lines; a space only between two Latin letters (`energy` / `saving`).

    Example:
        >>> join_lines([MappedStr.literal("energy"), MappedStr.literal("saving")]).text
        'energy saving'
    """
    pieces: list[MappedStr] = []
    last = ""
    for part in parts:
        if not part.text:
            continue
        first = part.text[0]
        if last.isascii() and last.isalpha() and first.isascii() and first.isalpha():
            pieces.append(MappedStr.literal(" "))
        pieces.append(part)
        last = part.text[-1]
    return MappedStr.join(pieces) if pieces else parts[0]


# Wrap repair across paragraphs
def join_wraps(drafts: list[Draft], ocr: bool, typical: float) -> list[Draft]:
    out: list[Draft] = []
    i = 0
    while i < len(drafts):
        p = drafts[i]
        i += 1
        inserts: list[Draft] = []
        parts = [p]  # joined once at the end: a long run of wrapped lines stays linear
        state = _Wrap.of(p)
        while i < len(drafts) and state.wrapped(ocr, typical):
            q = drafts[i]
            if not q.caption and _continues(q, ocr):
                parts.append(q)
                i += 1
            elif i + 1 < len(drafts) and _insertable(q) and _continues(drafts[i + 1], ocr):
                inserts.append(replace(q, moved=True))
                parts.append(drafts[i + 1])
                i += 2
            else:
                break
            state = state.plus(parts[-1])
        out.append(_merge(parts) if len(parts) > 1 else p)
        out.extend(inserts)
    return out


@dataclass(frozen=True)
class _Wrap:
    """What `_wrapped` needs to know of a paragraph being joined, without joining it."""

    first: Draft
    last: Draft
    tail: str  # the end of the joined text
    chars: int
    lines: int
    commas: bool

    @classmethod
    def of(cls, p: Draft) -> _Wrap:
        commas = any(c in p.ms.text for c in "，,；、")
        return cls(p, p, p.ms.text[-32:], len(p.ms), p.lines, commas)

    def plus(self, q: Draft) -> _Wrap:
        commas = self.commas or any(c in q.ms.text for c in "，,；、")
        tail = (self.tail + q.ms.text[-32:])[-32:]
        return _Wrap(self.first, q, tail, self.chars + len(q.ms), self.lines + q.lines, commas)

    def wrapped(self, ocr: bool, typical: float) -> bool:
        """Ends mid-sentence and is body text, so the next paragraph continues it."""
        p = self.first
        if p.marks.table or ends_sentence(self.tail, line=True):
            return False
        if p.marks.md_level or p.marks.bullet or p.caption:
            return False
        if ocr:
            full = self.last.last_line_len >= 0.75 * typical
            return full and (self.lines > 1 or self.commas)
        return self.chars > SHORT


def _continues(q: Draft, ocr: bool) -> bool:
    """Looks like the rest of a sentence rather than a new heading or item."""
    if q.marks.md_level or q.marks.bullet or q.marks.bold_len or q.marks.table:
        return False
    return len(q.ms) > SHORT or ends_sentence(q.ms.text) or (ocr and q.lines > 1)


def _insertable(q: Draft) -> bool:
    """A caption or short heading the layout dropped into the middle of a sentence."""
    if q.marks.table:
        return False
    return q.caption or (q.lines == 1 and len(q.ms) <= SHORT and not q.marks.bullet)


def _merge(parts: list[Draft]) -> Draft:
    p = parts[0]
    return replace(
        p,
        ms=join_lines([d.ms for d in parts]),
        lines=sum(d.lines for d in parts),
        last_line_len=parts[-1].last_line_len,
    )
