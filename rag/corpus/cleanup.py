"""Paragraph repairs (doubled captions, repeated sentences) and page furniture."""

from __future__ import annotations

import re
from collections import Counter

from rag.corpus.offsets import MappedStr

__all__ = [
    "collapse_doubled",
    "drop_repeated_sentences",
    "is_furniture",
    "is_boilerplate_tail",
]

# Page furniture of web copies: `[类别] 发表于:2022-08-03 14:43:03`, `收藏`, `详情`.
_FURNITURE = re.compile(
    r"^(?:\[[^\]]{1,40}\][ \t]*发表于[:：].*"
    r"|收藏|详情|分享|打印|关闭窗口|返回顶部|【打印】|【关闭】)$"
)
_TAIL_START = re.compile(r"^(?:附件[:：]?|温馨提示[:：]?|相关附件[:：]?)$")


def collapse_doubled(para: MappedStr, *, max_len: int = 200) -> MappedStr:
    """Collapse a caption the OCR printed twice, run by run.

    Applied only when it shortens the paragraph to at most 60%, so ordinary text with an
    accidental repeat (`美美与共、美美与共`) is left alone.

    Example:
        >>> collapse_doubled(MappedStr.literal("县委副书记县委副书记、、县长调研县长调研")).text
        '县委副书记、县长调研'
    """
    text = para.text
    n = len(text)
    if n < 6 or n > max_len:
        return para
    # cheap test first: in a doubled text nearly every character occurs twice
    counts = Counter(text)
    if sum(c for c in counts.values() if c >= 2) < 0.8 * n:
        return para
    mask = [True] * n
    i = 0
    while i < n:
        step = 1
        # candidate sizes: distances to later copies of text[i], longest first
        sizes = [j - i for j in range(i + (n - i) // 2, i, -1) if text[j] == text[i]]
        for size in sizes:
            if size == 1 and text[i].isalnum():
                continue  # only punctuation doubles one character at a time (`、、`)
            if text[i : i + size] == text[i + size : i + 2 * size]:
                for j in range(i + size, i + 2 * size):
                    mask[j] = False
                step = 2 * size
                break
        i += step
    kept = sum(mask)
    return para.keep(mask) if kept <= 0.6 * n else para


def drop_repeated_sentences(para: MappedStr, *, min_len: int = 8) -> tuple[MappedStr, int]:
    """Drop a sentence that repeats the one right before it; returns (text, dropped).

    Example:
        >>> s = MappedStr.literal("完成八家矿山修复。完成八家矿山修复。")
        >>> drop_repeated_sentences(s)[0].text
        '完成八家矿山修复。'
    """
    text = para.text
    spans = [m.span() for m in re.finditer(r"[^。！？!?]+[。！？!?]+", text)]
    mask = [True] * len(text)
    dropped = 0
    kept = ""  # the last sentence kept: a run of three copies keeps one
    for b0, b1 in spans:
        sentence = text[b0:b1].strip()
        if len(sentence) >= min_len and sentence == kept:
            for j in range(b0, b1):
                mask[j] = False
            dropped += 1
        else:
            kept = sentence
    return (para.keep(mask), dropped) if dropped else (para, 0)


def is_furniture(line: str) -> bool:
    """True for web-page furniture lines (`收藏`, `详情`, `[报告] 发表于:…`).

    Example:
        >>> is_furniture("[可行性研究报告] 发表于:2022-08-03 14:43:03"), is_furniture("前言")
        (True, False)
    """
    return _FURNITURE.match(line.strip()) is not None


def is_boilerplate_tail(lines: list[str]) -> bool:
    """True when `lines` (from a candidate line to the end) are a site's attachment/notice tail.

    Example:
        >>> is_boilerplate_tail(["附件", "规划.pdf 【下载附件】", "温馨提示:", "1. 本站不保证"])
        True
    """
    if not lines or not _TAIL_START.match(lines[0].strip()) or len(lines) > 20:
        return False
    joined = "\n".join(lines)
    return any(k in joined for k in ("下载附件", "温馨提示", "侵权", "本站"))
