"""Reciprocal rank fusion: sum of weight / (k + rank) over channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["rrf"]


def rrf(
    channels: Mapping[str, Sequence[tuple[int, float]]],
    weights: Mapping[str, float],
    k: int = 60,
) -> dict[int, float]:
    """Fuse ranked lists by reciprocal rank (Cormack et al. 2009), weighted per channel.

    Example:
        >>> rrf({"a": [(1, 9.0), (2, 5.0)], "b": [(2, 0.9)]}, {"a": 1, "b": 1}, k=60)
        {1: 0.01639344262295082, 2: 0.03252247488101534}
    """
    fused: dict[int, float] = {}
    for name, ranked in channels.items():
        w = weights.get(name, 1.0)
        for rank, (doc, _score) in enumerate(ranked, start=1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    return fused
