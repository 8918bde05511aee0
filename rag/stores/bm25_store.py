"""Keyword store on bm25s with an injected tokenizer (jieba words or character bigrams)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rag.stores.base import Ranked

__all__ = ["BM25Store"]

_EMPTY: Ranked = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))


class BM25Store:
    """BM25 (Lucene variant, bm25s) over texts keyed by int64 ids.

    bm25s indexes are immutable, so `index()` replaces the whole state; it is fast
    (a few hundred ms for thousands of chunks) next to embedding.

    Example:
        >>> from rag.text import bigram_tokenize
        >>> s = BM25Store(bigram_tokenize)
        >>> s.index(np.array([1, 2]), ["龙马物流园揭牌", "绛县两会召开"])
        >>> s.search("物流园", k=1)[0].tolist()
        [1]
    """

    def __init__(self, tokenizer: Callable[[str], list[str]], k1: float = 1.2, b: float = 0.75):
        self.tokenizer, self.k1, self.b = tokenizer, k1, b
        self._ids = np.empty(0, dtype=np.int64)
        self._row: dict[int, int] = {}
        self._bm25: Any = None

    def __len__(self) -> int:
        return len(self._ids)

    def index(self, ids: np.ndarray, texts: list[str]) -> None:
        """(Re)build the index over `texts`, the i-th keyed by `ids[i]`."""
        import bm25s

        self._set_ids(np.asarray(ids, dtype=np.int64))
        self._bm25 = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        tokens = [self.tokenizer(t) or [""] for t in texts]
        if tokens:
            self._bm25.index(tokens, show_progress=False)

    def has_term(self, token: str) -> bool:
        """Whether `token` (as the tokenizer emits it) occurs in the indexed texts."""
        return self._bm25 is not None and token in self._bm25.vocab_dict

    def _set_ids(self, ids: np.ndarray) -> None:
        self._ids = ids
        self._row = {int(i): r for r, i in enumerate(ids.tolist())}

    def _all_scores(self, query: str) -> np.ndarray:
        if self._bm25 is None or not len(self._ids):
            return np.zeros(len(self._ids), dtype=np.float32)
        tokens = [t for t in self.tokenizer(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self._ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> Ranked:
        scores = self._all_scores(query)
        if allowed is not None:
            rows = [self._row[i] for i in np.asarray(allowed).tolist() if i in self._row]
            mask = np.zeros(len(scores), dtype=bool)
            mask[rows] = True
            scores = np.where(mask, scores, 0.0)
        # Top k positive scores, best first
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return _EMPTY
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return self._ids[top], scores[top]

    def score(self, query: str, ids: np.ndarray) -> np.ndarray:
        scores = self._all_scores(query)
        return np.array([scores[self._row[int(i)]] if int(i) in self._row else 0.0 for i in ids],
                        dtype=np.float32)

    # Persistence (bm25s' own format plus our id column)
    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "ids.npy", self._ids)
        (path / "bm25.json").write_text(json.dumps({"k1": self.k1, "b": self.b}), "utf-8")
        if self._bm25 is not None and len(self._ids):
            self._bm25.save(str(path / "bm25s"), show_progress=False)

    @classmethod
    def load(cls, path: Path, tokenizer: Callable[[str], list[str]]) -> BM25Store:
        import bm25s

        params = json.loads((path / "bm25.json").read_text("utf-8"))
        store = cls(tokenizer, k1=params["k1"], b=params["b"])
        store._set_ids(np.load(path / "ids.npy"))
        if (path / "bm25s").exists():
            store._bm25 = bm25s.BM25.load(str(path / "bm25s"), show_progress=False)
        return store
