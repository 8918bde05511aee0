"""`none`: no dense channel at all, for BM25-only indexes (fast CI, tiny machines)."""

from __future__ import annotations

import numpy as np

__all__ = ["NullEncoder"]


class NullEncoder:
    """An encoder with `dim == 0`; the index then skips the dense channel.

    Example:
        >>> NullEncoder().embed_queries(["问"]).shape
        (1, 0)
    """

    name = "none"
    dim = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 0), dtype=np.float32)
