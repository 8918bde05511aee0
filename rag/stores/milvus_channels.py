"""The Milvus collection seen through the DenseStore / KeywordStore interfaces, one per channel."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.stores.base import Ranked
from rag.stores.milvus_store import MilvusStore

__all__ = ["MilvusDense", "MilvusKeyword", "id_expression", "terms_text"]

_NON_WORD = re.compile(r"\W")


def terms_text(terms: list[str]) -> str:
    """Terms joined by spaces for a pre-split BM25 field; characters outside \\w become "_"
    so Milvus's whitespace and Milvus Lite's \\w+ tokenizers see the same terms.

    Example:
        >>> terms_text(["龙马", "3.5", "年"])
        '龙马 3_5 年'
    """
    return " ".join(_NON_WORD.sub("_", t) for t in terms if t)


def id_expression(ids: np.ndarray, expr: str = "") -> str:
    """`id in [...]`, and-ed with `expr` when given."""
    ids_expr = f"id in [{', '.join(str(int(i)) for i in ids)}]"
    return f"({expr}) and {ids_expr}" if expr else ids_expr


def _with_allowed(expr: str, allowed: np.ndarray | None) -> str | None:
    if allowed is None:
        return expr
    if not len(allowed):
        return None
    return id_expression(allowed, expr)


class MilvusDense:
    """Dense channel: ANN search (HNSW, inner product) on the collection's vector field.

    Example:
        >>> MilvusDense(store, 384).search(qvec, 5, expr='county in ["绛"]')  # doctest: +SKIP
    """

    def __init__(self, store: MilvusStore, dim: int) -> None:
        self.store, self.dim = store, dim

    def __len__(self) -> int:
        return self.store.count()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        raise NotImplementedError("rows are written by `rag index` (rag.index.milvus_build)")

    def remove(self, ids: np.ndarray) -> None:
        raise NotImplementedError("rows are deleted by `rag index` (rag.index.milvus_build)")

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               expr: str = "") -> Ranked:
        full = _with_allowed(expr, allowed)
        if full is None or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return self.store.search_dense(query, k, full)

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        vecs = self.store.vectors(ids)
        q = np.asarray(query, dtype=np.float32).ravel()
        return np.array([float(vecs[int(i)] @ q) if int(i) in vecs else 0.0 for i in ids],
                        dtype=np.float32)

    def save(self, path: Path) -> None:  # the data lives in Milvus
        return None


class MilvusKeyword:
    """A BM25 channel computed inside Milvus over one sparse field.

    `prepare` turns the query into what the field's BM25 function analyses: the raw text
    for Milvus's jieba analyzer, or our terms joined by spaces for a pre-split field.
    `tokenizer` and `has_term` are our jieba words and the vocabulary recorded at build
    time, for the synonym expander.

    Example:
        >>> kw = MilvusKeyword(store, "bigram_sparse", tok, has, prep)  # doctest: +SKIP
        >>> kw.search("龙马物流园", 5, expr="year in [2025]")          # doctest: +SKIP
    """

    def __init__(self, store: MilvusStore, field: str, tokenizer: Callable[[str], list[str]],
                 has_term: Callable[[str], bool], prepare: Callable[[str], str]) -> None:
        self.store, self.field, self.tokenizer = store, field, tokenizer
        self._has_term, self._prepare = has_term, prepare

    def __len__(self) -> int:
        return self.store.count()

    def index(self, ids: np.ndarray, texts: list[str]) -> None:
        raise NotImplementedError("rows are written by `rag index` (rag.index.milvus_build)")

    def has_term(self, token: str) -> bool:
        return self._has_term(token)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None,
               expr: str = "") -> Ranked:
        full = _with_allowed(expr, allowed)
        if full is None or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return self.store.search_text(self.field, self._prepare(query), k, full)

    def score(self, query: str, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.empty(0, dtype=np.float32)
        got_ids, got = self.store.search_text(self.field, self._prepare(query), len(ids),
                                              id_expression(ids))
        found = dict(zip(got_ids.tolist(), got.tolist(), strict=True))
        return np.array([found.get(int(i), 0.0) for i in ids], dtype=np.float32)

    def save(self, path: Path) -> None:  # the data lives in Milvus
        return None
