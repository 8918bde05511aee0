"""Incremental-build helpers: the previous index's state, cached embeddings, FAISS updates."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.corpus.models import Chunk
from rag.index import storage
from rag.index.manifest import read_manifest

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.index.build import BuildReport

__all__ = ["embed_missing", "previous_state", "updated_dense_store"]

_STEP_S = 2.0  # target seconds per encoder call while embedding (progress granularity)


def previous_state(index_dir: Path, enc: Encoder) -> dict[str, Any] | None:
    """The old index's records and embedding cache, or None if absent/unusable.

    Files that fail their checksum (or do not parse) are listed under "damaged" and not
    reused; whatever is intact still is (e.g. cached embeddings when only chunks.jsonl
    was truncated), so a repair re-embeds nothing it does not have to.
    """
    from rag.index.integrity import damaged_files

    try:
        manifest = read_manifest(index_dir)
    except Exception:  # no index, or an unreadable manifest: a full build
        return None
    if manifest.encoder_name != enc.name or manifest.encoder_dim != enc.dim:
        return None
    damaged = set(damaged_files(index_dir, manifest))

    def part(names: tuple[str, ...], read: Any, empty: Any) -> Any:
        # One part of the old index, unless a file of it is damaged or does not parse
        if damaged & set(names):
            return empty
        try:
            return read()
        except Exception:
            damaged.update(names)
            return empty

    documents = part(("documents.jsonl",),
                     lambda: {d.source: d for d in storage.read_documents(index_dir)}, {})
    chunks: list[Chunk] = part(("chunks.jsonl",), lambda: storage.read_chunks(index_dir), [])
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    embeddings = part(("embeddings.npy", "embedding_keys.json"),
                      lambda: storage.read_embeddings(index_dir), {}) if enc.dim else {}
    return {"manifest": manifest, "documents": documents, "chunks_by_source": by_source,
            "embeddings": embeddings, "damaged": sorted(damaged)}


def embed_missing(enc: Encoder, chunks: list[Chunk], keys: list[str], cache: dict[str, np.ndarray],
                  batch_size: int, progress: bool, report: BuildReport,
                  on_progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Vectors for every chunk: cached ones reused, the rest embedded with a progress bar.

    Calls go in steps sized to take about 2 s (at most `batch_size` chunks), so the bar
    (and `on_progress(done, total)`) moves every few seconds even on a slow, busy core;
    after the first 3 s (or 8 chunks) the bar prints the time left, measured, not guessed."""
    vectors = np.zeros((len(chunks), enc.dim), dtype=np.float32)
    if not enc.dim:  # BM25-only index
        return vectors
    todo = [i for i, k in enumerate(keys) if k not in cache]
    for i, k in enumerate(keys):
        if k in cache:
            vectors[i] = cache[k]
    report.reused, report.embedded = len(chunks) - len(todo), len(todo)
    if not todo:
        return vectors
    from tqdm import tqdm

    t0 = time.perf_counter()
    if on_progress:
        on_progress(0, len(todo))
    done, step, told = 0, 1, False
    with tqdm(total=len(todo), unit="chunk", desc="embedding", disable=not progress,
              mininterval=0.5) as bar:
        while done < len(todo):
            batch = todo[done : done + step]
            t_step = time.perf_counter()
            vectors[batch] = enc.embed_passages([chunks[i].index_text for i in batch])
            per_chunk = (time.perf_counter() - t_step) / len(batch)
            done += len(batch)
            bar.update(len(batch))
            if on_progress:
                on_progress(done, len(todo))
            # Steps of about _STEP_S seconds: the bar moves even on a slow or busy machine
            step = max(1, min(batch_size, int(_STEP_S / max(per_chunk, 1e-6))))
            elapsed = time.perf_counter() - t0
            if progress and not told and done < len(todo) and (elapsed >= 3 or done >= 8):
                told, rate = True, done / elapsed
                left = (len(todo) - done) / rate
                bar.write(f"预计还需约 {left:.0f} 秒 (about {left:.0f} s left: {len(todo)} "
                          f"chunks at {rate:.1f} chunks/s, measured on the first {done})")
    report.embed_seconds = time.perf_counter() - t0
    return vectors


def updated_dense_store(prev: dict[str, Any] | None, index_dir: Path, dim: int, kind: str,
           ids: np.ndarray, vectors: np.ndarray) -> Any:
    """The old FAISS store updated in place (remove gone ids, add new), or a fresh one."""
    from rag.stores.faiss_store import FaissStore

    store = None
    dense_ok = prev is not None and not any(d.startswith("dense/") for d in prev["damaged"])
    if prev and dense_ok and (index_dir / "dense").is_dir():
        try:
            store = FaissStore.load(index_dir / "dense")
        except Exception:
            store = None
    if store is None or store.kind != kind or store.dim != dim:
        store = FaissStore(dim, kind)
        store.add(ids, vectors)
        return store
    old_ids = store.ids()
    new = ~np.isin(ids, old_ids)
    store.remove(old_ids[~np.isin(old_ids, ids)])
    store.add(ids[new], vectors[new])
    return store

