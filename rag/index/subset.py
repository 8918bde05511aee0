"""`without_documents`: an exact in-memory copy of a loaded index with some documents left out."""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections import OrderedDict
from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from rag.index.state import domain_words
from rag.stores.bm25_store import BM25Store
from rag.text import WordTokenizer, bigram_tokenize

if TYPE_CHECKING:
    from rag.corpus.models import Chunk
    from rag.index.hybrid import HybridIndex

__all__ = ["SubsetCache", "without_documents"]


@dataclasses.dataclass
class _Base:
    """What every subset of one index reuses: vectors and tokens of every chunk, in order."""

    vectors: np.ndarray | None
    bigrams: list[list[str]]
    words: list[str]  # the whole index's domain dictionary
    pieces: list[list[str]]  # each chunk's text in jieba's blocks (it segments each alone)
    piece_tokens: dict[str, list[str]]  # tokens of each block under that dictionary


_BASES: weakref.WeakKeyDictionary[HybridIndex, _Base] = weakref.WeakKeyDictionary()


def without_documents(index: HybridIndex, doc_ids: Collection[str]) -> HybridIndex:
    """The index a fresh build would give without these documents (by doc id or source name).

    Chunks, documents and vectors are the remaining ones (same encoder object, same
    settings); the domain dictionary and both BM25 channels are rebuilt over what remains,
    so the vocabulary and IDF are those of a real index without the documents. The dense
    store is an exact FAISS flat index of the remaining vectors. Work shared by every subset
    of one index (vectors, tokens) is done once; a chunk is re-tokenised only when it holds
    a dictionary word the removal added or dropped. Callers should still cache the result
    per doc-id set. Unknown ids are ignored (the result then equals the whole index).

    Example:
        >>> sub = without_documents(index, {"000_cc6c187a06165f0b.txt"})  # doctest: +SKIP
        >>> [h.chunk.source for h in sub.search("龙马物流园", top_k=2)]  # doctest: +SKIP
        ['002_88ab826eb32e89ce.txt', '002_88ab826eb32e89ce.txt']
    """
    from rag.index.hybrid import HybridIndex

    drop = set(doc_ids)
    docs = [d for d in index.documents.values() if d.doc_id not in drop and d.source not in drop]
    kept = {d.doc_id for d in docs}
    all_chunks = _chunks(index)
    keep = [i for i, c in enumerate(all_chunks) if c.doc_id in kept]
    chunks = [all_chunks[i] for i in keep]
    ids = np.asarray(index._ids[keep] if keep else [], dtype=np.int64)
    base = _base(index)
    s = index.settings

    # Keyword channels: the remaining documents' dictionary, BM25 over the remaining chunks;
    # only jieba blocks holding a word the dictionary gained or lost are segmented again
    words = domain_words(docs, chunks)
    tokenizer = WordTokenizer(words)
    changed = set(words) ^ set(base.words)
    pattern = re.compile("|".join(map(re.escape, sorted(changed, key=len, reverse=True))))
    fresh: dict[str, list[str]] = {}
    word_tokens = [
        _tokens(base, i, tokenizer, pattern, fresh)
        if changed and pattern.search(all_chunks[i].index_text)
        else _tokens(base, i)
        for i in keep
    ]
    keyword = {
        "bm25_word": _bm25(tokenizer, ids, word_tokens, s.bm25_k1, s.bm25_b),
        "bm25_bigram": _bm25(bigram_tokenize, ids, [base.bigrams[i] for i in keep],
                             s.bm25_k1, s.bm25_b),
    }

    # Dense channel: the remaining vectors in an exact store
    dense = None
    if index.dense is not None and base.vectors is not None:
        from rag.stores.faiss_store import FaissStore

        dense = FaissStore(index.dense.dim, "flat")
        dense.add(ids, base.vectors[keep])

    # The manifest of such a build
    sources = {d.source for d in docs}
    m = index.manifest
    manifest = dataclasses.replace(
        m, dense_kind="flat", n_documents=len(docs), n_chunks=len(chunks),
        files={k: v for k, v in m.files.items() if k in sources},
        doc_fingerprints={k: v for k, v in m.doc_fingerprints.items() if k in sources},
    )
    return HybridIndex(s, index.encoder, manifest, docs, chunks, dense, keyword)


