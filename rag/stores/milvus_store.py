"""Milvus backend: a collection of chunk rows (vector + two BM25 fields) per knowledge base."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.exceptions import StoreUnavailableError
from rag.stores.base import Ranked
from rag.stores.milvus_schema import (
    META_SUFFIX,
    Capabilities,
    chunk_schema,
    index_params,
    meta_schema,
    probe,
)

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["MilvusStore", "close", "connect"]

_EMPTY: Ranked = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
_PART = 16_000  # characters per meta part (VARCHAR is 65,535 bytes; CJK is 3 bytes each)
_BATCH = 500  # rows per insert/upsert call
_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def _client(uri: str, token: str | None) -> Any:
    """One pymilvus client per (uri, token) per process; a `.db` path starts Milvus Lite."""
    key = (uri, token or "")
    with _clients_lock:
        if key not in _clients:
            try:
                from pymilvus import MilvusClient
            except ImportError as exc:  # optional dependency
                raise StoreUnavailableError(
                    "未安装 pymilvus，请 `pip install 'govdoc-rag[milvus]'` (RAG_STORE=milvus "
                    "needs pymilvus and milvus-lite: pip install 'govdoc-rag[milvus]')"
                ) from exc
            if uri.endswith(".db"):
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
                _quiet_jieba()
            try:
                _clients[key] = MilvusClient(uri=uri, token=token or "")
            except Exception as exc:
                raise StoreUnavailableError(
                    f"无法连接 Milvus：{uri} (cannot open Milvus at {uri}: {exc}; a Milvus Lite "
                    "file can be open in one process only: point the others at a Milvus server)"
                ) from exc
        return _clients[key]


def _quiet_jieba() -> None:
    """Milvus Lite's analyzer uses the global jieba, which announces its dictionary at INFO."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


def connect(settings: Settings) -> MilvusStore:
    """The store `settings` name (RAG_MILVUS_URI, RAG_MILVUS_TOKEN, RAG_MILVUS_COLLECTION).

    Example:
        >>> store = connect(Settings(store="milvus", milvus_uri="/tmp/kb.db"))  # doctest: +SKIP
    """
    return MilvusStore(_client(settings.milvus_uri, settings.milvus_token),
                       settings.milvus_collection, settings.milvus_uri)


def close(settings: Settings) -> None:
    """Close this process's client for `settings.milvus_uri`; for a Milvus Lite file also
    stop its in-process server, releasing the file lock for another process.

    Example:
        >>> close(Settings(store="milvus", milvus_uri="/tmp/kb.db"))   # doctest: +SKIP
    """
    uri = settings.milvus_uri
    with _clients_lock:
        for key in [k for k in _clients if k[0] == uri]:
            try:
                _clients.pop(key).close()
            except Exception:
                pass
    if uri.endswith(".db"):
        try:
            from milvus_lite.server_manager import server_manager_instance
        except ImportError:
            return
        server_manager_instance.release_server(uri)


