"""Per-file metadata: `manifest.toml` (or `.json`) next to the documents, else a guess."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.corpus.cjk import is_han
from rag.exceptions import CorpusError

__all__ = ["ManifestEntry", "load_manifest", "find_manifest", "guess_entry", "MANIFEST_NAMES"]

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
    """File name -> entry. TOML: `[documents."a.txt"]` tables; JSON: `{"documents": {...}}`.

    Raises:
        CorpusError: the manifest cannot be read or has the wrong shape.
    """
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"cannot read manifest {path}: {exc}") from exc
    docs = data.get("documents", {}) if isinstance(data, dict) else None
    if not isinstance(docs, dict) or not all(isinstance(v, dict) for v in docs.values()):
        raise CorpusError(f"manifest {path} must map file names to tables under 'documents'")
    try:
        return {name: ManifestEntry.from_dict(entry) for name, entry in docs.items()}
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"manifest {path}: bad value: {exc}") from exc


# Guessing, for files without an entry
# A county name never contains these (`全县`, `示范县`, `科教兴县`, `政府和县`).
_NOT_NAME = set(
    "县旗全本我该各市区省每一个两和及与郡州府委会的在为是了等范进强点杆兴大乡城镇村这其此"
)
_OFFICE = re.compile(r"^(?:委|政府|人民|长|级)")  # 洪洞县委, 绛县政府, 县长
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def guess_entry(text: str, title: str) -> ManifestEntry:
    """County, year and kind guessed from the title and first lines; empty when unsure.

    The county is the `…县` name seen most often (more when followed by 委/政府); the
    year is the latest year in the title, else the most frequent in the opening text.

    Example:
        >>> guess_entry("2024年，绛县县委坚持发展。绛县经济增长。", "绛县两会")
        ManifestEntry(title='绛县两会', county='绛县', year=2024, kind='', extra={'guessed': True})
    """
    head = f"{title}\n{text[:3000]}"
    scores: Counter[str] = Counter()
    for pos, ch in enumerate(head):
        if ch not in "县旗":
            continue
        weight = 3 if _OFFICE.match(head[pos + 1 : pos + 3]) else 1
        for k in range(1, 4):  # every tail: 洪洞县 and 洞县, 绛县
            if k > pos or not is_han(head[pos - k]) or head[pos - k] in _NOT_NAME:
                break
            scores[head[pos - k : pos + 1]] += weight
    for name in list(scores):  # `洪洞` alone also speaks for 洪洞县
        if len(name) > 2:
            scores[name] += head.count(name[:-1]) - head.count(name)
    county = max(scores, key=lambda c: (scores[c], len(c))) if scores else ""
    years = [int(y) for y in _YEAR.findall(title)]
    if not years:
        common = Counter(int(y) for y in _YEAR.findall(text[:1000])).most_common()
        years = [y for y, n in common if n == common[0][1]] if common else []
    year = max(years) if years else None
    kind = "plan" if "规划" in title else "report" if "工作报告" in title else ""
    return ManifestEntry(title=title, county=county, year=year, kind=kind, extra={"guessed": True})
