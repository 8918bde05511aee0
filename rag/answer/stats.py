"""Index-wide term statistics for answers: how rare a term is, and whether it occurs at all."""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rag.corpus.models import Chunk

__all__ = ["CorpusStats", "stats_for"]


class CorpusStats:
    """Occurrence counts over every chunk of an index (title, heading path and text).

    Example:
        >>> from rag.corpus.models import Chunk
        >>> c = Chunk("a", "d", "d.txt", "T", "", None, [], "龙马物流园揭牌。", 0, 8)
        >>> st = CorpusStats([c])
        >>> st.contains("龙马物流园"), st.contains("地铁")
        (True, False)
    """

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        parts = [f"{c.title}\n{c.index_text}" for c in chunks]
        self.n = max(len(parts), 1)
        self._blob = "\n\x00".join(parts)
        self._lower = self._blob.lower()
        self.count = lru_cache(maxsize=4096)(self._count)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("count", None)  # the memo is rebuilt on unpickling
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.count = lru_cache(maxsize=4096)(self._count)

    @property
    def known(self) -> bool:
        """False when built without the index's chunks (nothing can be said about absence)."""
        return bool(self._blob)

    def _count(self, term: str) -> int:
        return self._lower.count(term.lower())

    def contains(self, term: str) -> bool:
        """Whether `term` occurs anywhere in the index."""
        return self.count(term) > 0

    def idf(self, term: str, variants: tuple[str, ...] = ()) -> float:
        """Rarity of a term (absent terms are the rarest: they are what the question is about)."""
        c = max((self.count(v) for v in variants or (term,)), default=0)
        return math.log(1.0 + self.n / (0.5 + c))


# One CorpusStats per index object, rebuilt when its chunk count changes
_CACHE: weakref.WeakKeyDictionary[Any, tuple[int, CorpusStats]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_EMPTY = CorpusStats([])


def stats_for(retriever: Any) -> CorpusStats:
    """The CorpusStats of `retriever.chunks` (a dict of Chunk), or empty stats without it."""
    chunks = getattr(retriever, "chunks", None)
    if not isinstance(chunks, dict) or not chunks:
        return _EMPTY
    try:
        cached = _CACHE.get(retriever)
    except TypeError:  # not weak-referenceable: compute each time
        return CorpusStats(chunks.values())
    if cached is not None and cached[0] == len(chunks):
        return cached[1]
    with _LOCK:
        st = CorpusStats(list(chunks.values()))
        _CACHE[retriever] = (len(chunks), st)
    return st
