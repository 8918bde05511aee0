"""Finer evidence checks for abstention: the asked year, the rarest term, the counted thing."""

from __future__ import annotations

import re

from rag.answer.query import Query
from rag.answer.scoring import Unit
from rag.answer.stats import CorpusStats
from rag.answer.text import nouns
from rag.retrieval.models import Hit

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A term occurring fewer times than this share of the chunk count is rare: a passage must name it
_RARE_SHARE = 0.02
# Where a figure question asks its figure (the counted thing comes before it)
_CUE = re.compile(r"多少|几|比例|占比|百分之|增速|规模|总投资|多大|多高|多长|排名|第几")

__all__ = ["figure_question", "unit_dated", "dated_units", "rarest_term", "term_in",
           "absent_nouns"]


def figure_question(query: Query) -> bool:
    """Whether the question asks for a figure (how many, how much, what share…)."""
    return "number" in query.intents


def unit_dated(u: Unit, years: list[int]) -> bool:
    """Whether the unit's own sentence, its paragraph or its heading path names every year.

    A document from 2024 also reports 2023 and plans 2025: for a figure, the year must sit
    next to it, not merely somewhere in the passage. Where nothing near names a year, a
    document of that year (plans) or of the year after (its review) still counts.
    """
    c = u.hit.chunk
    lines = c.text.split("\n")
    para = lines[u.span.para] if 0 <= u.span.para < len(lines) else ""
    local = f"{u.span.text}\n{para}\n{' '.join(c.heading_path[1:])}"
    if all(str(y) in f"{local}\n{c.heading_path[0] if c.heading_path else ''}" for y in years):
        return True
    if _YEAR.search(local):
        return False  # dated, but another year
    # Undated context: a document of that year (its plans) or the next (its review)
    return c.year is not None and all(c.year in (y, y + 1) for y in years)


def dated_units(units: list[Unit], query: Query) -> list[Unit]:
    """The units a figure question naming a year may quote (all units otherwise)."""
    if not (query.years and figure_question(query)):
        return units
    return [u for u in units if unit_dated(u, query.years)]


def _absent(term: str, query: Query, stats: CorpusStats) -> bool:
    return not any(stats.contains(v) for v in query.variants(term))


def rarest_term(query: Query, stats: CorpusStats) -> str | None:
    """The question's rarest multi-character term that the index contains, if it is rare
    (occurring fewer times than 2% of the chunk count); None otherwise."""
    if not stats.known:
        return None
    df = {t: max(stats.count(v) for v in query.variants(t)) for t in query.terms if len(t) > 1}
    present = [t for t, n in df.items() if 0 < n <= _RARE_SHARE * stats.n]
    return min(present, key=lambda t: df[t]) if present else None


def term_in(term: str, query: Query, hits: list[Hit]) -> bool:
    """Whether any of `hits` (heading path or text) names `term` or one of its variants."""
    return any(v in h.chunk.index_text for h in hits for v in query.variants(term))


def _counted(query: Query) -> str | None:
    # The noun right before the figure cue (「景区门票多少钱」 → 门票), cue words skipped
    cue = _CUE.search(query.text)
    if cue is None:
        return None
    before = [w for w in nouns(query.text[: cue.start()]) if not _CUE.search(w)]
    return before[-1] if before else None


def absent_nouns(query: Query, stats: CorpusStats) -> list[str]:
    """The thing a figure question counts (the noun right before 多少/几/比例…), when the
    whole index never mentions it (nor both halves of it, for compounds): no figure of
    it can be quoted. A colloquial subject further away (「小娃娃上幼儿园的比例」) is not it.

    Example: 「景区门票多少钱」 over documents that never say 门票 gives ['门票'].
    """
    if not stats.known or not figure_question(query):
        return []
    w = _counted(query)
    if w is None or len(w) < 2 or w not in query.terms or not _absent(w, query, stats):
        return []
    mid = len(w) // 2
    if len(w) >= 4 and stats.contains(w[:mid]) and stats.contains(w[mid:]):
        return []  # 财政收入: a compound of known words
    return [w]
