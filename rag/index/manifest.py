"""The index manifest: what built the index, from which files, and whether it still fits."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.exceptions import IndexMissingError, IndexStaleError

__all__ = ["FORMAT_VERSION", "Manifest", "read_manifest"]

FORMAT_VERSION = "1"
MANIFEST = "manifest.json"


@dataclass
class Manifest:
    """Written last into every index directory.

    Example:
        >>> m = Manifest(encoder_name="none", encoder_dim=0, chunker_version="1")
        >>> m.check(encoder_name="none", encoder_dim=0, chunker_version="1", tokenizer_version="1")
    """

    encoder_name: str
    encoder_dim: int
    chunker_version: str
    tokenizer_version: str = "1"
    format_version: str = FORMAT_VERSION
    dense_kind: str = "flat"
    chunking: dict[str, Any] = field(default_factory=dict)  # chunk_* and bm25_* settings used
    files: dict[str, str] = field(default_factory=dict)  # source -> sha256 of raw bytes
    doc_fingerprints: dict[str, str] = field(default_factory=dict)  # source -> hash of record
    # index file -> {"size", "sha256"}, checked on load (rag.index.integrity); {} = not recorded
    checksums: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_documents: int = 0
    n_chunks: int = 0
    built_at: str = ""
    build_seconds: float = 0.0

    def write(self, directory: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=1)
        (directory / MANIFEST).write_text(text, encoding="utf-8")

    def check(
        self, *, encoder_name: str, encoder_dim: int, chunker_version: str, tokenizer_version: str
    ) -> None:
        """Raise IndexStaleError unless the index was built the way these settings say."""
        problems = []
        if self.format_version != FORMAT_VERSION:
            problems.append(f"index format {self.format_version} (now {FORMAT_VERSION})")
        if self.encoder_name != encoder_name or self.encoder_dim != encoder_dim:
            problems.append(
                f"encoder {self.encoder_name} ({self.encoder_dim}-d), "
                f"settings want {encoder_name} ({encoder_dim}-d)"
            )
        if self.chunker_version != chunker_version:
            problems.append(f"chunker {self.chunker_version} (now {chunker_version})")
        if self.tokenizer_version != tokenizer_version:
            problems.append(f"tokenizer {self.tokenizer_version} (now {tokenizer_version})")
        if problems:
            raise IndexStaleError(
                "索引已过期，请运行 `rag index` 重建 (the index is stale: built with "
                + "; ".join(problems)
                + ". Run `rag index`, or `rag index --rebuild` to start over.)"
            )


def manifest_stamp(directory: Path) -> tuple[int, int, int] | None:
    """(inode, mtime ns, size) of the manifest: changes whenever a build swaps the index in;
    None while there is none (no index yet, or mid-swap)."""
    try:
        st = (Path(directory) / MANIFEST).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def read_manifest(directory: Path) -> Manifest:
    """The manifest in `directory`; IndexMissingError when there is no index there."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexMissingError(
            f"还没有索引，请先运行 `rag index` (no index at {directory}: run `rag index`)"
        )
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**{k: v for k, v in data.items() if k in Manifest.__dataclass_fields__})
    except (ValueError, TypeError) as exc:
        raise IndexStaleError(
            f"索引清单损坏，请运行 `rag index --rebuild` (unreadable {path}: {exc}; "
            "run `rag index --rebuild`)"
        ) from exc