class SubsetCache:
    """`without_documents` results of one index, kept per doc-id set (least recently used out).

    Example:
        >>> subsets = SubsetCache(index, maxsize=4)             # doctest: +SKIP
        >>> subsets({"a.txt"}) is subsets(["a.txt"])            # doctest: +SKIP
        True
    """

    def __init__(self, index: HybridIndex, maxsize: int = 8) -> None:
        self.index, self.maxsize = index, max(1, maxsize)
        self._cache: OrderedDict[frozenset[str], HybridIndex] = OrderedDict()

    def __call__(self, doc_ids: Collection[str]) -> HybridIndex:
        key = frozenset(doc_ids)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        subset = self._cache[key] = without_documents(self.index, key)
        while len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return subset


def _chunks(index: HybridIndex) -> list[Chunk]:
    """The index's chunks in store order (the order `HybridIndex` was built with)."""
    return list(index._chunk_list)


def _base(index: HybridIndex) -> _Base:
    """Per-index shared state, computed on the first subset and kept while the index lives."""
    base = _BASES.get(index)
    if base is not None:
        return base
    chunks = _chunks(index)
    words = domain_words(list(index.documents.values()), chunks)
    word_store = index.keyword.get("bm25_word")
    loaded = getattr(word_store, "tokenizer", None)
    same = isinstance(loaded, WordTokenizer) and loaded.words == sorted(set(words))
    tokenizer = loaded if same else WordTokenizer(words)
    pieces = [_blocks(c.index_text) for c in chunks]
    base = _Base(
        vectors=_vectors(index),
        bigrams=[bigram_tokenize(c.index_text) or [""] for c in chunks],
        words=words,
        pieces=pieces,
        piece_tokens={p: tokenizer(p) for p in {p for ps in pieces for p in ps}},  # type: ignore[misc]
    )
    _BASES[index] = base
    return base


def _vectors(index: HybridIndex) -> np.ndarray | None:
    """Every chunk's stored vector, in store order (re-embedded if the store cannot give them)."""
    dense = index.dense
    if dense is None or not len(index):
        return None
    if hasattr(dense, "vectors"):
        ids, vecs = dense.vectors()
        row = {int(i): r for r, i in enumerate(ids.tolist())}
        if all(int(i) in row for i in index._ids.tolist()):
            return np.asarray(vecs[[row[int(i)] for i in index._ids.tolist()]], dtype=np.float32)
    texts = [c.index_text for c in _chunks(index)]
    return np.asarray(index.encoder.embed_passages(texts), dtype=np.float32)


def _blocks(text: str) -> list[str]:
    """The pieces jieba cuts a text into before segmenting each one on its own."""
    import jieba

    return [b for b in jieba.re_han_default.split(text) if b]


def _tokens(
    base: _Base,
    i: int,
    tokenizer: WordTokenizer | None = None,
    changed: re.Pattern[str] | None = None,
    fresh: dict[str, list[str]] | None = None,
) -> list[str]:
    """Chunk `i`'s word tokens: the whole index's, or re-cut where a block holds a changed word.

    (Exact but for jieba's total frequency, which the added words shift by a few parts in
    a million: a tie that close between two segmentations would be needed to differ.)"""
    out: list[str] = []
    for piece in base.pieces[i]:
        if tokenizer is not None and changed is not None and fresh is not None \
                and changed.search(piece):
            if piece not in fresh:
                fresh[piece] = tokenizer(piece)
            out.extend(fresh[piece])
        else:
            out.extend(base.piece_tokens[piece])
    return out or [""]


def _bm25(tokenizer: object, ids: np.ndarray, tokens: list[list[str]], k1: float,
          b: float) -> BM25Store:
    """A BM25 store over pre-tokenised texts (what `BM25Store.index` does after tokenising)."""
    import bm25s

    store = BM25Store(tokenizer, k1=k1, b=b)  # type: ignore[arg-type]
    store._set_ids(ids)
    store._bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
    if tokens:
        store._bm25.index(tokens, show_progress=False)
    return store
