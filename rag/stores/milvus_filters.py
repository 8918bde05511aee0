"""Metadata filters as Milvus boolean expressions, applied inside every search (no post-filter)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rag.corpus.models import Chunk, Document
from rag.exceptions import FilterError
from rag.retrieval.filters import normalize_value

__all__ = ["SCALAR_KEYS", "filter_expression", "literal", "row_fields"]

SCALAR_KEYS = ("county", "year", "source", "doc_id", "title", "kind")  # own scalar fields


def literal(value: str) -> str:
    """A Milvus string literal.

    Example:
        >>> literal('绛"县')
        '"绛\\\\"县"'
    """
    return json.dumps(value, ensure_ascii=False)


def row_fields(chunk: Chunk, doc: Document | None) -> dict[str, Any]:
    """The filterable scalar fields of a chunk row, values normalised like `FilterIndex`.

    Example:
        >>> c = Chunk("i", "d", "A.txt", "T", "绛县", 2024, [], "x", 0, 1)
        >>> row_fields(c, None)["county"], row_fields(c, None)["source"]
        ('绛', 'a')
    """
    def norm(key: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        try:
            return normalize_value(key, value)
        except FilterError:
            return ""

    meta: dict[str, str] = {}
    if doc is not None:
        for key, value in (doc.meta or {}).items():
            if key not in SCALAR_KEYS and isinstance(value, str | int | float | bool):
                meta[key] = norm(key, value)
    return {
        "county": norm("county", chunk.county)[:120],
        "year": int(chunk.year) if chunk.year is not None else -1,
        "source": norm("source", chunk.source)[:500],
        "doc_id": chunk.doc_id[:250],
        "title": norm("title", chunk.title)[:300],
        "kind": norm("kind", doc.kind if doc is not None else "")[:120],
        "meta": meta,
    }


def filter_expression(filters: Mapping[str, Any] | None, keys: Iterable[str]) -> str | None:
    """The boolean expression for `filters` ("" when there is none), e.g.
    `county in ["绛"] and year in [2024]`. Raises FilterError for a key outside `keys`
    or a bad value, with the same messages as the embedded store.

    Example:
        >>> filter_expression({"county": "绛县", "year": "2024"}, ["county", "year"])
        'county in ["绛"] and year in [2024]'
    """
    if not filters:
        return ""
    valid = sorted(set(keys))
    parts = []
    for key, value in filters.items():
        if key not in valid:
            raise FilterError(
                f"未知的筛选条件 {key!r} (unknown filter key {key!r}); "
                f"可用 (valid): {', '.join(valid)}"
            )
        values = value if isinstance(value, list | tuple | set) else [value]
        values = [v for v in values if v is not None and str(v).strip() != ""]
        if not values:
            continue
        norm = sorted({normalize_value(key, v) for v in values})
        if key == "year":
            parts.append(f"year in [{', '.join(str(int(v)) for v in norm)}]")
        elif key in SCALAR_KEYS:
            parts.append(f"{key} in [{', '.join(literal(v) for v in norm)}]")
        else:  # a manifest field of the document
            parts.append(f"meta[{literal(key)}] in [{', '.join(literal(v) for v in norm)}]")
    return " and ".join(parts)
