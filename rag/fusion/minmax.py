"""Weighted min-max fusion: scores scaled to [0, 1] per channel, then a weighted sum."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["minmax"]


def minmax(
    channels: Mapping[str, Sequence[tuple[int, float]]],
    weights: Mapping[str, float],
    k: int = 60,
) -> dict[int, float]:
    """Normalise each channel's candidate scores to [0, 1] and add them with weights.

    A candidate missing from a channel gets 0 there. `k` is unused (same signature as rrf).

    Example:
        >>> minmax({"a": [(1, 9.0), (2, 5.0)], "b": [(2, 0.9), (3, 0.1)]}, {"a": 1, "b": 2})
        {1: 1.0, 2: 2.0, 3: 0.0}
    """
    fused: dict[int, float] = {}
    for name, ranked in channels.items():
        if not ranked:
            continue
        w = weights.get(name, 1.0)
        scores = [s for _, s in ranked]
        lo, hi = min(scores), max(scores)
        span = hi - lo
        for doc, s in ranked:
            fused[doc] = fused.get(doc, 0.0) + w * ((s - lo) / span if span > 0 else 1.0)
    return fused
