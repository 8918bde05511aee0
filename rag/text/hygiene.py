"""Text from the outside, made safe before any model sees it: no lone surrogates, no controls."""

from __future__ import annotations

import re

from rag.exceptions import QueryError

__all__ = ["clean_input", "surrogate_at"]

# C0/C1 control characters (NUL included) except tab, newline and carriage return
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def surrogate_at(text: str) -> int | None:
    """Index of the first lone surrogate (text that is not valid Unicode), or None.

    Example:
        >>> surrogate_at("好\\ud800"), surrogate_at("好")
        (1, None)
    """
    try:
        text.encode("utf-8")  # linear, in C; fails exactly on surrogates
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def clean_input(text: str, field: str = "question") -> str:
    """`text` with control characters (NUL included) turned into spaces; a lone surrogate
    is a QueryError naming the field and the position.

    Example:
        >>> clean_input("龙马\\x00物流园")
        '龙马 物流园'
    """
    pos = surrogate_at(text)
    if pos is not None:
        code = f"U+{ord(text[pos]):04X}"
        raise QueryError(
            f"{field} 含有无效的 Unicode 字符（第 {pos + 1} 个字符 {code}，孤立的代理项）"
            f"(field '{field}' contains invalid Unicode: lone surrogate {code} at character "
            f"{pos + 1})"
        )
    return _CONTROL.sub(" ", text)
