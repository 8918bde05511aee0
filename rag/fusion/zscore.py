"""Weighted z-score fusion: scores standardised per channel, then a weighted sum."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

__all__ = ["zscore"]


def zscore(
    channels: Mapping[str, Sequence[tuple[int, float]]],
    weights: Mapping[str, float],
    k: int = 60,
) -> dict[int, float]:
    """Standardise each channel's candidate scores (mean 0, sd 1); missing candidates get
    the channel's minimum. `k` is unused.

    Example:
        >>> zscore({"a": [(1, 3.0), (2, 1.0)]}, {"a": 1})
        {1: 1.0, 2: -1.0}
    """
    per: dict[str, dict[int, float]] = {}
    floor: dict[str, float] = {}
    for name, ranked in channels.items():
        if not ranked:
            continue
        scores = [s for _, s in ranked]
        mu = statistics.fmean(scores)
        sd = statistics.pstdev(scores) or 1.0
        per[name] = {doc: (s - mu) / sd for doc, s in ranked}
        floor[name] = min(per[name].values())
    docs = {d for z in per.values() for d in z}
    return {
        d: sum(weights.get(n, 1.0) * z.get(d, floor[n]) for n, z in per.items()) for d in docs
    }
