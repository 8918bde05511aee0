"""Metadata filters (county, year, source, any manifest field), resolved before ranking."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from rag.corpus.models import Chunk, Document
from rag.exceptions import FilterError

__all__ = ["FilterIndex", "normalize_value"]

_CHUNK_KEYS = ("county", "year", "source", "doc_id", "title")
_COUNTY_SUFFIX = re.compile(r"(自治县|县|市|区|旗)$")


def normalize_value(key: str, value: Any) -> str:
    """Canonical form of a filter value: 绛县/绛 → 绛, 洪洞县 → 洪洞, '2024' → 2024.

    Example:
        >>> normalize_value("county", " 绛县 "), normalize_value("year", "2024年")
        ('绛', '2024')
    """
    text = str(value).strip()
    if key == "county":
        return _COUNTY_SUFFIX.sub("", text) or text
    if key == "year":
        m = re.fullmatch(r"(\d{4})\s*年?", text)
        if not m:
            raise FilterError(f"year 必须是四位年份，例如 2024 (bad year filter {value!r})")
        return m.group(1)
    if key == "source":
        return text.lower().removesuffix(".txt")
    return text


class FilterIndex:
    """Inverted lists from (field, value) to chunk positions, for fast pre-ranking filters.

    Fields are the chunk's `county, year, source, doc_id, title` plus the document's
    `kind` and any scalar `meta` (manifest) field.

    Example:
        >>> fi = FilterIndex(chunks, documents)                 # doctest: +SKIP
        >>> fi.allowed({"county": "绛县"})                       # doctest: +SKIP
        array([12, 13, ...])
    """

    def __init__(self, chunks: list[Chunk], documents: Mapping[str, Document]) -> None:
        self.size = len(chunks)
        self._lists: dict[str, dict[str, list[int]]] = {}
        for pos, chunk in enumerate(chunks):
            for key, value in self._fields(chunk, documents.get(chunk.doc_id)):
                if value is None or value == "":
                    continue
                try:
                    norm = normalize_value(key, value)
                except FilterError:
                    continue
                self._lists.setdefault(key, {}).setdefault(norm, []).append(pos)
        self.keys = sorted(set(self._lists) | set(_CHUNK_KEYS) | {"kind"})

    @staticmethod
    def _fields(chunk: Chunk, doc: Document | None) -> Iterable[tuple[str, Any]]:
        for key in _CHUNK_KEYS:
            yield key, getattr(chunk, key)
        if doc is not None:
            yield "kind", doc.kind
            for key, value in (doc.meta or {}).items():
                if key not in _CHUNK_KEYS and isinstance(value, str | int | float | bool):
                    yield key, value

    def allowed(self, filters: Mapping[str, Any] | None) -> np.ndarray | None:
        """Sorted positions every filter accepts, or None when there is no filter.

        A value may be a list (any of). Empty values (None, "", []) are ignored.
        Raises FilterError for an unknown key or a malformed value.
        """
        if not filters:
            return None
        result: set[int] | None = None
        for key, value in filters.items():
            if key not in self.keys:
                raise FilterError(
                    f"未知的筛选条件 {key!r} (unknown filter key {key!r}); "
                    f"可用 (valid): {', '.join(self.keys)}"
                )
            values = value if isinstance(value, list | tuple | set) else [value]
            values = [v for v in values if v is not None and str(v).strip() != ""]
            if not values:
                continue
            lists = self._lists.get(key, {})
            match: set[int] = set()
            for v in values:
                match.update(lists.get(normalize_value(key, v), ()))
            result = match if result is None else result & match
        if result is None:
            return None
        return np.array(sorted(result), dtype=np.int64)
