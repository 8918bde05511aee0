"""Checksums of an index's files: recorded by the build, verified on load, used to repair."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from rag.exceptions import IndexCorruptError

if TYPE_CHECKING:
    from rag.index.manifest import Manifest

__all__ = ["corrupt_error", "damaged_files", "file_checksums", "verify_index"]

_MANIFEST = "manifest.json"
_BLOCK = 1 << 20


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def file_checksums(directory: Path) -> dict[str, dict[str, int | str]]:
    """{relative path: {"size", "sha256"}} of every file under `directory` but the manifest.

    Example:
        >>> file_checksums(Path("index"))["chunks.jsonl"]["size"]   # doctest: +SKIP
        412345
    """
    directory = Path(directory)
    out: dict[str, dict[str, int | str]] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel != _MANIFEST:
            out[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return out


def damaged_files(directory: Path, manifest: Manifest) -> list[str]:
    """The recorded files that are missing, of another size, or of another content.

    An index written before checksums were recorded has none to compare: [] (see
    `Manifest.checksums`). Sizes are compared first, so a truncated file costs a stat.
    """
    directory = Path(directory)
    bad: list[str] = []
    for rel, want in sorted(manifest.checksums.items()):
        path = directory / rel
        try:
            if path.stat().st_size != want.get("size") or _sha256(path) != want.get("sha256"):
                bad.append(rel)
        except OSError:
            bad.append(rel)
    return bad


def corrupt_error(files: list[str], reason: str = "") -> IndexCorruptError:
    """The error a damaged index raises: names the files and says to run `rag index`.

    Example:
        >>> str(corrupt_error(["chunks.jsonl"])).split(" (")[0]
        '索引文件损坏，请运行 `rag index`：chunks.jsonl'
    """
    names = ", ".join(files) or "?"
    why = f": {reason}" if reason else " (missing, truncated or changed since the build)"
    return IndexCorruptError(
        f"索引文件损坏，请运行 `rag index`：{names} (damaged index file {names}{why}; "
        "run `rag index` to repair it)",
        files,
    )


def verify_index(directory: Path, manifest: Manifest) -> None:
    """Raise IndexCorruptError when any recorded file fails its checksum (call on load)."""
    bad = damaged_files(directory, manifest)
    if bad:
        raise corrupt_error(bad)
