"""Keyword-side state shared by build and load: domain words and the two BM25 channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.stores.bm25_store import BM25Store
from rag.text import WordTokenizer, bigram_tokenize, build_domain_dictionary

__all__ = ["KEYWORD_CHANNELS", "build_keyword_stores", "domain_words", "load_keyword_stores"]

KEYWORD_CHANNELS = ("bm25_word", "bm25_bigram")


def domain_words(documents: list[Document], chunks: list[Chunk]) -> list[str]:
    """Words jieba keeps whole: mined from document texts and every heading."""
    headings = {h for c in chunks for h in c.heading_path}
    return build_domain_dictionary([d.text for d in documents], headings)


def _tokenizers(words: list[str]) -> dict[str, WordTokenizer | object]:
    return {"bm25_word": WordTokenizer(words), "bm25_bigram": bigram_tokenize}


def build_keyword_stores(
    chunks: list[Chunk], ids: np.ndarray, words: list[str], k1: float = 1.2, b: float = 0.75
) -> dict[str, BM25Store]:
    """One BM25 store per keyword channel over the chunks' index text (heading path + text)."""
    texts = [c.index_text for c in chunks]
    stores = {}
    for name, tok in _tokenizers(words).items():
        store = BM25Store(tok, k1=k1, b=b)  # type: ignore[arg-type]
        store.index(ids, texts)
        stores[name] = store
    return stores


def load_keyword_stores(directory: Path, words: list[str]) -> dict[str, BM25Store]:
    return {
        name: BM25Store.load(directory / name, tok)  # type: ignore[arg-type]
        for name, tok in _tokenizers(words).items()
    }
