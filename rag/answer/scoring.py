"""Score the sentences (or clauses) of retrieved passages against a question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answer.query import PLACES, Query
from rag.answer.stats import CorpusStats
from rag.answer.text import Span, split_units
from rag.retrieval.models import Hit

__all__ = ["Unit", "score_units", "place_match", "year_match", "coverage"]

_NUM = re.compile(r"\d|[一二三四五六七八九十百千万亿]+(?:个|项|家|座|条|亿|万|%)|百分之")
_DATE = re.compile(r"(?:19|20)\d{2}年|\d{1,2}月|\d{1,2}日|年底|年初|上半年|下半年")
_LIST = re.compile(r"[一二三四五六七八九十]是|、.+、|^\s*[-★●•]|（[一二三四五六七八九十]）|[①②③④⑤]")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」")
_FACT = re.compile(
    r"\d+(?:\.\d+)?|揭牌|挂牌|开工|竣工|建成|投产|投用|运营|通车|签约|落地|纳入|入选|获批|完成|启动|开通|"
    r"成为|实现|突破|达到|累计|新增|引进|总投资|亿元|万元|第[一二三四五六七八九十\d]+"
)


@dataclass
class Unit:
    """A quotable span of one passage, with its scores."""

    hit: Hit
    span: Span
    cov: float  # share of the question's weight found in the span itself
    score: float = 0.0
    matched: set[str] = field(default_factory=set)
    key: set[str] = field(default_factory=set)  # matched terms among the question's rarest

    @property
    def doc_start(self) -> int:
        return self.hit.chunk.start + self.span.start

    @property
    def doc_end(self) -> int:
        return self.hit.chunk.start + self.span.end


def _place_keys(place: str) -> tuple[str, ...]:
    if place.endswith("县"):
        return (place,)
    return (place, place + "县", place + "市", place + "区")


def place_match(hit: Hit, place: str) -> bool:
    """Whether a passage is about (or at least names) `place`; a city covers its counties."""
    c = hit.chunk
    if place in c.county or (PLACES.get(place) and PLACES[place] in c.county):
        return True
    if any(PLACES.get(k, "-") == place for k in (c.county, c.county.rstrip("县市区"))):
        return True
    return any(k in c.title or k in c.heading or k in c.text for k in _place_keys(place))


def year_match(hit: Hit, year: int) -> bool:
    """Whether a passage speaks of `year` (in its text, headings or title, or is dated so)."""
    y = str(year)
    c = hit.chunk
    return c.year == year or y in c.text or y in c.heading or y in c.title


def coverage(text: str, query: Query, weights: dict[str, float]) -> tuple[float, set[str]]:
    """Weighted share of the question's terms present in `text`, and which matched."""
    total = sum(weights.values()) or 1.0
    got = {t for t in weights if any(v in text for v in query.variants(t))}
    return sum(weights[t] for t in got) / total, got


def term_weights(query: Query, stats: CorpusStats) -> dict[str, float]:
    """IDF weight of each question term (1.0 each without index statistics)."""
    if not stats.known:
        return {t: 1.0 for t in query.terms}
    return {t: stats.idf(t, query.variants(t)) for t in query.terms}


def _intent_factor(text: str, query: Query, bullet: bool) -> float:
    f = 1.0
    if "number" in query.intents:
        f *= 1.3 if _NUM.search(text) else 0.8
    if "date" in query.intents:
        f *= 1.3 if _DATE.search(text) else 0.8
    if "list" in query.intents:
        f *= 1.25 if (bullet or _LIST.search(text)) else 0.9
    if "progress" in query.intents:
        n = len(_FACT.findall(_QUOTED.sub("", text)))
        f *= 1.0 + min(n, 4) * 0.12 if n else 0.5
    return f


def score_units(
    query: Query, hits: list[Hit], stats: CorpusStats, clause_min_chars: int = 40
) -> list[Unit]:
    """Every sentence/clause of `hits`, scored; best first.

    The score mixes: coverage of the question's terms (IDF-weighted), context carried from
    the sentence before in the same paragraph and from the passage's heading path, the
    passage's rank, the question's intent (figures, dates, lists, concrete progress), and
    whether the passage is about the county/year the question names.
    """
    weights = term_weights(query, stats)
    top = max(weights.values(), default=0.0)
    keys = {t for t, w in weights.items() if w >= 0.5 * top}
    units: list[Unit] = []
    for hit in hits:
        c = hit.chunk
        prior = 1.0 / (1.0 + 0.08 * (hit.rank - 1 if hit.rank else hits.index(hit)))
        head_cov, head_got = coverage(" ".join(c.heading_path[1:]), query, weights)
        place_ok = all(place_match(hit, p) for p in query.places) if query.places else True
        year_ok = all(year_match(hit, y) for y in query.years) if query.years else True
        prev: tuple[int, float] | None = None  # (paragraph, coverage of the unit before)
        for sp in split_units(c.text, clause_min_chars):
            cov, got = coverage(sp.text, query, weights)
            carry = 0.0
            if prev is not None and prev[0] == sp.para:
                carry = prev[1] * 0.8
            bullet = c.text[max(0, sp.start - 2) : sp.start].strip() in ("-", "★", "●", "•")
            if bullet and "list" in query.intents and head_cov > cov:
                cov, got = head_cov, head_got  # a list item answers what its heading names
            base = max(cov, carry, 0.5 * head_cov)
            f = prior * _intent_factor(sp.text, query, bullet)
            n = len(sp.text)
            short = n < 12 and not (bullet and "list" in query.intents)  # 「六是免费送戏下乡」
            f *= 0.35 if short else (0.85 if n > 160 else 1.0)
            f *= 1.0 if place_ok else 0.3
            f *= 1.0 if year_ok else 0.8
            if query.years and any(str(y) in sp.text or str(y) in c.heading
                                   for y in query.years):
                f *= 1.1
            units.append(Unit(hit, sp, cov, base * f, got, got & keys))
            prev = (sp.para, cov)  # carried one step only
    units.sort(key=lambda u: -u.score)
    return units
