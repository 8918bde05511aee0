"""`build_index`: incremental, atomic index build from the corpus folder."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.index import storage
from rag.index.incremental import embed_missing, previous_state, updated_dense_store
from rag.index.integrity import file_checksums
from rag.index.keys import embedding_key, int_ids
from rag.index.manifest import Manifest
from rag.index.state import build_keyword_stores, check_store, domain_words
from rag.text.tokenizers import TOKENIZER_VERSION

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.settings import Settings

__all__ = ["BuildReport", "build_index"]


@dataclass
class BuildReport:
    """What a build did.

    Example:
        >>> print(BuildReport(added=["a.txt"], chunks=12, seconds=1.5).summary())  # doctest: +SKIP
    """

    index_dir: str = ""
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks sent to the encoder
    reused: int = 0  # chunks whose embedding came from the cache
    repaired: list[str] = field(default_factory=list)  # damaged index files rewritten
    seconds: float = 0.0
    embed_seconds: float = 0.0
    noop: bool = False

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        if self.noop:
            return (f"索引已是最新 (index up to date): {self.documents} docs, "
                    f"{self.chunks} chunks, {self.seconds:.2f} s")
        rate = self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0
        fixed = (f"已修复损坏的索引文件 (repaired damaged index files): "
                 f"{', '.join(self.repaired)}\n" if self.repaired else "")
        return fixed + (
            f"docs: +{len(self.added)} added, ~{len(self.changed)} changed, "
            f"-{len(self.removed)} removed, {len(self.unchanged)} unchanged; "
            f"{self.chunks} chunks ({self.embedded} embedded at {rate:.1f} chunks/s, "
            f"{self.reused} from cache); {self.seconds:.2f} s, {self.chunks_per_s:.1f} chunks/s"
        )


def build_index(
    settings: Settings,
    encoder: Encoder | None = None,
    rebuild: bool = False,
    progress: bool = True,
    paths: list[Path] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Index `settings.corpus_dir` (or `paths`) into `settings.index_dir`.

    Only new or changed documents are chunked and embedded (embeddings are cached by
    content); removed ones are dropped; the result replaces the old index atomically.
    A file that fails to load is reported and, if it was indexed before, kept as it was.
    `on_progress(done, total)` follows the embedding of new chunks.

    Example:
        >>> report = build_index(get_settings())     # doctest: +SKIP
        >>> print(report.summary())                  # doctest: +SKIP
    """
    from rag.corpus import CHUNKER_VERSION, chunk_document, load_corpus
    from rag.encoders import get_encoder

    t0 = time.perf_counter()
    enc = encoder if encoder is not None else get_encoder(settings)
    if check_store(settings) == "milvus":  # same corpus handling, rows in a Milvus collection
        from rag.index.milvus_build import build_milvus_index

        return build_milvus_index(settings, enc, rebuild, progress, paths, t0)
    index_dir = Path(settings.index_dir)
    storage.recover(index_dir)
    storage.sweep(index_dir)  # temp dirs a killed build left behind
    report = BuildReport(index_dir=str(index_dir))

    # Load the corpus; bad files are reported, not fatal
    loaded = load_corpus(paths if paths is not None else settings.corpus_dir, settings)
    report.errors = [str(e) for e in loaded.errors]
    docs = {d.source: d for d in loaded.documents}

    # The previous index, when its embeddings and chunks can be reused
    prev = None if rebuild else previous_state(index_dir, enc)
    prev_docs: dict[str, Document] = prev["documents"] if prev else {}
    failed = {getattr(e, "path", "") for e in loaded.errors}
    for source, doc in prev_docs.items():  # keep a previously indexed file that now fails
        if source not in docs and any(Path(p).name == source for p in failed):
            docs[source] = doc
    docs = dict(sorted(docs.items()))

    chunking = _chunking(settings)
    same_chunker = (
        prev is not None
        and prev["manifest"].chunker_version == CHUNKER_VERSION
        and prev["manifest"].chunking == chunking
    )
    fingerprints = {s: _fingerprint(d) for s, d in docs.items()}
    old_fp = prev["manifest"].doc_fingerprints if prev else {}
    for source in docs:
        bucket = report.unchanged if old_fp.get(source) == fingerprints[source] else (
            report.changed if source in old_fp else report.added)
        bucket.append(source)
    report.removed = sorted(set(old_fp) - set(docs))
    report.documents = len(docs)

    # Nothing changed: leave the index as it is
    report.repaired = list(prev["damaged"]) if prev else []
    if prev and same_chunker and not (report.added or report.changed or report.removed) \
            and prev["manifest"].tokenizer_version == TOKENIZER_VERSION \
            and not report.repaired and prev["manifest"].checksums:
        report.noop, report.chunks = True, prev["manifest"].n_chunks
        report.seconds = time.perf_counter() - t0
        return report

    # Chunks: reuse those of unchanged documents, chunk the rest
    prev_chunks: dict[str, list[Chunk]] = prev["chunks_by_source"] if prev else {}
    chunks: list[Chunk] = []
    for source, doc in docs.items():
        if same_chunker and source in report.unchanged and source in prev_chunks:
            chunks.extend(prev_chunks[source])
        else:
            chunks.extend(chunk_document(doc, settings))
    report.chunks = len(chunks)

    # Embeddings: from the cache by content key, the rest through the encoder
    keys = [embedding_key(enc.name, c.index_text) for c in chunks]
    cache: dict[str, np.ndarray] = prev["embeddings"] if prev else {}
    vectors = embed_missing(
        enc, chunks, keys, cache, settings.embedding_batch_size, progress, report, on_progress
    )

    # Write everything to a temp dir, then swap it in
    kind = "hnsw" if len(chunks) > settings.hnsw_threshold else "flat"
    with storage.atomic_directory(index_dir) as tmp:
        storage.write_documents(tmp, list(docs.values()))
        storage.write_chunks(tmp, chunks)
        ids = int_ids([c.id for c in chunks])
        if enc.dim:
            storage.write_embeddings(tmp, keys, vectors)
            updated_dense_store(prev, index_dir, enc.dim, kind, ids, vectors).save(tmp / "dense")
        words = domain_words(list(docs.values()), chunks)
        (tmp / "dictionary.txt").write_text("\n".join(words), encoding="utf-8")
        stores = build_keyword_stores(chunks, ids, words, settings.bm25_k1, settings.bm25_b)
        for name, store in stores.items():
            store.save(tmp / name)
        report.seconds = time.perf_counter() - t0
        checksums = file_checksums(tmp)  # every file written above; verified on load
        Manifest(
            encoder_name=enc.name, encoder_dim=enc.dim, chunker_version=CHUNKER_VERSION,
            tokenizer_version=TOKENIZER_VERSION, dense_kind=kind, chunking=chunking,
            files={s: d.sha256 for s, d in docs.items()}, doc_fingerprints=fingerprints,
            n_documents=len(docs), n_chunks=len(chunks), checksums=checksums,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(report.seconds, 3),
        ).write(tmp)
    report.seconds = time.perf_counter() - t0
    return report


def _chunking(settings: Settings) -> dict[str, Any]:
    """Settings that shape chunks or BM25 state; a change means re-chunk / re-index."""
    keys = [k for k in type(settings).model_fields if k.startswith("chunk_")]
    return {k: getattr(settings, k) for k in sorted(keys)} | {
        "bm25_k1": settings.bm25_k1, "bm25_b": settings.bm25_b}


def _fingerprint(doc: Document) -> str:
    blob = json.dumps(doc.to_dict(), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()
