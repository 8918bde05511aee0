"""Small pure metric functions: ranking, evidence, char-F1, abstention, percentiles."""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

__all__ = [
    "strip_whitespace",
    "strip_citations",
    "contains_evidence",
    "hit_at_k",
    "mrr_at_k",
    "evidence_recall_at_k",
    "normalize_answer",
    "char_f1",
    "abstain_precision_recall",
    "citation_precision",
    "mean",
    "percentile",
]

_WS = re.compile(r"\s+")
_CITATION = re.compile(r"\[\d+(?:\s*[,，、]\s*\d+)*\]")
_EXTRA_PUNCT = set("·～￥…—–‘’“”「」『』【】《》〈〉〔〕")


# Matching evidence inside passages
def strip_whitespace(text: str) -> str:
    """Remove every whitespace character (how passages and evidence are compared).

    Example:
        >>> strip_whitespace("坚 定\\n抓好")
        '坚定抓好'
    """
    return _WS.sub("", text)


def contains_evidence(passage: str, evidence: Sequence[str]) -> bool:
    """True when the passage contains one of the evidence strings (whitespace ignored).

    Example:
        >>> contains_evidence("龙马物流园 正式 揭牌", ["内陆港", "物流园正式揭牌"])
        True
        >>> contains_evidence("龙马物流园正式揭牌", ["内陆港"])
        False
    """
    p = strip_whitespace(passage)
    return any(e and e in p for e in (strip_whitespace(x) for x in evidence))


# Ranking metrics over a list of per-rank relevance flags
def hit_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first `k` results is relevant.

    Example:
        >>> hit_at_k([False, True, False], 1), hit_at_k([False, True, False], 2)
        (0.0, 1.0)
    """
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at_k(relevant: Sequence[bool], k: int) -> float:
    """Reciprocal rank of the first relevant result within the top `k` (0 if none).

    Example:
        >>> mrr_at_k([False, False, True], 10)
        0.3333333333333333
    """
    for i, rel in enumerate(relevant[:k]):
        if rel:
            return 1.0 / (i + 1)
    return 0.0


def evidence_recall_at_k(passages: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """Share of evidence strings found in at least one of the top `k` passages.

    Example:
        >>> evidence_recall_at_k(["甲乙丙", "丁戊"], ["乙丙", "戊", "己"], 2)
        0.6666666666666666
    """
    wanted = [strip_whitespace(e) for e in evidence if strip_whitespace(e)]
    if not wanted:
        return 0.0
    top = [strip_whitespace(p) for p in passages[:k]]
    return sum(any(e in p for p in top) for e in wanted) / len(wanted)


# Answer overlap: SQuAD-style normalisation adapted to Chinese, then per-character F1
def strip_citations(text: str) -> str:
    """Remove citation markers such as `[1]` or `[2, 3]`.

    Example:
        >>> strip_citations("增长6.5%[1]，高于全省[2,3]。")
        '增长6.5%，高于全省。'
    """
    return _CITATION.sub("", text)


def normalize_answer(text: str) -> str:
    """Citations, whitespace and punctuation removed; full-width folded; lower case.

    Example:
        >>> normalize_answer("ＧＤＰ 增长６.５％[1]。")
        'gdp增长65'
    """
    text = unicodedata.normalize("NFKC", strip_citations(text)).lower()
    return "".join(
        ch
        for ch in text
        if not ch.isspace()
        and ch not in string.punctuation
        and ch not in _EXTRA_PUNCT
        and not unicodedata.category(ch).startswith("P")
    )


def char_f1(prediction: str, reference: str) -> float:
    """Character-level F1 (bag of characters) after `normalize_answer`.

    Two empty strings score 1; one empty string scores 0.

    Example:
        >>> round(char_f1("洪洞县GDP增长6%[1]。", "增长6%"), 3)
        0.5
    """
    pred, ref = normalize_answer(prediction), normalize_answer(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


# Abstention: the positive class is "the system abstained"
def abstain_precision_recall(
    abstained: Sequence[bool], unanswerable: Sequence[bool]
) -> tuple[float | None, float | None]:
    """Precision: share of abstentions that were on unanswerable questions.
    Recall: share of unanswerable questions abstained on. `None` where undefined.

    Example:
        >>> abstain_precision_recall([True, True, False], [True, False, True])
        (0.5, 0.5)
        >>> abstain_precision_recall([False, False], [False, False])
        (None, None)
    """
    if len(abstained) != len(unanswerable):
        raise ValueError("abstained and unanswerable must have the same length")
    tp = sum(a and u for a, u in zip(abstained, unanswerable, strict=True))
    n_abstained, n_unanswerable = sum(abstained), sum(unanswerable)
    precision = tp / n_abstained if n_abstained else None
    recall = tp / n_unanswerable if n_unanswerable else None
    return precision, recall


def citation_precision(supported: Sequence[bool]) -> float | None:
    """Share of citations whose passage contains evidence (`None` with no citations).

    Example:
        >>> citation_precision([True, False, True, True])
        0.75
    """
    return sum(supported) / len(supported) if supported else None


# Aggregates
def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, `None` for no values.

    Example:
        >>> mean([1.0, 0.0, 0.5])
        0.5
    """
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """The `p`-th percentile (0-100) with linear interpolation, like numpy's default.

    Example:
        >>> percentile([10, 20, 30, 40], 50)
        25.0
        >>> percentile([10, 20, 30, 40], 95)
        38.5
    """
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))
