"""Per-file metadata: `manifest.toml` (or `.json`) next to the documents, else a guess."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.exceptions import CorpusError

__all__ = [
    "ManifestEntry",
    "load_manifest",
    "find_manifest",
    "guess_entry",
    "unmatched_entries",
    "MANIFEST_NAMES",
]

MANIFEST_NAMES = ("manifest.toml", "manifest.json")
_KNOWN = {"title", "county", "year", "kind"}


@dataclass(frozen=True)
class ManifestEntry:
    """Metadata of one document; `extra` keeps any other manifest fields (city, note…).

    Example:
        >>> ManifestEntry.from_dict({"title": "T", "year": "2024", "city": "临汾市"})
        ManifestEntry(title='T', county='', year=2024, kind='', extra={'city': '临汾市'})
    """

    title: str = ""
    county: str = ""
    year: int | None = None
    kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ManifestEntry:
        year = data.get("year")
        return cls(
            title=str(data.get("title") or ""),
            county=str(data.get("county") or ""),
            year=int(year) if year not in (None, "") else None,
            kind=str(data.get("kind") or ""),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )


def find_manifest(folder: Path) -> Path | None:
    """The manifest file in `folder`, if there is one."""
    for name in MANIFEST_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def load_manifest(path: Path) -> dict[str, ManifestEntry]:
    """File name -> entry.

    TOML: `[documents."a.txt"]` tables or top-level `["a.txt"]` tables (both may be mixed);
    JSON: `{"documents": {"a.txt": {...}}}` or `{"a.txt": {...}}`.

    Raises:
        CorpusError: the manifest cannot be read or has the wrong shape.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "manifest.toml"
        >>> _ = p.write_text('["a.txt"]\\ncounty = "绛县"\\n[documents."b.txt"]\\nyear = 2024\\n')
        >>> sorted(load_manifest(p))
        ['a.txt', 'b.txt']
    """
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"cannot read manifest {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"manifest {path} must map file names to tables")
    docs = dict(data.get("documents") or {}) if isinstance(data.get("documents"), dict) else None
    if docs is None and "documents" in data:
        raise CorpusError(f"manifest {path}: 'documents' must map file names to tables")
    docs = docs or {}
    docs.update({k: v for k, v in data.items() if k != "documents"})  # top-level ["a.txt"]
    bad = [k for k, v in docs.items() if not isinstance(v, dict)]
    if bad:
        raise CorpusError(
            f"manifest {path} must map file names to tables; not a table: {', '.join(bad)}"
        )
    try:
        return {name: ManifestEntry.from_dict(entry) for name, entry in docs.items()}
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"manifest {path}: bad value: {exc}") from exc


def unmatched_entries(manifest: Path, names: set[str]) -> list[str]:
    """Warnings for manifest entries that name no file in `names` (the folder's files).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "manifest.toml"
        >>> _ = p.write_text('["a.txt"]\\ncounty = "绛县"\\n["gone.txt"]\\nyear = 2024\\n')
        >>> unmatched_entries(p, {"a.txt"})  # doctest: +ELLIPSIS
        ['manifest ...manifest.toml: entry "gone.txt" matches no file (清单条目没有对应的文件)']
    """
    try:
        entries = load_manifest(manifest)
    except CorpusError:
        return []  # reported when the files are loaded
    return [
        f'manifest {manifest}: entry "{name}" matches no file (清单条目没有对应的文件)'
        for name in entries
        if name not in names
    ]


# Guessing, for files without an entry
def guess_entry(
    text: str, title: str, doc_meta: Mapping[str, str] | None = None
) -> ManifestEntry:
    """County, year and kind guessed from the title and first lines; empty when unsure.

    The place comes from real place names (`rag.text.places`): the title's, else the one
    the opening text names most; `extra["place"]` holds its `county`, `city`, `province`
    and `level`. The year
    comes from the title, else the metadata's 发布日期 or a date line, else the text.

    Example:
        >>> e = guess_entry("2024年，绛县县委坚持发展。绛县经济增长。", "绛县两会")
        >>> e.county, e.year, e.extra["place"]["city"], e.extra["place"]["level"]
        ('绛县', 2024, '运城市', 'county')
    """
    from rag.corpus.metadata import guess_place, guess_year

    place = guess_place(title, text)
    year = guess_year(title, text, doc_meta)
    kind = "plan" if "规划" in title else "report" if "工作报告" in title else ""
    extra: dict[str, Any] = {"guessed": True, "place": asdict(place)}
    return ManifestEntry(title=title, county=place.county, year=year, kind=kind, extra=extra)
