"""Candidate answer spans of a sentence: its clauses, runs of its words, the figures, dates
and quoted names it holds, and the gap the question's wh-word leaves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.query import Query
from rag.answer.span_words import word_spans
from rag.answer.whword import find_wh

__all__ = ["SpanCandidate", "align_quality", "span_candidates"]

_FUNC = "是为在于有的了由被以将把从和与及其也都曾即乃约共"
_STOP = "，。；：,;:！？!?、"
_CLAUSE = re.compile(r"[，,；;：:]")
_UNITS = ("万亿元|亿元|万元|元|美元|亿|万|%|％|个百分点|倍|平方公里|平方米|公顷|亩|公里|千米|米|"
          "吨|公斤|千克|人次|人|户|家|个|项|件|座|条|所|辆|台|套|张|名|位|次|天|日|月|年|小时|"
          "分钟|岁|度|种|批|场|届|层|栋|处|村|镇|万人|万户|公斤|斤|元/吨|兆瓦|千瓦|万千瓦")
_NUMBER = re.compile(
    r"(?:约|近|超过|超|达|逾)?(?:\d[\d,，.]*(?:\.\d+)?|[一二三四五六七八九十百千万两]+)"
    r"(?:多|余)?(?:" + _UNITS + r")(?:以上|左右)?|\d[\d.]*%|\d+(?:\.\d+)?"
)
_DATE = re.compile(
    r"(?:公元前?)?(?:\d{2,4}|[一二三四五六七八九〇零十]{2,4})年(?:\d{1,2}|[一二三四五六七八九十]{1,3})?"
    r"(?:月(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})日)?)?|\d{1,2}月(?:\d{1,2}日)?|"
    r"(?:年底|年初|上半年|下半年|年内|同年|次年)"
)
_QUOTED = re.compile(r"《[^》]{1,30}》|“[^”]{1,30}”|「[^」]{1,30}」")
_CAUSE = re.compile(r"(?:但|而|并)?(?:因为|由于|因|为了|以便|所以|因此|从而)")  # at a span's start
_HAS_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:[个项家座条名位次倍所户人]|万|亿)")
_OPEN, _CLOSE = "《“「『（(【", "》”」』）)】"
_END_FUNC = "的了是在和与及等"


@dataclass(frozen=True)
class SpanCandidate:
    """A piece of the sentence: `sentence[start:end]`, where it came from (`source`, and
    every generator that proposed it in `sources`) and how well the question aligned."""

    start: int
    end: int
    source: str
    align: float = 0.0  # how much of the question the alignment matched (0-1)
    sources: tuple[str, ...] = ()


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (s[a] in " \u3000" or s[a] in _STOP):
        a += 1
    while b > a and (s[b - 1] in " \u3000" or s[b - 1] in _STOP):
        b -= 1
    return a, b


def _left(left: str, s: str) -> tuple[int, int] | None:
    # The end of the longest tail of the question before its wh-word found in the sentence
    body = left.rstrip(_FUNC + " ，,")
    lb = _bigrams(body)
    best: tuple[int, int, int] | None = None  # (score, end, k)
    for k in range(min(len(body), 24), 1, -1):
        for m in re.finditer(re.escape(body[-k:]), s):
            # a longer tail, and more of the question's words just before it, win
            score = k + len(_bigrams(s[max(0, m.start() - 10) : m.start()]) & lb)
            if best is None or score > best[0]:
                best = (score, m.end(), k)
    return (best[1], best[2]) if best else None


def _right(right: str, s: str, start: int) -> tuple[int, int] | None:
    # The start of the longest head of the question after its wh-word found after `start`
    body = right.lstrip(_FUNC + " ，,的")
    for k in range(min(len(body), 24), 1, -1):
        j = s.find(body[:k], start)
        if j >= 0:
            return j, k
    return None


def _aligned(query: Query, s: str) -> list[SpanCandidate]:
    """The gap the wh-word leaves: 「X是由哪两个公司开发的」 over 「X是由光荣和ω-force开发的」."""
    return list(_aligned_text(query.text, s))


@lru_cache(maxsize=512)
def _aligned_text(text: str, s: str) -> tuple[SpanCandidate, ...]:
    wh = find_wh(text)
    if wh is None:
        return ()
    q = text.rstrip("？?。 ")
    left, right = q[: wh.start], q[wh.end :]
    lm = _left(left, s) if left.strip(_FUNC) else None
    rm = _right(right, s, lm[0] if lm else 0) if right.strip(_FUNC + "的") else None
    # 「哪个公司开发」: 公司 is what the answer is, and may not follow it in the sentence
    if rm is None and wh.noun and right.startswith(wh.noun):
        rest = right[len(wh.noun) :]
        rm = _right(rest, s, lm[0] if lm else 0) if rest.strip(_FUNC + "的") else None
    if lm is None and rm is None:
        return ()
    quality = ((lm[1] if lm else 0) + (rm[1] if rm else 0)) / max(len(q) - (wh.end - wh.start), 1)
    out: list[SpanCandidate] = []
    a = lm[0] if lm else None
    b = rm[0] if rm else None
    if a is not None:
        while a < len(s) and s[a] in _FUNC + " ":
            a += 1
        e = a
        while e < len(s) and s[e] not in _STOP:
            e += 1
        out.append(SpanCandidate(a, e, "align_left", quality))
    if b is not None:
        st = max([i + 1 for i, ch in enumerate(s[:b]) if ch in _STOP] or [0])
        out.append(SpanCandidate(st, b, "align_right", quality))
    if a is not None and b is not None and b > a:
        out.append(SpanCandidate(a, b, "align", quality))
    return tuple(out)


def align_quality(query: Query, sentence: str) -> float:
    """How much of the question lines up around its wh-word in `sentence` (0-1).

    Example:
        >>> from rag.answer.query import analyze
        >>> align_quality(analyze("该游戏由哪个公司开发？"), "该游戏由光荣开发。") > 0.5
        True
    """
    return max((c.align for c in _aligned(query, sentence)), default=0.0)


def span_candidates(query: Query, sentence: str) -> list[SpanCandidate]:
    """Every candidate answer span of `sentence` for `query`, deduplicated.

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "2024年优良天数256天，比上年增加42天。"
        >>> "256天" in [s[x.start:x.end] for x in span_candidates(analyze("优良天数多少？"), s)]
        True
    """
    s = sentence
    raw: list[tuple[int, int, str, float]] = [(0, len(s), "sentence", 0.0)]
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(s)] + [len(s)]
    clauses = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    raw += [(a, b, "clause", 0.0) for a, b in clauses]
    raw += [(a, b, "pair", 0.0) for (a, _), (_, b) in zip(clauses, clauses[1:], strict=False)]
    raw += [(c.start, c.end, c.source, c.align) for c in _aligned_text(query.text, s)]
    for src, rx in (("number", _NUMBER), ("date", _DATE), ("quoted", _QUOTED)):
        raw += [(m.start(), m.end(), src, 0.0) for m in rx.finditer(s)]
    raw += [(a, b, src, 0.0) for a, b, src in word_spans(s)]
    found: dict[tuple[int, int], tuple[float, list[str]]] = {}
    for a, b, src, align in raw:
        a, b = _trim(s, a, b)
        if b <= a:
            continue
        got = found.get((a, b))
        if got is None:
            found[(a, b)] = (align, [src])
        else:
            if src not in got[1]:
                got[1].append(src)
            if align > got[0]:
                found[(a, b)] = (align, got[1])
    return [SpanCandidate(a, b, srcs[0], align, tuple(srcs))
            for (a, b), (align, srcs) in found.items()]


def _bigrams(text: str) -> set[str]:
    t = "".join(ch for ch in text if ch.isalnum())
    return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())
