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
    """Join wrapped lines; a space only between two Latin letters (`energy` / `saving`)."""
    out = parts[0]
    for part in parts[1:]:
        if (
            out.text
            and part.text
            and out.text[-1].isascii()
            and out.text[-1].isalpha()
            and part.text[0].isascii()
            and part.text[0].isalpha()
        ):
            out = out + MappedStr.literal(" ")
        out = out + part
    return out


# Wrap repair across paragraphs
def join_wraps(drafts: list[Draft], ocr: bool, typical: float) -> list[Draft]:
    out: list[Draft] = []
    i = 0
    while i < len(drafts):
        p = drafts[i]
        i += 1
        inserts: list[Draft] = []
        while i < len(drafts) and _wrapped(p, ocr, typical):
            q = drafts[i]
            if not q.caption and _continues(q, ocr):
                p, i = _merge(p, q), i + 1
            elif i + 1 < len(drafts) and _insertable(q) and _continues(drafts[i + 1], ocr):
                inserts.append(replace(q, moved=True))
                p, i = _merge(p, drafts[i + 1]), i + 2
            else:
                break
        out.append(p)
        out.extend(inserts)
    return out


def _wrapped(p: Draft, ocr: bool, typical: float) -> bool:
    """Ends mid-sentence and is body text, so the next paragraph continues it."""
    if ends_sentence(p.ms.text, line=True) or p.marks.md_level or p.marks.bullet or p.caption:
        return False
    if ocr:
        full = p.last_line_len >= 0.75 * typical
        body = p.lines > 1 or any(c in p.ms.text for c in "，,；、")
        return full and body
    return len(p.ms) > SHORT


def _continues(q: Draft, ocr: bool) -> bool:
    """Looks like the rest of a sentence rather than a new heading or item."""
    if q.marks.md_level or q.marks.bullet or q.marks.bold_len:
        return False
    return len(q.ms) > SHORT or ends_sentence(q.ms.text) or (ocr and q.lines > 1)


def _insertable(q: Draft) -> bool:
    """A caption or short heading the layout dropped into the middle of a sentence."""
    return q.caption or (q.lines == 1 and len(q.ms) <= SHORT and not q.marks.bullet)


def _merge(p: Draft, q: Draft) -> Draft:
    return replace(
        p, ms=join_lines([p.ms, q.ms]), lines=p.lines + q.lines, last_line_len=q.last_line_len
    )
