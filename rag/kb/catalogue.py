"""Every document the knowledge base knows: indexed ones, and stored files waiting or failing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.corpus.loaders import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from rag.corpus.models import Chunk, Document
    from rag.kb.jobs import JobQueue
    from rag.settings import Settings

__all__ = ["catalogue"]

_SKIP = {"manifest.toml", "manifest.json", "readme.md", "readme.txt", "readme"}


def catalogue(
    settings: Settings,
    documents: dict[str, Document],
    chunks: dict[str, Chunk],
    jobs: JobQueue | None = None,
) -> list[dict[str, Any]]:
    """One row per document: county, year, chunk count and `status`.

    Status: `indexed`; `indexing` (a job is on it); `pending` (stored, not indexed yet);
    `error` (the last job could not load it: `error` says why, in its words);
    `removing` (indexed, its file is gone, the next build drops it).

    Example:
        >>> rows = catalogue(settings, index.documents, index.chunks)   # doctest: +SKIP
        >>> rows[0]["status"]                                           # doctest: +SKIP
        'indexed'
    """
    per_doc = Counter(c.doc_id for c in chunks.values())
    stored = _stored_files(Path(settings.corpus_dir))
    active = {f for j in (jobs.active() if jobs else []) for f in j.files}
    busy = bool(jobs and jobs.active())
    last_errors = _last_errors(jobs)
    rows: list[dict[str, Any]] = []
    indexed_sources = set()
    for d in sorted(documents.values(), key=lambda d: d.source):
        indexed_sources.add(d.source)
        status = "indexed"
        if d.source in active:
            status = "indexing"
        elif stored is not None and d.source not in stored:
            status = "removing"
        rows.append({
            "doc_id": d.doc_id, "source": d.source, "title": d.title, "county": d.county,
            "year": d.year, "kind": d.kind, "chars": len(d.text),
            "chunks": per_doc.get(d.doc_id, 0), "status": status,
            "error": last_errors.get(d.source),
        })
    for name in sorted((stored or set()) - indexed_sources):
        error = last_errors.get(name)
        status = "indexing" if name in active or busy else "error" if error else "pending"
        rows.append({
            "doc_id": Path(name).stem, "source": name, "title": "", "county": "",
            "year": None, "kind": "", "chars": 0, "chunks": 0, "status": status,
            "error": error,
        })
    return rows


def _stored_files(corpus: Path) -> set[str] | None:
    if not corpus.is_dir():
        return None
    return {
        p.name for p in corpus.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith(".") and p.name.lower() not in _SKIP
    }


def _last_errors(jobs: JobQueue | None) -> dict[str, str]:
    finished = [j for j in (jobs.jobs() if jobs else []) if j.finished]
    if not finished:
        return {}
    return {e["file"]: e["message"] for e in finished[0].errors if e.get("file")}
