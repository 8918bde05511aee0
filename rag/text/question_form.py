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


def _simplified_form(ch: str) -> bool:
    # In the standard simplified character set (GB 2312): 乾 (乾峰大桥, 乾隆) is one, 龍 is not
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese through OpenCC (`t2s`, loaded once), changing only
    characters that are not simplified forms already: OpenCC reads a simplified 乾 as the
    traditional 乾 (dry) and would turn the bridge 乾峰 into 干峰.

    Example:
        >>> to_simplified("龍馬物流園進展如何"), to_simplified("乾峰大桥修好了没")
        ('龙马物流园进展如何', '乾峰大桥修好了没')
    """
    global _CC
    if all(_simplified_form(ch) for ch in text):
        return text
    if _CC is None:
        with _LOCK:
            if _CC is None:
                import opencc

                _CC = opencc.OpenCC("t2s")
    out = str(_CC.convert(text))
    if len(out) != len(text):  # a phrase changed length: convert the traditional ones alone
        return "".join(ch if _simplified_form(ch) else str(_CC.convert(ch)) for ch in text)
    return "".join(a if _simplified_form(a) else b for a, b in zip(text, out, strict=True))


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
