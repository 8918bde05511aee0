"""Edit `corpus/manifest.toml` (comments kept) or `manifest.json`: set or drop one entry."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from rag.corpus.manifest import find_manifest
from rag.exceptions import CorpusError

__all__ = ["drop_entry", "set_entry"]

_HEADER = ("# Metadata per file: [documents.\"name\"] with title, county, year, kind.\n"
           "# Written by `rag add` / PATCH /documents; edit freely.\n")


def set_entry(corpus: Path, source: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Update the manifest entry of `source` with `fields`; a None or "" value removes the
    key (the guess applies again). Returns the entry as stored.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> set_entry(d, "a.txt", {"county": "绛县", "year": 2026})
        {'county': '绛县', 'year': 2026}
    """
    data, path = _read(corpus)
    docs = data.setdefault("documents", {})
    entry = dict(docs.get(source, {}))
    for key, value in fields.items():
        if value is None or value == "":
            entry.pop(key, None)
        else:
            entry[key] = value
    if entry:
        _replace_table(docs, source, entry, path)
    else:
        docs.pop(source, None)
    _write(data, path)
    return {k: v for k, v in entry.items()}


def drop_entry(corpus: Path, source: str) -> None:
    """Remove the entry of `source` (if the manifest has one)."""
    if find_manifest(corpus) is None:
        return
    data, path = _read(corpus)
    docs = data.get("documents", {})
    if source in docs:
        del docs[source]
        _write(data, path)


# Reading and writing, keeping the TOML's comments and layout
def _read(corpus: Path) -> tuple[Any, Path]:
    path = find_manifest(corpus) or corpus / "manifest.toml"
    if not path.is_file():
        import tomlkit

        return tomlkit.parse(_HEADER), path
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            return json.loads(text), path
        import tomlkit

        return tomlkit.parse(text), path
    except Exception as exc:
        raise CorpusError(f"cannot read manifest {path}: {exc}") from exc


def _replace_table(docs: Any, source: str, entry: dict[str, Any], path: Path) -> None:
    if path.suffix == ".json":
        docs[source] = entry
        return
    import tomlkit

    table = tomlkit.table()
    for k, v in entry.items():
        table[k] = v
    if source in docs:
        docs[source] = table
    else:
        docs.add(source, table)


def _write(data: Any, path: Path) -> None:
    if path.suffix == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        import tomlkit

        text = tomlkit.dumps(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
