"""Files of an index directory, and the atomic temp-dir-then-rename swap."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rag.corpus.models import Chunk, Document

__all__ = [
    "atomic_directory",
    "read_chunks",
    "read_documents",
    "read_embeddings",
    "recover",
    "sweep",
    "write_chunks",
    "write_documents",
    "write_embeddings",
]


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh temp dir next to `target`; on success it replaces `target`.

    On any exception the temp dir is deleted and `target` is untouched.

    Example:
        >>> with atomic_directory(Path("index")) as tmp:   # doctest: +SKIP
        ...     (tmp / "manifest.json").write_text("{}")
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = f"{os.getpid()}-{time.time_ns()}"
    tmp = target.parent / f".{target.name}.tmp-{stamp}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Swap: old out of the way, new in, old deleted (recover() repairs a crash in between)
    old = target.parent / f".{target.name}.old-{stamp}"
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def recover(target: Path) -> None:
    """If a crash hit between the two renames of a swap, put the previous index back."""
    target = Path(target)
    if target.exists() or not target.parent.is_dir():
        return
    olds = sorted(target.parent.glob(f".{target.name}.old-*"))
    if olds:
        os.replace(olds[-1], target)


def sweep(target: Path) -> list[Path]:
    """Delete `.index.tmp-*` / `.index.old-*` dirs next to `target` that a killed build
    left behind (their pid is no longer running); return what was removed.

    A build that is still running keeps its temp dir: the name carries its pid.

    Example:
        >>> sweep(Path("index"))   # doctest: +SKIP
        [PosixPath('.index.tmp-4242-1733150000000000000')]
    """
    target = Path(target)
    if not target.parent.is_dir():
        return []
    removed = []
    for kind in ("tmp", "old"):
        for path in target.parent.glob(f".{target.name}.{kind}-*"):
            if kind == "old" and not target.exists():
                continue  # recover() may still need it
            if path.is_dir() and not _alive(path.name.rsplit(f".{kind}-", 1)[-1]):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _alive(stamp: str) -> bool:
    # "<pid>-<ns>" of a running process other than this one (our own leftovers are stale)
    try:
        pid = int(stamp.split("-", 1)[0])
    except ValueError:
        return False  # not a name we wrote: "tmp-x" from a kill -9 test, or garbage
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's running process
    return True


# JSON-lines records
def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except ValueError as exc:  # cut off or garbled (JSON or UTF-8): name the file
        from rag.index.integrity import corrupt_error

        raise corrupt_error([path.name], f"{type(exc).__name__}: {exc}") from exc


def write_documents(directory: Path, documents: list[Document]) -> None:
    _write_jsonl(directory / "documents.jsonl", [d.to_dict() for d in documents])


def read_documents(directory: Path) -> list[Document]:
    return [Document.from_dict(r) for r in _read_jsonl(directory / "documents.jsonl")]


def write_chunks(directory: Path, chunks: list[Chunk]) -> None:
    _write_jsonl(directory / "chunks.jsonl", [c.to_dict() for c in chunks])


def read_chunks(directory: Path) -> list[Chunk]:
    return [Chunk.from_dict(r) for r in _read_jsonl(directory / "chunks.jsonl")]


# Embedding cache: content key -> vector
def write_embeddings(directory: Path, keys: list[str], vectors: np.ndarray) -> None:
    np.save(directory / "embeddings.npy", np.ascontiguousarray(vectors, dtype=np.float32))
    (directory / "embedding_keys.json").write_text(json.dumps(keys), encoding="utf-8")


def read_embeddings(directory: Path) -> dict[str, np.ndarray]:
    keys_path = directory / "embedding_keys.json"
    if not keys_path.is_file():
        return {}
    keys = json.loads(keys_path.read_text(encoding="utf-8"))
    vectors = np.load(directory / "embeddings.npy")
    return dict(zip(keys, vectors, strict=True))
