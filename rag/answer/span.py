"""Direct answers: the span of a quoted sentence that a learned ranker picks as the answer.

How it works: candidates come from the sentence itself (its comma-clauses, runs of its words,
the figures, dates and quoted names it holds, and the gap the question's wh-word leaves when
the question is aligned with it); `span_features` describes each (length, edges, the
question's words in and around it, where it sits against the gap, its words' parts of speech
and Cilin classes), and a conditional logit (`weights/span.json`, trained by
`eval/train/train_span.py` on CMRC 2018's fit half) ranks them.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from rag.answer.model import load_model
from rag.answer.query import Query, unit_kinds_of
from rag.answer.span_candidates import (
    _DATE,
    _HAS_NUMBER,
    SpanCandidate,
    _trim,
    align_quality,
    span_candidates,
)
from rag.answer.span_features import SPAN_FEATURES, span_features
from rag.answer.whword import Wh

__all__ = ["SpanCandidate", "SPAN_FEATURES", "align_quality", "best_span", "span_candidates",
           "span_features", "direct_span", "typed_candidates", "in_sentence_words"]


_YEAR_ONLY = re.compile(r"\D{0,3}(?:19|20)\d{2}\s*年(?:底|初|末)?\D{0,2}")


def typed_candidates(query: Query, sentence: str) -> list[SpanCandidate]:
    """The candidates, keeping only those with a figure (a date) for a figure (date)
    question when any has one.

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "2024年优良天数256天，比上年增加42天。"
        >>> all("天" in s[c.start:c.end] for c in typed_candidates(analyze("多少天？"), s))
        True
    """
    cands = span_candidates(query, sentence)
    kind = query.wh.kind if query.wh else ""
    test = {"number": _HAS_NUMBER, "date": _DATE}.get(kind)
    if test is not None:
        # a date is a short span: the date itself, or a short aligned gap holding one
        typed = [c for c in cands if test.search(sentence[c.start : c.end]) and (
            kind == "number" or c.source == "date" or c.end - c.start <= 16)]
        if kind == "number":  # a year is not the figure asked for (「到2025年」 for 巩固率)
            typed = [c for c in typed if not _YEAR_ONLY.fullmatch(sentence[c.start : c.end])] \
                or typed
        if query.unit_kind:
            typed = [c for c in typed if query.unit_kind in unit_kinds_of(
                sentence[c.start : c.end])] or typed
        cands = typed or cands
    return cands


def _scores(query: Query, sentence: str, cands: list[SpanCandidate]) -> np.ndarray | None:
    # The model's probability for each candidate (softmax over them for a ranking model)
    model = load_model("span", SPAN_FEATURES)
    if model is None or not cands:
        return None
    X = span_features(query, sentence, cands)
    if model.meta.get("objective") == "softmax":
        z = model.decision(X)
        e = np.exp(z - z.max())
        return np.asarray(e / e.sum())
    return model.predict_proba(X)


def in_sentence_words(query: Query, sentence: str) -> Query:
    """The question written with the sentence's words: a term the sentence holds only in
    another form the question analysis allows (GDP as 地区生产总值, 涨 as 增长), and does not
    say elsewhere, is replaced by that form, so the alignment and the span features see it.
    The wh-word's offsets move with the text.

    Example:
        >>> from rag.answer.query import analyze
        >>> in_sentence_words(analyze("绛县GDP增长多少？"), "全县地区生产总值增长5%").text
        '绛县地区生产总值增长多少？'
    """
    text, wh = query.text, query.wh
    for term, forms in query.expansions.items():
        i = text.find(term)
        if i < 0 or term in sentence or (wh is not None and i < wh.end and wh.start < i + len(
                term)):
            continue
        # a form the question already says elsewhere (空气 + 优良天数) is left alone
        alt = max((f for f in forms if f != term and f in sentence and f not in text),
                  key=len, default=None)
        if alt is None:
            continue
        text = text[:i] + alt + text[i + len(term):]
        if wh is not None and i < wh.start:
            shift = len(alt) - len(term)
            wh = Wh(wh.kind, wh.start + shift, wh.end + shift, wh.noun)
    return query if text == query.text else replace(query, text=text, wh=wh, spans={})


def best_span(query: Query, sentence: str) -> tuple[int, int, float]:
    """The best answer span of `sentence` and the span model's probability for it (its share
    of the softmax over the candidates).

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "县人民医院由山西医科大学第一医院托管，新增床位200张。"
        >>> a, b, p = best_span(analyze("县医院由哪家医院托管？"), s)
        >>> s[a:b], 0.0 <= p <= 1.0
        ('山西医科大学第一医院', True)
    """
    memo = query.spans  # the rerank step and composition read the same sentences
    if sentence in memo:
        return memo[sentence]
    q = in_sentence_words(query, sentence)
    cands = typed_candidates(q, sentence)
    p = _scores(q, sentence, cands)
    if p is None:
        a, b = _trim(sentence, 0, len(sentence))
        memo[sentence] = (a, b, 0.5)
    else:
        i = int(np.argmax(p))
        memo[sentence] = (cands[i].start, cands[i].end, float(p[i]))
    return memo[sentence]


def direct_span(query: Query, sentence: str) -> tuple[int, int]:
    """Offsets of the best answer span in `sentence` (the whole sentence when no model).

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "2024年优良天数256天，比上年增加42天。"
        >>> a, b = direct_span(analyze("2024年空气优良天数是多少？"), s)
        >>> s[a:b]
        '256天'
    """
    a, b, _ = best_span(query, sentence)
    return a, b
