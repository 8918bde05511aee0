"""Stored file names made safe: no paths, no hidden or reserved names, a supported type."""

from __future__ import annotations

import unicodedata

from rag.corpus.loaders import SUPPORTED_SUFFIXES
from rag.corpus.manifest import MANIFEST_NAMES
from rag.exceptions import FileTypeError, UnsafeFileError

__all__ = ["MAX_NAME_CHARS", "safe_name"]

MAX_NAME_CHARS = 120
_FORBIDDEN = set('/\\:*?"<>|') | {"\x00"}
_RESERVED = {n.lower() for n in MANIFEST_NAMES} | {"readme.md", "readme.txt", "readme"}


def safe_name(name: str) -> str:
    """The name a file is stored under in the corpus folder, or an error naming the problem.

    A name with a path (`../x.txt`, `a/b.txt`, `C:\\x.txt`), a hidden or reserved name
    (`.env`, `manifest.toml`), control characters or an unsupported suffix is refused,
    never silently rewritten into something that could clash.

    Raises:
        UnsafeFileError: the name carries a path, control characters or is reserved.
        FileTypeError: the suffix is not a supported document type.

    Example:
        >>> safe_name("  绛县 2026.txt ")
        '绛县 2026.txt'
        >>> safe_name("../../etc/passwd.txt")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        rag.exceptions.UnsafeFileError: cannot read ../../etc/passwd.txt: ...
    """
    raw = name or ""
    clean = unicodedata.normalize("NFC", raw).strip()
    shown = raw[:200]
    if not clean:
        raise UnsafeFileError(shown or "(empty)", "文件名为空 (the file name is empty)")
    if any(c in _FORBIDDEN for c in clean) or ".." in clean:
        raise UnsafeFileError(
            shown, "文件名不能包含路径或 / \\ : * ? \" < > | .. (the name must not carry a path "
            "or reserved characters)"
        )
    if any(unicodedata.category(c).startswith("C") for c in clean):
        raise UnsafeFileError(shown, "文件名含控制字符 (the name has control characters)")
    if clean.startswith("."):
        raise UnsafeFileError(shown, "文件名不能以 . 开头 (hidden names are not stored)")
    if clean.lower() in _RESERVED:
        raise UnsafeFileError(shown, "这是保留文件名 (a reserved name: manifest or README)")
    if len(clean) > MAX_NAME_CHARS:
        raise UnsafeFileError(
            shown, f"文件名过长：{len(clean)} 字，上限 {MAX_NAME_CHARS} 字 "
            f"(the name is over {MAX_NAME_CHARS} characters)"
        )
    suffix = clean[clean.rfind("."):].lower() if "." in clean else ""
    if suffix not in SUPPORTED_SUFFIXES:
        known = "、".join(sorted(SUPPORTED_SUFFIXES))
        raise FileTypeError(
            shown, f"不支持的文件类型「{suffix or '无后缀'}」，可用：{known} "
            f"(unsupported file type; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"
        )
    return clean
