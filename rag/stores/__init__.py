"""Stores behind two small interfaces: dense (FAISS) and keyword (bm25s)."""

from __future__ import annotations

from rag.stores.base import DenseStore, KeywordStore, Ranked
from rag.stores.bm25_store import BM25Store
from rag.stores.faiss_store import FaissStore

__all__ = ["BM25Store", "DenseStore", "FaissStore", "KeywordStore", "Ranked"]
