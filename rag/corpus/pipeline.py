"""Files -> Documents: read, normalise, find headings, attach metadata; a whole folder at once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.corpus.budgets import check_document, check_file
from rag.corpus.headings import detect_headings
from rag.corpus.loaders import SUPPORTED_SUFFIXES, read_raw
from rag.corpus.manifest import (
    MANIFEST_NAMES,
    ManifestEntry,
    find_manifest,
    guess_entry,
    load_manifest,
    unmatched_entries,
)
from rag.corpus.metadata import choose_title, place_fields
from rag.corpus.models import Document
from rag.corpus.normalize import normalize_text
from rag.exceptions import CorpusError, DocumentLoadError

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["CorpusLoad", "load_document", "load_corpus", "corpus_files"]

logger = logging.getLogger(__name__)
# Facts of a reader that are not document metadata
_READER_ONLY = {"sha256", "furniture", "doc_meta", "title_candidates", "structured"}

_SKIP_NAMES = {n.lower() for n in MANIFEST_NAMES} | {"readme.md", "readme.txt", "readme"}


@dataclass
class CorpusLoad:
    """What `load_corpus` read: the documents, one error per file it could not read, and
    warnings (a manifest entry that matches no file)."""

    documents: list[Document] = field(default_factory=list)
    errors: list[DocumentLoadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_document(
    path: str | Path,
    entry: ManifestEntry | dict[str, Any] | None = None,
    *,
    max_mb: float | None = None,
) -> Document:
    """Read one file into a normalised Document.

    Without `entry`, the manifest next to the file is used; a file it does not list
    gets metadata guessed from its title and first lines.

    The text is normalised (see `normalize_text`); headings found in it are kept in
    `meta["headings"]` for `chunk_document`. An empty (or whitespace-only) file is an
    error, not an empty Document.

    A file over `max_mb` (default `RAG_MAX_UPLOAD_MB`) is refused before it is read.

    Raises:
        DocumentLoadError: the file is missing, empty, too large, unsupported or unreadable.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
        >>> _ = p.write_text("绛县2025年工作安排\\n\\n推动绛县经济持续向好。", encoding="utf-8")
        >>> d = load_document(p)
        >>> d.doc_id, d.county, d.year
        ('x', '绛县', 2025)
    """
    path = Path(path)
    raw, info = read_raw(path, max_mb)
    norm = normalize_text(raw, structured=bool(info.get("structured")))
    if not norm.text.strip():
        raise DocumentLoadError(
            str(path), "no text left after removing page furniture (清理后没有正文)"
        )
    if isinstance(entry, dict):
        entry = ManifestEntry.from_dict(entry)
    if entry is None:
        entry = _manifest_entry(path)
    doc_meta = {**info.get("doc_meta", {}), **norm.meta.get("doc_meta", {})}
    if entry is None or not entry.title:
        title = (entry.title if entry else "") or _guess_title(norm.text, info, path)
        guessed = guess_entry(norm.text, title, doc_meta)
        entry = guessed if entry is None else _fill(entry, guessed)
    headings = detect_headings(norm)
    meta: dict[str, Any] = {
        **_place_extra(entry),
        **{k: v for k, v in info.items() if k not in _READER_ONLY},
        **{k: v for k, v in norm.meta.items() if k != "doc_meta"},
        "furniture": [*info.get("furniture", []), *norm.meta.get("furniture", [])],
        "doc_meta": doc_meta,
        "headings": [h.to_record() for h in headings],
    }
    return Document(
        doc_id=path.stem,
        source=path.name,
        title=entry.title or path.stem,
        text=norm.text,
        county=entry.county,
        year=entry.year,
        kind=entry.kind,
        sha256=str(info["sha256"]),
        meta=meta,
    )


def load_corpus(
    paths_or_dir: str | Path | Iterable[str | Path], settings: Settings | None = None
) -> CorpusLoad:
    """Load a folder (or a list of files and folders); unreadable files become errors.

    One bad file never stops the others: its DocumentLoadError (naming the file and the
    reason) is collected in `errors`. Each file first passes `check_file` (size, type by
    content, zip bombs, HTML depth) under `settings` (default: `get_settings()`).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.txt").write_text("正文。", encoding="utf-8")
        >>> _ = (d / "b.txt").write_bytes(b"")
        >>> r = load_corpus(d)
        >>> [x.source for x in r.documents], [e.reason for e in r.errors]
        (['a.txt'], ['empty file (文件为空)'])
    """
    from rag.settings import get_settings

    budgets = settings or get_settings()
    result = CorpusLoad()
    seen: set[str] = set()
    result.warnings.extend(_manifest_warnings(paths_or_dir))
    for warning in result.warnings:
        logger.warning("%s", warning)
    for path in corpus_files(paths_or_dir, result.errors):
        try:
            check_file(path, budgets)  # hostile or oversized files are refused before parsing
            doc = load_document(path)
            check_document(doc, budgets)  # and texts too long to chunk and embed in time
        except DocumentLoadError as exc:
            result.errors.append(exc)
            continue
        except CorpusError as exc:  # a broken manifest: say so, keep loading with guesses
            result.errors.append(DocumentLoadError(str(path), str(exc)))
            try:
                doc = load_document(path, entry=ManifestEntry())
            except DocumentLoadError as inner:
                result.errors.append(inner)
                continue
        if doc.doc_id in seen:  # a.txt and a.md: keep both, the second under its full name
            doc = Document(**{**doc.to_dict(), "doc_id": doc.source})
        seen.add(doc.doc_id)
        result.documents.append(doc)
    return result


def corpus_files(
    paths_or_dir: str | Path | Iterable[str | Path], errors: list[DocumentLoadError]
) -> list[Path]:
    """Supported files in the given folders (not recursive) and the given files, each once.

    Folders skip their manifest, README and hidden files; a path that does not exist
    and has no suffix becomes an error here, a missing file an error when loaded.
    """
    items = [paths_or_dir] if isinstance(paths_or_dir, str | Path) else list(paths_or_dir)
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files.extend(
                sorted(
                    p
                    for p in item.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in SUPPORTED_SUFFIXES
                    and p.name.lower() not in _SKIP_NAMES
                    and not p.name.startswith(".")
                )
            )
        elif item.exists() or item.suffix:
            files.append(item)  # a missing or odd file gets its own clear error on load
        else:
            errors.append(DocumentLoadError(str(item), "no such file or folder"))
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


# Metadata helpers
def _manifest_entry(path: Path) -> ManifestEntry | None:
    manifest = find_manifest(path.parent)
    if manifest is None:
        return None
    entries = _cached_manifest(manifest, manifest.stat().st_mtime_ns)
    return entries.get(path.name)


@lru_cache(maxsize=16)
def _cached_manifest(path: Path, mtime_ns: int) -> dict[str, ManifestEntry]:
    return load_manifest(path)


def _manifest_warnings(paths_or_dir: str | Path | Iterable[str | Path]) -> list[str]:
    """One warning per manifest entry (of a folder being loaded) that matches no file."""
    items = [paths_or_dir] if isinstance(paths_or_dir, str | Path) else list(paths_or_dir)
    out: list[str] = []
    for folder in {Path(p) for p in items if Path(p).is_dir()}:
        manifest = find_manifest(folder)
        if manifest is not None:
            names = {p.name for p in folder.iterdir() if p.is_file()}
            out.extend(unmatched_entries(manifest, names))
    return out


def _guess_title(text: str, info: dict[str, Any], path: Path) -> str:
    """The format's own title (first heading, <title>, core properties), else the first
    short line, else the file name."""
    candidates = list(info.get("title_candidates") or [])
    lines = (line for line in text[:4000].split("\n"))
    return choose_title(candidates, lines, path.stem)


def _place_extra(entry: ManifestEntry) -> dict[str, Any]:
    """The entry's extra fields plus `place`: county, city, province and level.

    A manifest county fills in its city and province (when the name is unique and agrees
    with a manifest `city`); a guessed place is kept as guessed.
    """
    extra = dict(entry.extra)
    guessed = dict(extra.get("place") or {})
    place = {"county": entry.county, "city": "", "province": "", "level": ""}
    if entry.county:
        found = place_fields(entry.county)
        if not extra.get("city") or extra.get("city") == found.city:
            place.update(city=found.city, province=found.province, level=found.level)
        if guessed.get("county") == entry.county:
            place.update({k: v for k, v in guessed.items() if v})
    elif guessed:
        place.update(guessed)
    place["city"] = place["city"] or str(extra.get("city") or "")
    extra["place"] = place
    return extra


def _fill(entry: ManifestEntry, guessed: ManifestEntry) -> ManifestEntry:
    """Manifest values win; empty ones are filled from the guess."""
    return ManifestEntry(
        title=entry.title or guessed.title,
        county=entry.county or guessed.county,
        year=entry.year if entry.year is not None else guessed.year,
        kind=entry.kind or guessed.kind,
        extra={**guessed.extra, **entry.extra},
    )
