"""Keyword-side state shared by build and load: domain words and the two BM25 channels."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.stores.bm25_store import BM25Store
from rag.text import WordTokenizer, bigram_tokenize, build_domain_dictionary

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = [
    "KEYWORD_CHANNELS",
    "STORES",
    "build_keyword_stores",
    "check_store",
    "domain_words",
    "index_stamp",
    "load_keyword_stores",
]

KEYWORD_CHANNELS = ("bm25_word", "bm25_bigram")
STORES = ("embedded", "milvus")  # RAG_STORE values


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


def check_store(settings: Settings) -> str:
    """`settings.store`, or ConfigError naming the valid values.

    Example:
        >>> from rag.settings import Settings
        >>> check_store(Settings(store="milvus"))
        'milvus'
    """
    from rag.exceptions import ConfigError

    if settings.store not in STORES:
        raise ConfigError(f"未知的存储 RAG_STORE={settings.store!r} (unknown store; valid: "
                          f"{', '.join(STORES)})")
    return settings.store


def index_stamp(settings: Settings) -> Any:
    """What changes whenever a build lands: the manifest's (inode, mtime, size) for the
    embedded store, the state row's version in Milvus; None while there is none (or the
    store cannot be reached: the loaded index keeps serving)."""
    if check_store(settings) == "milvus":
        from rag.stores.milvus_store import connect

        try:
            return connect(settings).version()
        except Exception:
            return None
    from rag.index.manifest import manifest_stamp

    return manifest_stamp(settings.index_dir)
