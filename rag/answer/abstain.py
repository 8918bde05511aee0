"""Decide whether the retrieved evidence can answer the question, and say so when not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rag.answer.evidence import (
    absent_nouns,
    dated_units,
    figure_question,
    rarest_term,
    term_in,
)
from rag.answer.models import Answer
from rag.answer.query import Query
from rag.answer.scoring import Unit, place_match, year_match
from rag.answer.stats import CorpusStats
from rag.corpus.models import Document
from rag.retrieval.models import Hit

__all__ = ["Verdict", "judge", "abstention"]

NOT_FOUND = "现有资料中没有找到"


@dataclass
class Verdict:
    """Whether to answer, and if not, why (`reason`) and about what (`detail`)."""

    answerable: bool
    reason: str = ""  # "no_hits", "place", "year", "entity", "weak"
    detail: str = ""
    evidence: float = 0.0  # best direct coverage of the question by one sentence

    @property
    def message(self) -> str:
        what = {
            "place": f"关于{self.detail}的相关内容",
            "year": f"{self.detail}年的相关内容",
            "entity": f"关于“{self.detail}”的内容",
        }.get(self.reason, "能回答这个问题的内容")
        return f"{NOT_FOUND}{what}。"


def judge(
    query: Query, hits: list[Hit], units: list[Unit], stats: CorpusStats, threshold: float,
    documents: Mapping[str, Document] | None = None,
) -> Verdict:
    """Abstain when there is nothing, when the question names a place, year or thing the
    passages do not match (or the whole index never mentions), or when no sentence covers
    enough of the question's weight (`threshold`, calibrated on eval/qa.jsonl).

    Example:
        >>> from rag.answer.query import analyze  # doctest: +SKIP
        >>> judge(analyze("霍州的GDP是多少"), hits, units, stats, 0.3).reason  # doctest: +SKIP
        'place'
    """
    if not hits or not units:
        return Verdict(False, "no_hits")
    evidence = max(u.cov for u in units)
    # Named things absent from the whole index: nothing can answer
    if stats.known:
        for e in query.entities:
            if not stats.contains(e) and not _halves_known(e, stats):
                return Verdict(False, "entity", e, evidence)
        # The thing a figure question counts, never mentioned: no figure can be quoted
        missing = absent_nouns(query, stats)
        if missing:
            return Verdict(False, "entity", missing[0], evidence)
    # A named county or city that no passage is about
    for p in query.places:
        if not any(place_match(h, p) for h in hits):
            return Verdict(False, "place", p, evidence)
    # Passages about the named place (when one) and year (the two together)
    ok = [h for h in hits if len(query.places) > 1 or all(place_match(h, p) for p in query.places)]
    # The question's rarest known term must appear in a passage about the named place
    rare = rarest_term(query, stats) if query.places else None
    if rare is not None and not term_in(rare, query, ok):
        return Verdict(False, "weak", "", evidence)
    def dated(h: Hit, y: int) -> bool:  # the passage, or else its document, names the year
        doc = documents.get(h.chunk.doc_id) if documents else None
        return year_match(h, y) or (doc is not None and str(y) in doc.text)

    for y in query.years:
        if not any(dated(h, y) for h in ok):
            return Verdict(False, "year", str(y), evidence)
    ok = [h for h in ok if all(dated(h, y) for y in query.years)]
    # Named things the index has but the passages found do not
    for e in query.entities:
        if stats.contains(e) and not any(e in h.chunk.index_text for h in ok):
            return Verdict(False, "entity", e, evidence)
    ids = {h.chunk.id for h in ok}
    # A figure question naming a year quotes only sentences dated so (text, paragraph, heading)
    near = dated_units([u for u in units if u.hit.chunk.id in ids], query)
    if query.years and figure_question(query) and not near:
        return Verdict(False, "year", str(query.years[0]), evidence)
    evidence = max((u.cov for u in near), default=0.0)
    if evidence < threshold:
        return Verdict(False, "weak", "", evidence)
    return Verdict(True, "", "", evidence)


def _halves_known(term: str, stats: CorpusStats) -> bool:
    # “一心四镇” is not in the text, but “一心” and “四镇” are: a coined compound, not unknown
    if len(term) < 4 or not stats.known:
        return False
    mid = len(term) // 2
    return stats.contains(term[:mid]) and stats.contains(term[mid:])


def abstention(verdict: Verdict, hits: list[Hit]) -> Answer:
    """The honest answer: what was not found, and the closest passages for reference."""
    text = verdict.message
    if hits:
        text += "以下是最接近的资料，仅供参考。"
    note = f"abstained: {verdict.reason}" + (f" ({verdict.detail})" if verdict.detail else "")
    return Answer(answer=text, answerable=False, passages=list(hits), notes=[note])
