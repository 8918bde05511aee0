"""`HybridIndex`: load a built index and search it (dense + BM25 words + BM25 bigrams, fused)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.fusion import get_fusion
from rag.index import storage
from rag.index.integrity import verify_index
from rag.index.keys import int_ids
from rag.index.manifest import Manifest, read_manifest
from rag.index.state import KEYWORD_CHANNELS, check_store, load_keyword_stores
from rag.retrieval.boost import QueryBoost
from rag.retrieval.expansion import QueryExpander
from rag.retrieval.filters import FilterIndex
from rag.retrieval.models import Hit
from rag.text.tokenizers import TOKENIZER_VERSION

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.settings import Settings
    from rag.stores.base import DenseStore, KeywordStore

__all__ = ["CHANNELS", "HybridIndex"]

CHANNELS = ("dense", *KEYWORD_CHANNELS)
_QUERY_CACHE = 512  # query vectors kept (a repeated question skips the encoder)


class HybridIndex:
    """A loaded index: chunk records, documents, the stores, and fused search over them.

    Example:
        >>> index = HybridIndex.load(get_settings())                 # doctest: +SKIP
        >>> hit = index.search("龙马物流园进展如何", top_k=3)[0]        # doctest: +SKIP
        >>> hit.chunk.source, hit.scores.keys()                      # doctest: +SKIP
        ('000_cc6c187a06165f0b.txt', dict_keys(['dense', 'bm25_word', 'bm25_bigram']))
    """

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        manifest: Manifest,
        documents: list[Document],
        chunks: list[Chunk],
        dense: DenseStore | None,
        keyword: Mapping[str, KeywordStore],
    ) -> None:
        self.settings, self.encoder, self.manifest = settings, encoder, manifest
        self.documents: dict[str, Document] = {d.doc_id: d for d in documents}
        self.chunks: dict[str, Chunk] = {c.id: c for c in chunks}
        self._chunk_list = chunks
        self._ids = int_ids([c.id for c in chunks])
        self._pos = {int(i): p for p, i in enumerate(self._ids.tolist())}
        self.dense, self.keyword = dense, dict(keyword)
        self.filters = FilterIndex(chunks, self.documents)
        self.boost = QueryBoost(chunks, settings)
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qlock = threading.Lock()
        self._expander: QueryExpander | None = None
        self._by_doc: dict[str, list[Chunk]] | None = None

    # Loading
    @classmethod
    def load(cls, settings: Settings, encoder: Encoder | None = None) -> HybridIndex:
        """Load `settings.index_dir` (or, with RAG_STORE=milvus, the Milvus collection);
        IndexMissingError / IndexStaleError say to run `rag index`."""
        from rag.corpus import CHUNKER_VERSION
        from rag.encoders import get_encoder

        if check_store(settings) == "milvus" and cls is HybridIndex:
            from rag.index.milvus_index import MilvusHybridIndex

            return MilvusHybridIndex.load(settings, encoder)
        directory = Path(settings.index_dir)
        storage.recover(directory)
        manifest = read_manifest(directory)
        enc = encoder if encoder is not None else get_encoder(settings)
        manifest.check(encoder_name=enc.name, encoder_dim=enc.dim,
                       chunker_version=CHUNKER_VERSION, tokenizer_version=TOKENIZER_VERSION)
        verify_index(directory, manifest)  # IndexCorruptError naming a damaged file
        _set_threads(settings.num_threads)
        dense = None
        if enc.dim:
            from rag.stores.faiss_store import FaissStore

            dense = FaissStore.load(directory / "dense")
        words = (directory / "dictionary.txt").read_text(encoding="utf-8").split("\n")
        keyword = load_keyword_stores(directory, [w for w in words if w])
        return cls(settings, enc, manifest, storage.read_documents(directory),
                   storage.read_chunks(directory), dense, keyword)

    def doc_chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document in document order ([] for an unknown id)."""
        if self._by_doc is None:
            by_doc: dict[str, list[Chunk]] = {}
            for c in self._chunk_list:
                by_doc.setdefault(c.doc_id, []).append(c)
            for group in by_doc.values():
                group.sort(key=lambda c: (c.start, c.end))
            self._by_doc = by_doc
        return self._by_doc.get(doc_id, [])

    def __len__(self) -> int:
        return len(self._chunk_list)

    # Search
    def search(
        self,
        query: str,
        top_k: int = 5,
        filters: dict[str, Any] | None = None,
        *,
        channels: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The `top_k` best passages for `query`, filters applied before ranking.

        `channels` restricts the channels used (default: every channel with weight > 0).
        Raises FilterError for an unknown filter key.
        """
        keyword_query = self.keyword_query(query)  # expanded once, for ranking and scoring
        ranked, qvec = self.rank_channels(query, filters, max(self.settings.candidates, top_k),
                                          channels=channels, keyword_query=keyword_query)
        best = self.fuse(query, ranked, top_k, weights=self._weights(channels))
        return self._hits(keyword_query, qvec, best, ranked)

    def rank_channels(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        n: int | None = None,
        *,
        channels: Sequence[str] | None = None,
        keyword_query: str | None = None,
    ) -> tuple[dict[str, list[tuple[int, float]]], np.ndarray | None]:
        """Each channel's `n` best (store id, score) within the filter, and the query vector.

        The keyword channels search `keyword_query` (default: `query` with synonyms added)."""
        allowed_pos = self.filters.allowed(filters)
        if allowed_pos is not None and not len(allowed_pos):
            return {}, None
        allowed = None if allowed_pos is None else self._ids[allowed_pos]
        weights = self._weights(channels)
        n = n or self.settings.candidates
        ranked: dict[str, list[tuple[int, float]]] = {}
        qvec = None
        if weights.get("dense") and self.dense is not None:
            qvec = self.query_vector(query)
            ids, scores = self.dense.search(qvec, n, allowed)
            ranked["dense"] = list(zip(ids.tolist(), scores.tolist(), strict=True))
        if keyword_query is None:
            keyword_query = self.keyword_query(query)
        for name in KEYWORD_CHANNELS:
            if weights.get(name):
                ids, scores = self.keyword[name].search(keyword_query, n, allowed)
                ranked[name] = list(zip(ids.tolist(), scores.tolist(), strict=True))
        return ranked, qvec

    # Query expansion (keyword channels only; the dense channel reads the question as typed)
    @property
    def expander(self) -> QueryExpander | None:
        """Document words (the colloquial table, then Cilin synonyms) for question words the
        index never saw; None when `synonyms` is off."""
        word = self.keyword.get("bm25_word")
        if not self.settings.synonyms or word is None:
            return None
        if self._expander is None:
            from rag.text.colloquial import colloquial_table
            from rag.text.thesaurus import load_thesaurus

            self._expander = QueryExpander(word.tokenizer, word.has_term, load_thesaurus(),
                                           everyday=colloquial_table())
        return self._expander

    def expansions(self, query: str) -> dict[str, list[str]]:
        """The synonyms added to `query` for the keyword channels, by question word."""
        return self.expander.expansions(query) if self.expander is not None else {}

    def keyword_query(self, query: str) -> str:
        """The text the keyword channels search: `query` plus any synonyms added."""
        return self.expander.keyword_query(query) if self.expander is not None else query

    def query_vector(self, query: str) -> np.ndarray:
        """The encoder's vector for `query`, from a small LRU cache when asked before.

        An over-long query is cut to `dense_query_chars` (head and tail) first: encoder time
        grows with length, and a history message must not make one request slow for all."""
        from rag.encoders.truncate import truncate_query

        query = truncate_query(query, self.settings.dense_query_chars)
        with self._qlock:
            if query in self._qcache:
                self._qcache.move_to_end(query)
                return self._qcache[query]
        vec = self.encoder.embed_queries([query])[0]
        with self._qlock:
            self._qcache[query] = vec
            if len(self._qcache) > _QUERY_CACHE:
                self._qcache.popitem(last=False)
        return vec

    def fuse(
        self,
        query: str,
        ranked: dict[str, list[tuple[int, float]]],
        top_k: int,
        *,
        fusion: str | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> list[tuple[int, float]]:
        """Fuse channel rankings (settings' method and weights unless given), apply the
        query's county/year boost, and keep the `top_k` best (store id, fused score)."""
        s = self.settings
        w = dict(weights) if weights is not None else self._weights(None)
        ranked = {name: pairs for name, pairs in ranked.items() if w.get(name, 0.0) > 0}
        fused = get_fusion(fusion or s.fusion)(ranked, w, s.rrf_k)
        fused = self.boost.apply(query, fused, self._pos)
        return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]

    def chunk_of(self, store_id: int) -> Chunk:
        """The chunk a store id stands for."""
        return self._chunk_list[self._pos[store_id]]

    def _weights(self, channels: Sequence[str] | None) -> dict[str, float]:
        s = self.settings
        weights = {"dense": s.weight_dense if self.dense is not None else 0.0,
                   "bm25_word": s.weight_bm25_word, "bm25_bigram": s.weight_bm25_bigram}
        if channels is not None:
            unknown = set(channels) - set(CHANNELS)
            if unknown:
                raise ValueError(f"unknown channels {sorted(unknown)}; valid: {CHANNELS}")
            weights = {k: (v or 1.0) if k in channels else 0.0 for k, v in weights.items()}
            if self.dense is None:
                weights["dense"] = 0.0
        return {k: v for k, v in weights.items() if v > 0}

    def _hits(self, keyword_query: str, qvec: np.ndarray | None, best: list[tuple[int, float]],
              ranked: dict[str, list[tuple[int, float]]]) -> list[Hit]:
        ids = np.array([i for i, _ in best], dtype=np.int64)
        per: dict[str, dict[int, float]] = {}
        for name, pairs in ranked.items():
            got = dict(pairs)
            missing = ids[~np.isin(ids, np.fromiter(got, dtype=np.int64, count=len(got)))]
            if len(missing):  # score the fused winners a channel did not rank itself
                store: Any = self.dense if name == "dense" else self.keyword[name]
                extra = store.score(qvec if name == "dense" else keyword_query, missing)
                got.update(zip(missing.tolist(), extra.tolist(), strict=True))
            per[name] = got
        return [
            Hit(chunk=self._chunk_list[self._pos[i]], score=float(s), rank=r,
                scores={name: round(float(per[name][i]), 6) for name in per})
            for r, (i, s) in enumerate(best, start=1)
        ]


def _set_threads(n: int) -> None:
    try:
        import faiss

        faiss.omp_set_num_threads(max(1, n))
    except Exception:  # faiss without OpenMP
        pass