class MilvusStore:
    """Chunk rows, documents and the build state of one knowledge base in Milvus.

    Rows are keyed by the int64 store id of the chunk; `doc_id`, `county`, `year`, `source`,
    `kind`, `title` and `meta` are scalar fields that filters become boolean expressions on.
    The state row in `<collection>_meta` carries a version that changes with every build:
    servers poll it to reload.

    Example:
        >>> store = connect(settings)                                  # doctest: +SKIP
        >>> store.search_dense(qvec, 5, 'county in ["绛"]')            # doctest: +SKIP
    """

    def __init__(self, client: Any, collection: str, uri: str = "") -> None:
        self.client, self.collection, self.uri = client, collection, uri
        self.meta = collection + META_SUFFIX
        self._caps: Capabilities | None = None
        self._lite: bool | None = None
        self._loaded: set[str] = set()

    def _load(self, name: str) -> None:
        """Load a collection into memory once per store (a reopened Milvus Lite file, or a
        restarted server, keeps collections released until someone loads them)."""
        if name not in self._loaded:
            self._call(self.client.load_collection, name)
            self._loaded.add(name)

    @property
    def lite(self) -> bool:
        """Whether the server is Milvus Lite (in-process file or its gRPC server)."""
        if self._lite is None:
            version = str(self._call(self.client.get_server_version))
            self._lite = version.startswith("milvus_lite")
        return self._lite

    # Capabilities, measured once per store by a probe collection
    @property
    def caps(self) -> Capabilities:
        if self._caps is None:
            self._caps = self._call(probe, self.client, self.collection)
        return self._caps

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except StoreUnavailableError:
            raise
        except Exception as exc:
            raise StoreUnavailableError(
                f"Milvus 请求失败 (Milvus at {self.uri!r} refused {getattr(fn, '__name__', fn)}: "
                f"{exc})"
            ) from exc

    # Collections
    def exists(self) -> bool:
        return bool(self._call(self.client.has_collection, self.meta))

    def drop(self) -> None:
        self._loaded.clear()
        for name in (self.collection, self.meta):
            if self._call(self.client.has_collection, name):
                self._call(self.client.drop_collection, name)

    def create(self, dim: int, words: list[str], stop: Iterable[str], k1: float, b: float,
               word_analyzer: str) -> dict[str, Any]:
        """Create both collections (dropping old ones); returns the schema facts recorded in
        the state row (analyzers used, dense index)."""
        self.drop()
        caps = self.caps
        schema, facts = chunk_schema(caps, dim, words, sorted(stop), word_analyzer)
        self._call(self.client.create_collection, self.collection, schema=schema,
                   index_params=index_params(self.client, caps, dim, k1, b),
                   consistency_level="Strong")
        mschema, mindex = meta_schema(self.client)
        self._call(self.client.create_collection, self.meta, schema=mschema,
                   index_params=mindex, consistency_level="Strong")
        return facts

    # Writes
    def upsert(self, rows: list[dict[str, Any]]) -> None:
        self._load(self.collection)
        for s in range(0, len(rows), _BATCH):
            self._call(self.client.upsert, self.collection, rows[s : s + _BATCH])

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Delete every row of these documents (by the doc_id scalar field)."""
        from rag.stores.milvus_filters import literal

        if doc_ids:
            self._load(self.collection)
        for s in range(0, len(doc_ids), 200):
            part = ", ".join(literal(d) for d in doc_ids[s : s + 200])
            self._call(self.client.delete, self.collection, filter=f"doc_id in [{part}]")

    def flush(self) -> None:
        self._call(self.client.flush, self.collection)

    @staticmethod
    def new_version() -> str:
        return f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"

    def write_meta(self, kind: str, payload: str, version: str) -> None:
        """Write the `kind` record (documents, dictionary, vocabulary) of build `version`,
        split into parts; readers read the version their state row names, so a build in
        progress never shows them half a record."""
        self._load(self.meta)
        parts = [payload[i : i + _PART] for i in range(0, len(payload), _PART)] or [""]
        rows = [{"key": f"{kind}:{version}:{n:06d}", "kind": kind, "payload": p,
                 "v": [0.0, 1.0]} for n, p in enumerate(parts)]
        for s in range(0, len(rows), 50):
            self._call(self.client.upsert, self.meta, rows[s : s + 50])

    def read_meta(self, kind: str, version: str) -> str:
        rows = self._query(self.meta, f'kind == "{kind}"', ["key", "payload"])
        prefix = f"{kind}:{version}:"
        return "".join(r["payload"] for r in sorted(rows, key=lambda r: r["key"])
                       if r["key"].startswith(prefix))

    def prune_meta(self, version: str) -> None:
        """Delete the records of builds before `version` (after its state row is written)."""
        rows = self._query(self.meta, 'kind != "state"', ["key"])
        old = [r["key"] for r in rows if r["key"].split(":")[1] != version]
        for s in range(0, len(old), 200):
            self._call(self.client.delete, self.meta, ids=old[s : s + 200])

    def write_state(self, state: dict[str, Any], version: str) -> None:
        """Write the state row last; its new version tells servers to reload."""
        self._load(self.meta)
        payload = json.dumps({**state, "version": version}, ensure_ascii=False)
        self._call(self.client.upsert, self.meta,
                   [{"key": "state", "kind": "state", "payload": payload, "v": [1.0, 0.0]}])
        self.flush_meta()

    def flush_meta(self) -> None:
        self._call(self.client.flush, self.meta)

    def read_state(self) -> dict[str, Any] | None:
        """The state row (None when nothing was built into this collection yet)."""
        if not self.exists():
            return None
        self._load(self.meta)
        rows = self._call(self.client.get, self.meta, ids=["state"], output_fields=["payload"])
        if not rows:
            return None
        state: dict[str, Any] = json.loads(rows[0]["payload"])
        return state

    def version(self) -> str | None:
        state = self.read_state()
        return None if state is None else str(state.get("version"))

    # Reads
    def _query(self, collection: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        return list(self.iter_rows(collection, expr, fields))

    def iter_rows(self, collection: str, expr: str, fields: list[str],
                  batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row matching `expr`: a query iterator on a server (no 16,384-row window);
        Milvus Lite has no AllocTimestamp RPC for iterators but answers one unbounded query."""
        self._load(collection)
        if self.lite:
            yield from self._call(self.client.query, collection, filter=expr,
                                  output_fields=fields)
            return
        it = self._call(self.client.query_iterator, collection, batch_size=batch,
                        filter=expr, output_fields=fields)
        try:
            while True:
                rows = self._call(it.next)
                if not rows:
                    break
                yield from rows
        finally:
            it.close()

    def records(self, expr: str = "id >= 0", fields: Sequence[str] = ("record",)
                ) -> Iterator[dict[str, Any]]:
        return self.iter_rows(self.collection, expr, list(fields))

    def count(self) -> int:
        self._load(self.collection)
        rows = self._call(self.client.query, self.collection, filter="",
                          output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def search_dense(self, query: np.ndarray, k: int, expr: str = "") -> Ranked:
        self._load(self.collection)
        q = np.asarray(query, dtype=np.float32).ravel().tolist()
        res = self._call(self.client.search, self.collection, data=[q], anns_field="vector",
                         limit=k, filter=expr, output_fields=[],
                         search_params={"metric_type": "IP", "params": {"ef": max(64, k)}})
        return _ranked(res[0], negate=False)

    def search_text(self, field: str, text: str, k: int, expr: str = "") -> Ranked:
        """BM25 inside Milvus over the sparse `field` (its function analyses `text`)."""
        if not text.strip() or k <= 0:
            return _EMPTY
        self._load(self.collection)
        res = self._call(self.client.search, self.collection, data=[text], anns_field=field,
                         limit=k, filter=expr, output_fields=[],
                         search_params={"metric_type": "BM25"})
        return _ranked(res[0], negate=True)

    def vectors(self, ids: np.ndarray) -> dict[int, np.ndarray]:
        if not len(ids):
            return {}
        self._load(self.collection)
        rows = self._call(self.client.get, self.collection, ids=[int(i) for i in ids],
                          output_fields=["vector"])
        return {int(r["id"]): np.asarray(r["vector"], dtype=np.float32) for r in rows}


def _ranked(hits: Any, negate: bool) -> Ranked:
    """pymilvus hits -> (ids, scores) best first. Milvus Lite reports BM25 as a negative
    distance, Milvus standalone as a positive score: either way the score is |distance|."""
    if not hits:
        return _EMPTY
    ids = np.array([int(h["id"]) for h in hits], dtype=np.int64)
    dist = np.array([float(h["distance"]) for h in hits], dtype=np.float32)
    scores = np.abs(dist) if negate else dist
    keep = scores > 0 if negate else np.ones(len(ids), dtype=bool)
    return ids[keep], scores[keep]
