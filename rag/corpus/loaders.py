"""Read a file of any supported format into raw text (before normalisation)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.corpus.encoding import EncodingError, decode_bytes
from rag.exceptions import DocumentLoadError

__all__ = ["read_raw", "SUPPORTED_SUFFIXES"]


def read_raw(path: Path, max_mb: float | None = None) -> tuple[str, dict[str, Any]]:
    """Raw text of `path` plus facts about it (`format`, `encoding`, `sha256` of the bytes).

    A file larger than `max_mb` (default: the `max_upload_mb` setting, `RAG_MAX_UPLOAD_MB`)
    is refused before it is read.

    Raises:
        DocumentLoadError: the file is missing, empty, too large, of an unknown type or
            unreadable.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
        >>> _ = p.write_bytes("洪洞县".encode("gbk"))
        >>> read_raw(p)[0], read_raw(p)[1]["encoding"]
        ('洪洞县', 'gb18030')
    """
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(_READERS))
        raise DocumentLoadError(
            str(path), f"unsupported file type '{suffix or path.name}' (supported: {known})"
        )
    _check_size(path, max_mb)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentLoadError(str(path), exc.strerror or str(exc)) from exc
    if not data.strip():
        raise DocumentLoadError(str(path), "empty file (文件为空)")
    try:
        text, info = reader(path, data)
    except DocumentLoadError:
        raise
    except EncodingError as exc:
        raise DocumentLoadError(str(path), str(exc)) from exc
    except Exception as exc:  # a broken docx/pdf/html: name the file and the library's reason
        raise DocumentLoadError(str(path), f"{suffix[1:]} could not be parsed: {exc}") from exc
    if not text.strip():
        empty = reader is _read_text  # a text file of only whitespace is empty
        reason = "empty file (文件为空)" if empty else "no text found in the file (文件中没有文字)"
        raise DocumentLoadError(str(path), reason)
    return text, {"format": suffix[1:], "sha256": hashlib.sha256(data).hexdigest(), **info}


def _check_size(path: Path, max_mb: float | None) -> None:
    """Refuse a file over the size limit, naming its size, the limit and the setting."""
    if max_mb is None:
        from rag.settings import get_settings

        max_mb = get_settings().max_upload_mb
    try:
        size = path.stat().st_size
    except OSError:
        return  # a missing file gets its own error when it is read
    if size > max_mb * 1024 * 1024:
        mb = size / 1024 / 1024
        raise DocumentLoadError(
            str(path),
            f"file is {mb:,.1f} MB, over the limit of {max_mb:g} MB; raise RAG_MAX_UPLOAD_MB to "
            f"load it (文件 {mb:,.1f} MB，超过上限 {max_mb:g} MB，可调大 RAG_MAX_UPLOAD_MB)",
        )


# One reader per format: (path, bytes) -> (raw text, info)
def _read_text(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
    text, encoding = decode_bytes(data)
    return text.replace("\r\n", "\n").replace("\r", "\n"), {"encoding": encoding}


def _read_docx(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
    from rag.corpus.docx_reader import read_docx

    return read_docx(data)


def _read_pdf(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
    from rag.corpus.pdf_reader import read_pdf

    return read_pdf(data, str(path))


def _read_html(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
    from rag.corpus.html_reader import read_html

    return read_html(data)


_READERS: dict[str, Callable[[Path, bytes], tuple[str, dict[str, Any]]]] = {
    ".txt": _read_text,
    ".text": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
}
SUPPORTED_SUFFIXES = frozenset(_READERS)
