"""Tokenizers injected into BM25: jieba search-mode words and character bigrams."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from rag.text.stopwords import stopwords

__all__ = ["Tokenizer", "WordTokenizer", "bigram_tokenize", "TOKENIZER_VERSION"]

TOKENIZER_VERSION = "1"  # bump when tokens change: the BM25 state is rebuilt

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+|[0-9]+(?:\.[0-9]+)?")
_KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_lock = threading.Lock()  # jieba initialisation is not thread-safe


class Tokenizer(Protocol):
    """A callable from text to tokens (bm25s-style injection)."""

    def __call__(self, text: str) -> list[str]: ...


class WordTokenizer:
    """jieba `cut_for_search` tokens on a private `jieba.Tokenizer` with domain words added.

    Punctuation, whitespace and stopwords are dropped; Latin is lower-cased.

    Example:
        >>> tok = WordTokenizer(["龙马物流园", "三码"])
        >>> "龙马物流园" in tok("龙马物流园进展如何？") and "三码" in tok("三码是什么")
        True
    """

    def __init__(self, words: Iterable[str] = (), stop: frozenset[str] | None = None) -> None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba: Any
        self.words = sorted(set(words))
        self.stop = stopwords() if stop is None else stop
        with _lock:
            self._jieba = _fresh_jieba()
            for w in self.words:
                self._jieba.add_word(w, freq=max(self._jieba.suggest_freq(w, False), 1000))

    def __call__(self, text: str) -> list[str]:
        out = []
        for tok in self._jieba.cut_for_search(text, HMM=True):
            tok = tok.strip().lower()
            if tok and tok not in self.stop and _KEEP.search(tok):
                out.append(tok)
        return out


_base: Any = None


def _fresh_jieba() -> Any:
    """A private jieba.Tokenizer; the main dictionary is read from disk once per process."""
    import jieba

    global _base
    if _base is None:
        _base = jieba.Tokenizer()
        _base.initialize()
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = dict(_base.FREQ), _base.total, True
    return tok


def bigram_tokenize(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run; Latin words and numbers whole.

    Example:
        >>> bigram_tokenize("龙马物流园 2024年")
        ['龙马', '马物', '物流', '流园', '2024', '年']
    """
    out: list[str] = []
    for m in _CJK_RUN.finditer(text):
        run = m.group(0)
        if not ("\u4e00" <= run[0] <= "\u9fff"):
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
