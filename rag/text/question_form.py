"""Questions as people type them, in the form the documents use: simplified characters and
half-width letters and digits (the documents themselves are never rewritten)."""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

__all__ = ["normalize_question", "to_simplified"]

_CC: Any = None
_LOCK = threading.Lock()
# Full-width forms NFKC would turn into ASCII but the documents keep as they are
_KEEP = str.maketrans({"?": "？", "!": "！", ",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese through OpenCC (`t2s`), loaded once.

    Example:
        >>> to_simplified("龍馬物流園進展如何")
        '龙马物流园进展如何'
    """
    global _CC
    if _CC is None:
        with _LOCK:
            if _CC is None:
                import opencc

                _CC = opencc.OpenCC("t2s")
    return str(_CC.convert(text))


def normalize_question(text: str) -> str:
    """Simplified characters, and full-width letters, digits and spaces made half-width
    (ｇｄｐ２０２４ → gdp2024); Chinese punctuation stays Chinese.

    Example:
        >>> normalize_question("洪洞２０２４年ＧＤＰ增長多少？")
        '洪洞2024年GDP增长多少？'
    """
    out = []
    for ch in text:
        if "\uff01" <= ch <= "\uff5e" or ch == "\u3000":
            n = unicodedata.normalize("NFKC", ch)
            out.append(n if n.isalnum() or n == " " else ch)
        else:
            out.append(ch)
    return to_simplified("".join(out))
