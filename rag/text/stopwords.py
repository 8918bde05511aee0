"""Stopwords: function words and question words that carry no retrieval signal."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["stopwords"]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The bundled stopword list (`rag/text/stopwords.txt`, one word a line).

    Example:
        >>> "什么" in stopwords()
        True
    """
    text = resources.files("rag.text").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())
