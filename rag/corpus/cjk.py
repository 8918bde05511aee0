"""Character classes of Chinese text: sentence ends, closers, Han characters."""

from __future__ import annotations

import re

__all__ = [
    "SENTENCE_END",
    "CLOSERS",
    "is_han",
    "ends_sentence",
    "has_inner_space",
    "SENTENCE_RE",
]

# Characters that end a sentence; closers may follow them (`…。”`).
SENTENCE_END = "。！？；!?;"
CLOSERS = "”’」』）)】》\"'"
# For wrap repair a line ending in a colon or ellipsis is complete as well.
_LINE_END = SENTENCE_END + "：:…"

# One sentence: anything up to a sentence end plus trailing closers, or up to a line break.
SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)】》\"']*|\n|$)")


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph.

    Example:
        >>> is_han("洪"), is_han("，"), is_han("a")
        (True, False, False)
    """
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "〇"


def ends_sentence(text: str, *, line: bool = False) -> bool:
    """True when `text` ends a sentence (ignoring closing quotes and brackets).

    With `line=True` a trailing colon or ellipsis also counts (a line that ends there
    is not a wrapped line).

    Example:
        >>> ends_sentence("被评为“全国示范县”。"), ends_sentence("被评为“全国示范县”")
        (True, False)
    """
    stripped = text.rstrip().rstrip(CLOSERS).rstrip()
    if not stripped:
        return False
    return stripped[-1] in (_LINE_END if line else SENTENCE_END)


def has_inner_space(text: str) -> bool:
    """True when a space separates two Chinese phrases (`实施新增长极战略 着力发展…`).

    Example:
        >>> has_inner_space("实施新增长极战略 着力发展多元现代产业"), has_inner_space("2024 年")
        (True, False)
    """
    return re.search(r"[\u4e00-\u9fff”」》)）][ \u3000]+[\u4e00-\u9fff“「《(（]", text) is not None
