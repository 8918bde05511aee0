"""Word-span answer candidates: runs of jieba words inside a clause, and clause heads/tails."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

__all__ = ["CLAUSE_MARKS", "Word", "clause_marks", "tagged_words", "word_spans"]

CLAUSE_MARKS = "，。；：,;:！？!?"
# Latin letters, digits and the marks inside figures stay one word (PM2.5, 6,476, 5%)
_ASCII = re.compile(r"[A-Za-z0-9.%％²³°′″]")
# A figure may start inside a jieba word: 了|近2,400万年, 可|达70公里, 占地|约两平方公里
_FIGURE_START = re.compile(r"(?:约|近|达|逾|超过|共|仅|总计|合计)?(?<![\d.,，])(?:\d|"
                           r"(?<![一二两三四五六七八九十百千])[一二两三四五六七八九十百千]+[个万亿年岁种位名项])")
_POS: Any = None
_LOCK = threading.Lock()

Word = tuple[int, int, str]  # start, end, jieba part-of-speech flag


def _tagger() -> Any:
    global _POS
    if _POS is None:
        with _LOCK:
            if _POS is None:
                import jieba.posseg

                from rag.answer.text import _jieba

                _POS = jieba.posseg.POSTokenizer(_jieba())
    return _POS


def _joins(s: str, i: int) -> bool:
    # True when a word boundary at i would cut a Latin word or a figure in two
    a, b = s[i - 1], s[i]
    if _ASCII.match(a) and _ASCII.match(b):
        return True
    return b in ",，" and a.isdigit() and s[i + 1 : i + 2].isdigit() or (
        a in ",，" and b.isdigit() and s[i - 2 : i - 1].isdigit())


@lru_cache(maxsize=1024)
def tagged_words(sentence: str) -> tuple[Word, ...]:
    """The jieba words of `sentence` with their part of speech, as (start, end, flag);
    Latin words and figures are kept whole.

    Example:
        >>> s = "2024年优良天数256天"
        >>> [(s[a:b], f) for a, b, f in tagged_words(s)][-2:]
        [('256', 'm'), ('天', 'n')]
    """
    out: list[list[Any]] = []
    pos = 0
    for p in _tagger().lcut(sentence):
        a, b = pos, pos + len(p.word)
        pos = b
        if out and a > 0 and _joins(sentence, a):
            prev = out[-1]
            prev[1] = b
            text = sentence[prev[0] : b]
            prev[2] = "m" if re.fullmatch(r"[\d.,，%％]+", text) else prev[2]
            continue
        out.append([a, b, p.flag])
    return tuple((a, b, f) for a, b, f in out)


def clause_marks(sentence: str) -> list[bool]:
    """Which characters end a clause (，。；： and the like, but not the comma of 6,476).

    Example:
        >>> "".join("|" if m else "." for m in clause_marks("共6,476人，增长5%"))
        '......|....'
    """
    s = sentence
    return [ch in CLAUSE_MARKS and not (ch in ",，" and 0 < i < len(s) - 1 and s[i - 1].isdigit()
                                        and s[i + 1].isdigit()) for i, ch in enumerate(s)]


def _starts(sentence: str, words: tuple[Word, ...], mark: list[bool]) -> list[int]:
    # Word starts, plus where a figure starts inside a word
    out = {a for a, _, _ in words if not mark[a]}
    for m in _FIGURE_START.finditer(sentence):
        out.add(m.start())
    return sorted(out)


def word_spans(sentence: str, max_words: int = 12, max_chars: int = 24,
               max_tail: int = 80) -> list[tuple[int, int, str]]:
    """Candidate spans (start, end, source) made of whole words.

    "word": 1..`max_words` words (at most `max_chars` characters) inside one clause; "tail":
    from a word to the end of its clause or of a later one (at most `max_tail` characters);
    "head": from the start of a clause to a word inside it.

    Example:
        >>> s = "该游戏由光荣和ω-force开发。"
        >>> ("光荣和ω-force", "word") in [(s[a:b], src) for a, b, src in word_spans(s)]
        True
    """
    words = tagged_words(sentence)
    n = len(sentence)
    mark = clause_marks(sentence)
    starts = _starts(sentence, words, mark)
    ends = sorted({b for a, b, _ in words if not mark[b - 1]})
    marks_before = [0]
    for x in mark:
        marks_before.append(marks_before[-1] + x)
    out: list[tuple[int, int, str]] = []
    j0 = 0
    for a in starts:
        while j0 < len(ends) and ends[j0] <= a:
            j0 += 1
        for b in ends[j0 : j0 + max_words]:
            if b - a > max_chars or marks_before[b] > marks_before[a]:
                break
            out.append((a, b, "word"))
    # clause edges: the first and last character of every clause
    cstart = [i for i in range(n) if not mark[i] and (i == 0 or mark[i - 1])]
    cend = [i for i in range(1, n + 1) if not mark[i - 1] and (i == n or mark[i])]
    for a in starts:
        for b in cend:
            if b > a and (b - a <= max_tail or b == cend[-1]):
                out.append((a, b, "tail"))
    for k, a in enumerate(cstart):
        stop = cend[k] if k < len(cend) else n
        out += [(a, b, "head") for b in ends if a < b < stop]
    return out
