"""Answer or decline: hard checks on what the question names, then a calibrated confidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rag.answer.features import QUESTION_FEATURES, place_ok, year_ok
from rag.answer.model import load_model
from rag.answer.query import Query
from rag.answer.stats import CorpusStats
from rag.corpus.models import Document
from rag.retrieval.models import Hit

__all__ = ["Decision", "NOT_FOUND", "hard_check", "decide"]

NOT_FOUND = "现有资料中没有找到"


@dataclass
class Decision:
    """Whether to answer, how sure (`confidence`, 0–1), and if not, why and about what."""

    answerable: bool
    confidence: float = 0.0
    reason: str = ""  # "no_hits", "place", "year", "entity", "weak"
    detail: str = ""

    @property
    def message(self) -> str:
        what = {
            "place": f"关于{self.detail}的相关内容",
            "year": f"{self.detail}年的相关内容",
            "entity": f"关于“{self.detail}”的内容",
        }.get(self.reason, "能回答这个问题的内容")
        return f"{NOT_FOUND}{what}。"


def _halves_known(term: str, stats: CorpusStats) -> bool:
    # “一心四镇” is not in the text, but “一心” and “四镇” are: a coined compound, not unknown
    if len(term) < 4:
        return False
    mid = len(term) // 2
    return stats.contains(term[:mid]) and stats.contains(term[mid:])


def hard_check(query: Query, hits: list[Hit], stats: CorpusStats,
               documents: Mapping[str, Document] | None = None) -> Decision | None:
    """A decline that needs no model: no passages; a named thing the whole index never
    mentions, or no passage about the named place mentions; a named place no passage is
    about; a named year no passage (or its document) speaks of. None when none applies.

    Example:
        >>> from rag.answer.query import analyze
        >>> hard_check(analyze("霍州的GDP是多少"), [], CorpusStats([])).reason
        'no_hits'
    """
    if not hits:
        return Decision(False, 0.0, "no_hits")
    if stats.known:
        for e in query.entities:
            if not stats.contains(e) and not _halves_known(e, stats):
                return Decision(False, 0.0, "entity", e)
    for p in query.places:
        if not any(place_ok(h, p) for h in hits):
            return Decision(False, 0.0, "place", p)
    ok = [h for h in hits if len(query.places) > 1 or all(place_ok(h, p) for p in query.places)]
    for y in query.years:
        def dated(h: Hit, y: int = y) -> bool:
            doc = documents.get(h.chunk.doc_id) if documents else None
            return year_ok(h, y) or (doc is not None and str(y) in doc.text)

        if not any(dated(h) for h in ok):
            return Decision(False, 0.0, "year", str(y))
    # A named thing the index has, but no passage about the named place does
    for e in query.entities:
        if stats.contains(e) and not any(e in h.chunk.index_text for h in ok):
            return Decision(False, 0.0, "entity", e)
    return None


def confidence(qrow: np.ndarray) -> float:
    """The answerability model's probability that the evidence answers the question
    (without a trained model: the best unit's probability)."""
    model = load_model("answerable", QUESTION_FEATURES)
    if model is None:
        return float(qrow[0, 0])
    return float(model.predict_proba(qrow)[0])


def decide(query: Query, hits: list[Hit], stats: CorpusStats, qrow: np.ndarray | None,
           threshold: float, documents: Mapping[str, Document] | None = None) -> Decision:
    """Hard checks first, then answer when the calibrated confidence reaches `threshold`."""
    hard = hard_check(query, hits, stats, documents)
    conf = confidence(qrow) if qrow is not None else 0.0
    if hard is not None:
        hard.confidence = round(min(conf, 0.05), 4)
        return hard
    if qrow is None or conf < threshold:
        return Decision(False, round(conf, 4), "weak")
    return Decision(True, round(conf, 4))
