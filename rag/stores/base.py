"""The two store interfaces retrieval talks to; a backend (FAISS, bm25s, Milvus) implements one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["DenseStore", "KeywordStore", "Ranked"]

# (ids int64, scores float32), best first
Ranked = tuple[np.ndarray, np.ndarray]


class DenseStore(Protocol):
    """Vectors keyed by int64 ids; inner-product search on L2-normalised vectors.

    `allowed` restricts the search to those ids *before* ranking (metadata filters).

    Example:
        >>> store = FaissStore(dim=384)                          # doctest: +SKIP
        >>> store.add(np.array([7]), vecs); store.search(q, k=5)  # doctest: +SKIP
    """

    dim: int

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Ranked: ...

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray: ...

    def save(self, path: Path) -> None: ...


class KeywordStore(Protocol):
    """Texts keyed by int64 ids, scored by a keyword model (BM25) with an injected tokenizer.

    Example:
        >>> store = BM25Store(tokenizer=bigram_tokenize)                # doctest: +SKIP
        >>> store.index(np.array([1, 2]), ["龙马物流园揭牌", "绛县"])    # doctest: +SKIP
        >>> store.search("龙马物流园", k=1)[0].tolist()                 # doctest: +SKIP
        [1]
    """

    tokenizer: Callable[[str], list[str]]  # text -> the terms the store indexes

    def __len__(self) -> int: ...

    def index(self, ids: np.ndarray, texts: list[str]) -> None: ...

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked: ...

    def score(self, query: str, ids: np.ndarray) -> np.ndarray: ...

    def has_term(self, token: str) -> bool: ...

    def save(self, path: Path) -> None: ...
