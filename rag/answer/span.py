"""Direct answers: the shortest span of a quoted sentence that answers the question.

Candidates come from the sentence itself (its comma-clauses, the figures, dates and named
things it holds, and the gap the question's wh-word leaves when the question is aligned
with the sentence); a small learned model (`weights/span.json`, trained by
`eval/train/train_answer_models.py` on CMRC 2018) picks one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.model import load_model
from rag.answer.query import Query, unit_kinds_of
from rag.answer.whword import WH_KINDS, find_wh

__all__ = ["SpanCandidate", "SPAN_FEATURES", "align_quality", "best_span", "span_candidates",
           "span_features", "direct_span"]

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
_CAUSE = re.compile(r"^(?:但|而|并)?(?:因为|由于|因|为了|以便|所以|因此|从而)")
_HAS_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:[个项家座条名位次倍所户人]|万|亿)")
_SOURCES = ("sentence", "clause", "align", "align_left", "align_right", "number", "date",
            "quoted", "pair")


@dataclass(frozen=True)
class SpanCandidate:
    """A piece of the sentence: `sentence[start:end]`, and where it came from."""

    start: int
    end: int
    source: str
    align: float = 0.0  # how much of the question the alignment matched (0-1)


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
    wh = find_wh(query.text)
    if wh is None:
        return []
    q = query.text.rstrip("？?。 ")
    left, right = q[: wh.start], q[wh.end :]
    lm = _left(left, s) if left.strip(_FUNC) else None
    rm = _right(right, s, lm[0] if lm else 0) if right.strip(_FUNC + "的") else None
    # 「哪个公司开发」: 公司 is what the answer is, and may not follow it in the sentence
    if rm is None and wh.noun and right.startswith(wh.noun):
        rest = right[len(wh.noun) :]
        rm = _right(rest, s, lm[0] if lm else 0) if rest.strip(_FUNC + "的") else None
    if lm is None and rm is None:
        return []
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
    return out


def align_quality(query: Query, sentence: str) -> float:
    """How much of the question lines up around its wh-word in `sentence` (0-1)."""
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
    raw: list[SpanCandidate] = [SpanCandidate(0, len(s), "sentence")]
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(s)] + [len(s)]
    clauses = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    for a, b in clauses:
        raw.append(SpanCandidate(a, b, "clause"))
    for (a, _), (_, b) in zip(clauses, clauses[1:], strict=False):
        raw.append(SpanCandidate(a, b, "pair"))
    raw += _aligned(query, s)
    raw += [SpanCandidate(m.start(), m.end(), "number") for m in _NUMBER.finditer(s)]
    raw += [SpanCandidate(m.start(), m.end(), "date") for m in _DATE.finditer(s)]
    raw += [SpanCandidate(m.start(), m.end(), "quoted") for m in _QUOTED.finditer(s)]
    seen: set[tuple[int, int]] = set()
    out: list[SpanCandidate] = []
    for c in raw:
        a, b = _trim(s, c.start, c.end)
        if b - a < 1 or (a, b) in seen:
            continue
        seen.add((a, b))
        out.append(SpanCandidate(a, b, c.source, c.align))
    return out


def _bigrams(text: str) -> set[str]:
    t = "".join(ch for ch in text if ch.isalnum())
    return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


SPAN_FEATURES: tuple[str, ...] = (
    "bias_free_len", "len_share", "q_overlap", "q_char_overlap", "align_quality",
    *(f"src_{s}" for s in _SOURCES),
    *(f"wh_{k}" for k in WH_KINDS),
    "num_q_has_number", "date_q_has_date", "cause_q_has_cause", "list_q_has_enum",
    "entity_q_quoted", "has_number", "has_date", "starts_func", "wh_noun_inside",
    "wh_noun_after", "short_1_3", "long_30", "unit_kind_match", "unit_kind_clash",
    "left_ctx_q", "right_ctx_q",
    # the same evidence weighs differently per question kind
    *(f"{k}*src_{s}" for k in WH_KINDS for s in _SOURCES),
    *(f"{k}*{f}" for k in WH_KINDS for f in ("len_share", "q_overlap", "log_len")),
)


def span_features(query: Query, sentence: str, cands: list[SpanCandidate]) -> np.ndarray:
    """One feature row per candidate (`SPAN_FEATURES` order)."""
    wh = find_wh(query.text)
    kind = wh.kind if wh else "other"
    noun = wh.noun if wh else ""
    qb = _bigrams(query.text)
    qchars = set(query.text)
    rows = []
    n = max(len(sentence), 1)
    for c in cands:
        t = sentence[c.start : c.end]
        tb = _bigrams(t)
        has_num = bool(re.search(r"\d|[一二三四五六七八九十百千万两]+[个项家座条名位次倍]", t))
        has_date = bool(_DATE.search(t))
        after = sentence[c.end : c.end + 4]
        row = [
            math.log1p(len(t)), len(t) / n,
            len(tb & qb) / max(len(tb), 1),
            sum(ch in qchars for ch in t) / max(len(t), 1),
            c.align,
            *(1.0 if c.source == s else 0.0 for s in _SOURCES),
            *(1.0 if kind == k else 0.0 for k in WH_KINDS),
            float(kind == "number" and has_num),
            float(kind == "date" and has_date),
            float(kind == "reason" and bool(_CAUSE.search(t))),
            float(kind == "list" and ("、" in t or "和" in t)),
            float(kind in ("what", "which") and bool(_QUOTED.fullmatch(t))),
            float(has_num), float(has_date),
            float(t[:1] in _FUNC),
            float(bool(noun) and noun in t),
            float(bool(noun) and after.startswith(noun)),
            float(len(t) <= 3), float(len(t) >= 30),
            float(bool(query.unit_kind) and query.unit_kind in unit_kinds_of(t)),
            float(bool(query.unit_kind) and has_num and query.unit_kind not in unit_kinds_of(t)),
            # the question's words right before / after the candidate (「地区生产总值增长」5%)
            len(_bigrams(sentence[max(0, c.start - 8) : c.start]) & qb) / 7.0,
            len(_bigrams(sentence[c.end : c.end + 8]) & qb) / 7.0,
        ]
        row += [1.0 if (kind == k and c.source == s) else 0.0 for k in WH_KINDS for s in _SOURCES]
        dense = (len(t) / n, row[2], math.log1p(len(t)))
        row += [v if kind == k else 0.0 for k in WH_KINDS for v in dense]
        rows.append(row)
    return np.asarray(rows, dtype=np.float64).reshape(len(cands), len(SPAN_FEATURES))


def typed_candidates(query: Query, sentence: str) -> list[SpanCandidate]:
    """The candidates, keeping only those with a figure (a date) for a figure (date)
    question when any has one."""
    cands = span_candidates(query, sentence)
    kind = query.wh.kind if query.wh else ""
    test = {"number": _HAS_NUMBER, "date": _DATE}.get(kind)
    if test is not None:
        # a figure (date) is a short span: the figure itself, or a short aligned gap holding one
        typed = [c for c in cands if test.search(sentence[c.start : c.end])
                 and (c.source in ("number", "date") or c.end - c.start <= 16)]
        if query.unit_kind:
            typed = [c for c in typed if query.unit_kind in unit_kinds_of(
                sentence[c.start : c.end])] or typed
        cands = typed or cands
    return cands


def best_span(query: Query, sentence: str) -> tuple[int, int, float]:
    """The best answer span of `sentence` and the span model's probability for it."""
    cands = typed_candidates(query, sentence)
    model = load_model("span", SPAN_FEATURES)
    if model is None or not cands:
        a, b = _trim(sentence, 0, len(sentence))
        return a, b, 0.5
    p = model.predict_proba(span_features(query, sentence, cands))
    i = int(np.argmax(p))
    return cands[i].start, cands[i].end, float(p[i])


def direct_span(query: Query, sentence: str) -> tuple[int, int]:
    """Offsets of the best answer span in `sentence` (the whole sentence when no model).

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "2024年优良天数256天，比上年增加42天。"
        >>> a, b = direct_span(analyze("2024年空气优良天数是多少？"), s)
        >>> s[a:b]
        '256天'
    """
    a, b, _ = best_span(query, sentence)
    return a, b
