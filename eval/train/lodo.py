"""An in-memory copy of a loaded index without some documents (leave-document-out)."""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np

from rag.index.hybrid import HybridIndex
from rag.index.keys import int_ids
from rag.index.state import KEYWORD_CHANNELS
from rag.stores.bm25_store import BM25Store

_MEMO: dict[int, dict[str, list[str]]] = {}


def _memo(tok: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    # Tokens of a chunk text are the same in every subset: tokenize each text once
    cache = _MEMO.setdefault(id(tok), {})

    def cut(text: str) -> list[str]:
        if text not in cache:
            cache[text] = tok(text)
        return cache[text]

    return cut


def without(index: HybridIndex, doc_ids: Collection[str]) -> HybridIndex:
    chunks = [c for c in index.chunks.values() if c.doc_id not in doc_ids]
    docs = [d for d in index.documents.values() if d.doc_id not in doc_ids]
    ids = int_ids([c.id for c in chunks])
    dense = None
    if index.dense is not None:
        from rag.stores.faiss_store import FaissStore

        inner = index.dense._index  # IndexIDMap2
        dense = FaissStore(index.dense.dim)
        if len(ids):
            dense.add(ids, np.vstack([inner.reconstruct(int(i)) for i in ids]))
    s = index.settings
    keyword = {}
    for name in KEYWORD_CHANNELS:
        full = index.keyword[name]
        store = BM25Store(_memo(full.tokenizer), k1=full.k1, b=full.b)
        store.index(ids, [c.index_text for c in chunks])
        store.tokenizer = full.tokenizer  # queries as the full index tokenizes them
        keyword[name] = store
    return HybridIndex(s, index.encoder, index.manifest, docs, chunks, dense, keyword)
