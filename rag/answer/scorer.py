"""The sentence model: each candidate unit's probability of answering the question."""

from __future__ import annotations

import numpy as np

from rag.answer.candidates import Unit
from rag.answer.features import UNIT_FEATURES, Context, unit_features
from rag.answer.model import load_model
from rag.retrieval.models import Hit

__all__ = ["score_units"]


def score_units(ctx: Context, units: list[Unit], hits: list[Hit]) -> tuple[np.ndarray, np.ndarray]:
    """Features and probabilities of `units` (also stored on each unit as `u.p`).

    Without a trained model (`weights/unit.json`), a unit's probability is its weighted
    term coverage, so the pipeline still runs before the first training.
    """
    X = unit_features(ctx, units, hits)
    if not units:
        return X, np.zeros(0)
    model = load_model("unit", UNIT_FEATURES)
    p = model.predict_proba(X) if model is not None else X[:, 0].copy()
    for u, v in zip(units, p, strict=True):
        u.p = float(v)
    return X, p
