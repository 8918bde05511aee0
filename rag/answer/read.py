"""Reading the evidence: features, unit model, reread of the likeliest units, decision."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rag.answer.candidates import Unit
from rag.answer.decision import Decision, decide
from rag.answer.features import Context, context_for, question_features
from rag.answer.query import Query
from rag.answer.rerank import rerank
from rag.answer.scorer import score_units
from rag.answer.stats import CorpusStats
from rag.corpus.models import Document
from rag.retrieval.models import Hit

__all__ = ["read"]


def read(query: Query, units: list[Unit], pool: list[Hit], stats: CorpusStats,
         threshold: float, documents: Mapping[str, Document] | None = None,
         ) -> tuple[Context, np.ndarray, np.ndarray | None, np.ndarray | None, Decision]:
    """Score `units` of the passages `pool` and decide: (context, unit features, rerank
    features, question features, decision). Each unit's probability lands on `u.p`.

    Example:
        >>> q = analyze("龙马物流园进展如何")                           # doctest: +SKIP
        >>> decision = read(q, units, hits, stats, 0.28)[-1]             # doctest: +SKIP
        >>> decision.answerable, decision.confidence  # doctest: +SKIP
        (True, 0.97)
    """
    ctx = context_for(query, stats)
    X, prob = score_units(ctx, units, pool)
    R, prob = rerank(ctx, units, prob)
    qrow = question_features(ctx, units, X, prob, pool, R) if units else None
    return ctx, X, R, qrow, decide(query, pool, stats, qrow, threshold, documents)
