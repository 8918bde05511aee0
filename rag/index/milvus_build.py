"""`rag index` into Milvus: upsert/delete chunk rows by document, reuse stored embeddings."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.index.incremental import embed_missing
from rag.index.keys import embedding_key, int_id
from rag.index.state import domain_words
from rag.stores.milvus_channels import terms_text
from rag.stores.milvus_filters import literal, row_fields
from rag.text import WordTokenizer, bigram_tokenize
from rag.text.tokenizers import TOKENIZER_VERSION

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.index.build import BuildReport
    from rag.settings import Settings
    from rag.stores.milvus_store import MilvusStore

__all__ = ["build_milvus_index"]


def build_milvus_index(settings: Settings, enc: Encoder, rebuild: bool, progress: bool,
                       paths: list[Path] | None, t0: float) -> BuildReport:
    """Index the corpus into `settings.milvus_collection` at `settings.milvus_uri`.

    Rows of removed and changed documents are deleted by `doc_id`, rows of new and changed
    ones upserted; vectors of unchanged chunk texts come back from Milvus, not the encoder.
    Where BM25 statistics are per segment (Milvus Lite, measured by the probe), every row
    is rewritten on a change so that one fresh segment carries consistent statistics.
    The state row is written last: its new version is what servers poll for.

    Example:
        >>> t0 = time.perf_counter()                                         # doctest: +SKIP
        >>> build_milvus_index(settings, enc, False, False, None, t0).summary()  # doctest: +SKIP
    """
    from rag.corpus import CHUNKER_VERSION, chunk_document, load_corpus
    from rag.index.build import BuildReport, _chunking, _fingerprint
    from rag.stores.milvus_store import connect
    from rag.text.stopwords import stopwords

    store = connect(settings)
    report = BuildReport(index_dir=f"{settings.milvus_uri}#{settings.milvus_collection}")
    loaded = load_corpus(paths if paths is not None else settings.corpus_dir)
    report.errors = [str(e) for e in loaded.errors]
    docs = {d.source: d for d in loaded.documents}

    # The previous build, when it is compatible with these settings
    state = None if rebuild else store.read_state()
    chunking = _chunking(settings)
    compatible = state is not None and _compatible(state, enc, chunking, settings)
    prev_docs = _read_documents(store, str(state["version"])) if state is not None else {}
    failed = {Path(getattr(e, "path", "")).name for e in loaded.errors}
    for source, doc in prev_docs.items():  # keep a previously indexed file that now fails
        if source not in docs and source in failed:
            docs[source] = doc
    docs = dict(sorted(docs.items()))

    fingerprints = {s: _fingerprint(d) for s, d in docs.items()}
    old_fp: dict[str, str] = {}
    if compatible and state:
        old_fp = json.loads(store.read_meta("fingerprints", str(state["version"])) or "{}").get(
            "doc_fingerprints", {})
    for source in docs:
        bucket = report.unchanged if old_fp.get(source) == fingerprints[source] else (
            report.changed if source in old_fp else report.added)
        bucket.append(source)
    report.removed = sorted(set(old_fp) - set(docs))
    report.documents = len(docs)
    if compatible and state and not (report.added or report.changed or report.removed):
        report.noop, report.chunks = True, int(state.get("n_chunks", 0))
        report.seconds = time.perf_counter() - t0
        return report

    # Chunks (chunking is ~1 M chars/s: redo it), domain words, the word vocabulary
    chunks = [c for doc in docs.values() for c in chunk_document(doc, settings)]
    report.chunks = len(chunks)
    words = domain_words(list(docs.values()), chunks)
    word_tok = WordTokenizer(words)
    word_terms = {c.id: word_tok(c.index_text) for c in chunks}
    vocab = sorted({t for terms in word_terms.values() for t in terms})

    # Which rows to write: all of them on a new collection or without global BM25 stats
    caps_data = state.get("capabilities") if compatible and state else None
    full = not compatible or not (caps_data or {}).get("global_bm25_stats", False)
    touched = set(report.added) | set(report.changed)
    todo = chunks if full else [c for c in chunks if c.source in touched]
    keys = [embedding_key(enc.name, c.index_text) for c in todo]
    cache = _stored_vectors(store, keys) if state is not None and not rebuild else {}

    # Schema: a new collection (capabilities probed) or the existing one
    if compatible and state:
        facts, caps = state["schema"], state["capabilities"]
    else:
        facts = store.create(enc.dim, words, stopwords(), settings.bm25_k1, settings.bm25_b,
                             settings.milvus_word_analyzer)
        caps = store.caps.to_dict()
    vectors = embed_missing(enc, todo, keys, cache, settings.embedding_batch_size, progress,
                            report)

    # Delete rows of removed/changed documents by doc_id, upsert the new rows
    if compatible:
        gone = [prev_docs[s].doc_id for s in [*report.removed, *report.changed]
                if s in prev_docs]
        store.delete_documents(gone)
    by_source = {d.source: d for d in docs.values()}
    client_words = settings.milvus_word_analyzer != "jieba"
    rows = [_row(c, by_source.get(c.source), k, v, word_terms[c.id], client_words)
            for c, k, v in zip(todo, keys, vectors, strict=True)]
    store.upsert(rows)
    store.flush()

    # Documents, dictionary and vocabulary in the side collection, then the state row
    version = store.new_version()
    store.write_meta("documents", json.dumps([d.to_dict() for d in docs.values()],
                                             ensure_ascii=False, default=str), version)
    store.write_meta("dictionary", "\n".join(words), version)
    store.write_meta("vocabulary", "\n".join(vocab), version)
    files = {s: d.sha256 for s, d in docs.items()}  # per document: too big for the state row
    store.write_meta("fingerprints", json.dumps({"files": files,
                                                 "doc_fingerprints": fingerprints}), version)
    store.flush_meta()
    report.seconds = time.perf_counter() - t0
    store.write_state({
        "encoder_name": enc.name, "encoder_dim": enc.dim, "chunker_version": CHUNKER_VERSION,
        "tokenizer_version": TOKENIZER_VERSION, "dense_kind": str(facts["dense_index"]).lower(),
        "chunking": chunking, "n_documents": len(docs), "n_chunks": len(chunks),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(report.seconds, 3), "capabilities": caps, "schema": facts,
        "rows_written": len(rows), "full_rewrite": full,
    }, version)
    store.prune_meta(version)
    report.seconds = time.perf_counter() - t0
    return report


def _compatible(state: dict[str, Any], enc: Encoder, chunking: dict[str, Any],
                settings: Settings) -> bool:
    from rag.corpus import CHUNKER_VERSION

    schema = state.get("schema") or {}
    return (state.get("encoder_name") == enc.name and state.get("encoder_dim") == enc.dim
            and state.get("chunker_version") == CHUNKER_VERSION
            and state.get("tokenizer_version") == TOKENIZER_VERSION
            and state.get("chunking") == chunking
            and schema.get("word_analyzer") == settings.milvus_word_analyzer)


def _read_documents(store: MilvusStore, version: str) -> dict[str, Document]:
    try:
        rows = json.loads(store.read_meta("documents", version) or "[]")
    except ValueError:
        return {}
    return {d.source: d for d in (Document.from_dict(r) for r in rows)}


def _stored_vectors(store: MilvusStore, keys: list[str]) -> dict[str, np.ndarray]:
    """The embedding cache: vectors already in Milvus, by content key."""
    wanted = sorted(set(keys))
    out: dict[str, np.ndarray] = {}
    if not wanted or not store._call(store.client.has_collection, store.collection):
        return out
    described = store._call(store.client.describe_collection, store.collection)
    schema_fields = {f["name"] for f in described["fields"]}
    if "vector" not in schema_fields:
        return out
    for s in range(0, len(wanted), 500):
        expr = f"embed_key in [{', '.join(literal(k) for k in wanted[s : s + 500])}]"
        for r in store.iter_rows(store.collection, expr, ["embed_key", "vector"]):
            out[r["embed_key"]] = np.asarray(r["vector"], dtype=np.float32)
    return out


def _row(chunk: Chunk, doc: Document | None, key: str, vector: np.ndarray, words: list[str],
         client_words: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": int_id(chunk.id), "chunk_id": chunk.id[:250], **row_fields(chunk, doc),
        "heading_path": chunk.heading[:1000], "embed_key": key,
        "record": json.dumps(chunk.to_dict(), ensure_ascii=False),
        "word_text": terms_text(words) if client_words else chunk.index_text,
        "bigram_text": terms_text(bigram_tokenize(chunk.index_text)),
    }
    if len(vector):
        row["vector"] = np.asarray(vector, dtype=np.float32).tolist()
    return row
