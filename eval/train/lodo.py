"""An in-memory copy of a loaded index without some documents (leave-document-out)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from rag.index.hybrid import HybridIndex
from rag.index.keys import int_ids
from rag.index.state import build_keyword_stores


def without(index: HybridIndex, doc_ids: Collection[str]) -> HybridIndex:
    chunks = [c for c in index.chunks.values() if c.doc_id not in doc_ids]
    docs = [d for d in index.documents.values() if d.doc_id not in doc_ids]
    ids = int_ids([c.id for c in chunks])
    dense = None
    if index.dense is not None:
        from rag.stores.faiss_store import FaissStore

        inner = index.dense._index  # IndexIDMap2
        vecs = np.vstack([inner.reconstruct(int(i)) for i in ids]) if len(ids) else None
        dense = FaissStore(index.dense.dim)
        if vecs is not None:
            dense.add(ids, vecs)
    words = list(getattr(index.keyword["bm25_word"].tokenizer, "words", []))
    s = index.settings
    keyword = build_keyword_stores(chunks, ids, words, k1=s.bm25_k1, b=s.bm25_b)
    return HybridIndex(s, index.encoder, index.manifest, docs, chunks, dense, keyword)
