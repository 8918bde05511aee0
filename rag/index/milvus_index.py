"""`MilvusHybridIndex`: `HybridIndex` over a Milvus collection; filters run inside Milvus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.exceptions import IndexMissingError
from rag.index.hybrid import HybridIndex
from rag.index.manifest import Manifest
from rag.index.state import KEYWORD_CHANNELS
from rag.stores.milvus_channels import MilvusDense, MilvusKeyword, terms_text
from rag.stores.milvus_filters import filter_expression
from rag.text import WordTokenizer, bigram_tokenize
from rag.text.tokenizers import TOKENIZER_VERSION

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.settings import Settings

__all__ = ["MilvusHybridIndex"]

_POOL = ThreadPoolExecutor(max_workers=6, thread_name_prefix="milvus-search")


class MilvusHybridIndex(HybridIndex):
    """The same search, fusion and records as `HybridIndex`; the three channels are Milvus
    searches (HNSW dense, BM25 over jieba words, BM25 over character bigrams) with the
    filters as a boolean expression inside each search. Fusion and boosts stay ours.

    Example:
        >>> index = MilvusHybridIndex.load(Settings(store="milvus"))   # doctest: +SKIP
        >>> index.search("龙马物流园", top_k=3, filters={"county": "洪洞"})  # doctest: +SKIP
    """

    version: str = ""
    capabilities: dict[str, Any] = {}

    @classmethod
    def load(cls, settings: Settings, encoder: Encoder | None = None) -> MilvusHybridIndex:
        """Read records, documents and the dictionary from Milvus; IndexMissingError when
        nothing was indexed into the collection yet, IndexStaleError when it does not fit."""
        from rag.corpus import CHUNKER_VERSION
        from rag.encoders import get_encoder
        from rag.index.hybrid import _set_threads
        from rag.stores.milvus_store import connect

        store = connect(settings)
        state = store.read_state()  # first: rows written after it wait for the next reload
        if state is None:
            raise IndexMissingError(
                f"Milvus 里还没有索引，请先运行 `RAG_STORE=milvus rag index` (no index in "
                f"collection {settings.milvus_collection!r} at {settings.milvus_uri}: run "
                "`rag index` with RAG_STORE=milvus)"
            )
        version = str(state.get("version", ""))
        per_doc = json.loads(store.read_meta("fingerprints", version) or "{}")
        manifest = Manifest(**{k: v for k, v in {**state, **per_doc}.items()
                               if k in Manifest.__dataclass_fields__})
        enc = encoder if encoder is not None else get_encoder(settings)
        manifest.check(encoder_name=enc.name, encoder_dim=enc.dim,
                       chunker_version=CHUNKER_VERSION, tokenizer_version=TOKENIZER_VERSION)
        _set_threads(settings.num_threads)
        documents = [Document.from_dict(d)
                     for d in json.loads(store.read_meta("documents", version) or "[]")]
        chunks = [Chunk.from_dict(json.loads(r["record"])) for r in store.records()]
        chunks.sort(key=lambda c: (c.source, c.ordinal, c.start))
        words = [w for w in store.read_meta("dictionary", version).split("\n") if w]
        vocab = frozenset(store.read_meta("vocabulary", version).split("\n"))

        # Channels: Milvus analyses raw text (jieba) or receives our terms pre-split
        word_tok = WordTokenizer(words)
        jieba_side = (state.get("schema") or {}).get("word_analyzer", "jieba") == "jieba"
        keyword = {
            "bm25_word": MilvusKeyword(
                store, "word_sparse", word_tok, vocab.__contains__,
                (lambda q: q) if jieba_side else (lambda q: terms_text(word_tok(q)))),
            "bm25_bigram": MilvusKeyword(
                store, "bigram_sparse", bigram_tokenize, lambda t: True,
                lambda q: terms_text(bigram_tokenize(q))),
        }
        dense = MilvusDense(store, enc.dim) if enc.dim else None
        index = cls(settings, enc, manifest, documents, chunks, dense, keyword)
        index.version = version
        index.capabilities = dict(state.get("capabilities") or {})
        return index

    def rank_channels(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        n: int | None = None,
        *,
        channels: Sequence[str] | None = None,
        keyword_query: str | None = None,
    ) -> tuple[dict[str, list[tuple[int, float]]], np.ndarray | None]:
        """Each channel's `n` best (store id, score) from Milvus, the filter applied inside
        the search as a boolean expression, and the query vector."""
        expr = filter_expression(filters, self.filters.keys) or ""
        weights = self._weights(channels)
        n = n or self.settings.candidates
        if keyword_query is None:
            keyword_query = self.keyword_query(query)
        # The channel searches are independent round trips: issue them together
        calls: dict[str, Any] = {}
        qvec = None
        if weights.get("dense") and self.dense is not None:
            qvec = self.query_vector(query)
            dense: Any = self.dense
            calls["dense"] = partial(dense.search, qvec, n, expr=expr)
        for name in KEYWORD_CHANNELS:
            if weights.get(name):
                store: Any = self.keyword[name]
                calls[name] = partial(store.search, keyword_query, n, expr=expr)
        futures = {name: _POOL.submit(call) for name, call in calls.items()}
        ranked = {name: self._known(*f.result()) for name, f in futures.items()}
        return ranked, qvec

    def _known(self, ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
        """Drop rows a newer build wrote before this server saw its state row."""
        return [(i, s) for i, s in zip(ids.tolist(), scores.tolist(), strict=True)
                if i in self._pos]
