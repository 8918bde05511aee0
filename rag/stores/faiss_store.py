"""Dense store on FAISS: exact IndexFlatIP, or HNSW above a size, inside an IndexIDMap2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from rag.stores.base import Ranked

__all__ = ["FaissStore"]

_EMPTY: Ranked = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))


class FaissStore:
    """Inner-product search over L2-normalised vectors keyed by int64 ids.

    `kind="flat"` is exact; `kind="hnsw"` is approximate (M=32). Both sit in an
    `IndexIDMap2`, so vectors are added and removed by id without a rebuild (HNSW cannot
    delete in place: removed ids become tombstones excluded from every search).

    Example:
        >>> store = FaissStore(dim=2)
        >>> store.add(np.array([10, 11]), np.array([[1, 0], [0, 1]], dtype="float32"))
        >>> store.search(np.array([1, 0], dtype="float32"), k=1)[0].tolist()
        [10]
    """

    def __init__(self, dim: int, kind: str = "flat", *, ef_search: int = 128) -> None:
        import faiss

        self.dim, self.kind, self.ef_search = dim, kind, ef_search
        if kind == "flat":
            inner: Any = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
            inner.hnsw.efSearch = ef_search
        else:
            raise ValueError(f"unknown FAISS index kind {kind!r}; valid: flat, hnsw")
        self._index: Any = faiss.IndexIDMap2(inner)
        self._tombstones: set[int] = set()

    def __len__(self) -> int:
        return int(self._index.ntotal) - len(self._tombstones)

    # Writes
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            ids = np.asarray(ids, dtype=np.int64)
            self._tombstones.difference_update(ids.tolist())
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        if self.kind == "flat":
            self._index.remove_ids(ids)
        else:
            self._tombstones.update(ids.tolist())

    # Reads
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Ranked:
        if self._index.ntotal == 0 or k <= 0:
            return _EMPTY
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = self._params(allowed)
        if params is None:  # the filter allows nothing
            return _EMPTY
        k = min(k, int(self._index.ntotal))
        if params is False:
            scores, ids = self._index.search(q, k)
        else:
            scores, ids = self._index.search(q, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)

    def _params(self, allowed: np.ndarray | None) -> Any:
        import faiss

        excluded = np.fromiter(self._tombstones, dtype=np.int64) if self._tombstones else None
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
            if excluded is not None:
                allowed = np.setdiff1d(allowed, excluded)
            if not len(allowed):
                return None
            sel: Any = faiss.IDSelectorBatch(allowed)
        elif excluded is not None:
            sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(excluded))
        else:
            return False  # no selector needed
        if self.kind == "hnsw":
            params: Any = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=sel, efSearch=self.ef_search
            )
        else:
            params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        params._keep_alive = sel  # the selector must outlive the search
        return params

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner products of `query` with the stored vectors of `ids`."""
        if not len(ids):
            return np.empty(0, dtype=np.float32)
        vecs = np.vstack([self._index.reconstruct(int(i)) for i in ids])
        return (vecs @ np.asarray(query, dtype=np.float32).ravel()).astype(np.float32)

    def ids(self) -> np.ndarray:
        """All live ids."""
        import faiss

        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if self._tombstones:
            ids = ids[~np.isin(ids, np.fromiter(self._tombstones, dtype=np.int64))]
        return ids

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """All live (ids, vectors), e.g. for a brute-force check."""
        ids = self.ids()
        if not len(ids):
            return ids, np.empty((0, self.dim), dtype=np.float32)
        return ids, np.vstack([self._index.reconstruct(int(i)) for i in ids])

    # Persistence
    def save(self, path: Path) -> None:
        import faiss

        path.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(path / "dense.faiss"))
        meta = {"dim": self.dim, "kind": self.kind, "ef_search": self.ef_search,
                "tombstones": sorted(self._tombstones)}
        (path / "dense.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        import faiss

        meta = json.loads((path / "dense.json").read_text(encoding="utf-8"))
        store = cls.__new__(cls)
        store.dim, store.kind, store.ef_search = meta["dim"], meta["kind"], meta["ef_search"]
        store._index = faiss.read_index(str(path / "dense.faiss"))
        if store.kind == "hnsw":
            inner: Any = faiss.downcast_index(store._index.index)
            inner.hnsw.efSearch = store.ef_search
        store._tombstones = set(meta["tombstones"])
        return store
