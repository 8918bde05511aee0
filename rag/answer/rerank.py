"""A second look at the likeliest units: the answer span each holds, read in its context."""

from __future__ import annotations

import math
import re

import numpy as np

from rag.answer.candidates import Unit
from rag.answer.features import Context, has_date, has_number
from rag.answer.model import load_model
from rag.answer.query import unit_kinds_of
from rag.answer.span import best_span

__all__ = ["RERANK_FEATURES", "TOP_K", "rerank", "rerank_features", "rescore"]

TOP_K = 3  # units read closely (the span model runs on each)
RERANK_FEATURES: tuple[str, ...] = (
    "s1", "s1_gap", "span_p", "span_typed", "span_short", "focal_near", "focal_absent",
    "year_clash", "year_at_span",
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _typed(ctx: Context, span: str) -> float:
    # The span is of the kind asked: a figure (of the asked unit), a date; 1 for other kinds
    q = ctx.query
    kind = q.wh.kind if q.wh else ""
    if kind == "number":
        if not has_number(span):
            return 0.0
        return 1.0 if not q.unit_kind or q.unit_kind in unit_kinds_of(span) else 0.5
    if kind == "date":
        return float(has_date(span))
    return 1.0


def _focal_distance(ctx: Context, text: str, a: int, b: int) -> tuple[float, float]:
    # (closeness of the thing asked about to the span: 1 adjacent … 0 far or absent,
    #  the thing asked about is not in the unit at all)
    q = ctx.query
    if not q.focal:
        return 1.0, 0.0
    low = text.lower()
    best = None
    for f in q.focal:
        for v in q.variants(f):
            for m in re.finditer(re.escape(v.lower()), low):
                d = max(0, a - m.end(), m.start() - b)
                best = d if best is None else min(best, d)
    if best is None:
        return 0.0, 1.0
    return math.exp(-best / 12.0), 0.0


def _years(ctx: Context, text: str, a: int) -> tuple[float, float]:
    # (another year is the one nearest before the span while the question names a year,
    #  the asked year is within 16 characters of the span)
    years = ctx.query.years
    if not years:
        return 0.0, 0.0
    before = [m for m in _YEAR.finditer(text, 0, a)]
    clash = float(bool(before) and int(before[-1].group(1)) not in years)
    near = any(str(y) in text[max(0, a - 16) : a + 16] for y in years)
    return clash, float(near)


def rerank_features(ctx: Context, units: list[Unit], p: np.ndarray,
                    top: list[int]) -> np.ndarray:
    """One row (`RERANK_FEATURES`) per unit index in `top`."""
    best = _logit(float(p[top[0]])) if top else 0.0
    rows = []
    for i in top:
        t = units[i].text
        a, b, sp = best_span(ctx.query, t)
        span = t[a:b]
        near, absent = _focal_distance(ctx, t, a, b)
        clash, at = _years(ctx, t, a)
        s1 = _logit(float(p[i]))
        rows.append([s1, s1 - best, sp, _typed(ctx, span), float(len(span) < 0.5 * len(t)),
                     near, absent, clash, at])
    return np.asarray(rows, dtype=np.float64).reshape(len(top), len(RERANK_FEATURES))


def rescore(p: np.ndarray, top: list[int], p2: np.ndarray) -> np.ndarray:
    """Every unit's probability after the reread: the reread units (`top`) take their new
    probabilities `p2` and rank first; the others stay below them.

    Example:
        >>> rescore(np.array([0.9, 0.5, 0.4]), [0, 1], np.array([0.2, 0.6])).round(3).tolist()
        [0.2, 0.6, 0.198]
    """
    out = p.copy()
    rest = np.ones(len(p), dtype=bool)
    rest[top] = False
    out[rest] = np.minimum(p[rest], float(p2.min()) * 0.99)
    out[top] = p2
    return out


def rerank(ctx: Context, units: list[Unit], p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rescore the `TOP_K` likeliest units with the rerank model (`weights/rerank.json`);
    returns their features (rows in new rank order) and every unit's probability (the
    reread units first; also stored on each unit as `u.p`). Without a model, `p` stands.

    Example:
        >>> R, p2 = rerank(ctx, units, p)  # doctest: +SKIP
    """
    top = [int(i) for i in np.argsort(-p)[:TOP_K]]
    R = rerank_features(ctx, units, p, top)
    model = load_model("rerank", RERANK_FEATURES)
    if model is None or not top:
        return R, p
    p2 = model.predict_proba(R)
    out = rescore(p, top, p2)
    for u, v in zip(units, out, strict=True):
        u.p = float(v)
    order = np.argsort(-p2)
    return R[order], out
