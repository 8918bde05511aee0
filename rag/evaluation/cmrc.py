"""CMRC 2018's official answer scoring: mixed segmentation, LCS-based F1 and exact match.

Follows the official `cmrc2018_evaluate.py` (v5): lower-case, CJK characters and the listed
punctuation are single segments, other runs (Latin, digits) are word-tokenised; punctuation
is removed; F1 is over the longest common run of segments; both are the max over the gold
answers. The official script word-tokenises Latin runs with nltk; a regex with the same
effect on words, numbers and punctuation stands in for it here (no nltk data needed).
CMRC 2018: Cui et al., EMNLP 2019, CC BY-SA 4.0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["mixed_segmentation", "remove_punctuation", "cmrc_f1", "cmrc_em"]

# The official script's punctuation list ("……" is two characters there, so never one char)
_SP_CHARS = frozenset("-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』")
_CJK = re.compile(r"[\u4e00-\u9fa5]")
# Stand-in for nltk.word_tokenize: words and numbers (with inner . , ') whole, other marks alone
_WORD = re.compile(r"[^\W_]+(?:[.,'][^\W_]+)*|[^\w\s]|_")


def _word_tokenize(run: str) -> list[str]:
    return _WORD.findall(run)


def mixed_segmentation(text: str, rm_punc: bool = False) -> list[str]:
    """CJK characters one by one, Latin/digit runs as words; punctuation dropped if `rm_punc`.

    Example:
        >>> mixed_segmentation("2015年发布iPhone 6s。", rm_punc=True)
        ['2015', '年', '发', '布', 'iphone', '6s']
    """
    segs: list[str] = []
    run = ""
    for ch in str(text).lower().strip():
        if rm_punc and ch in _SP_CHARS:
            continue
        if _CJK.match(ch) or ch in _SP_CHARS:
            if run:
                segs.extend(_word_tokenize(run))
                run = ""
            segs.append(ch)
        else:
            run += ch
    if run:
        segs.extend(_word_tokenize(run))
    return segs


def remove_punctuation(text: str) -> str:
    """Lower-cased, stripped, the official punctuation list removed (how EM compares).

    Example:
        >>> remove_punctuation(" 《泡泡堂》 ")
        '泡泡堂'
    """
    return "".join(ch for ch in str(text).lower().strip() if ch not in _SP_CHARS)


def _lcs_len(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common contiguous run of segments."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                if cur[j + 1] > best:
                    best = cur[j + 1]
        prev = cur
    return best


def cmrc_f1(pred: str, golds: Sequence[str]) -> float:
    """CMRC F1 in 0..1 (multiply by 100 for CMRC's scale): best over the gold answers.

    Example:
        >>> cmrc_f1("踢爆", ["踢爆"]), round(cmrc_f1("被踢爆了", ["踢爆"]), 3)
        (1.0, 0.667)
        >>> cmrc_f1("", ["踢爆"]), cmrc_f1("任何", [])
        (0.0, 0.0)
    """
    pred_segs = mixed_segmentation(pred, rm_punc=True)
    best = 0.0
    for gold in golds:
        gold_segs = mixed_segmentation(gold, rm_punc=True)
        common = _lcs_len(gold_segs, pred_segs)
        if common == 0:
            continue
        precision, recall = common / len(pred_segs), common / len(gold_segs)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def cmrc_em(pred: str, golds: Sequence[str]) -> float:
    """CMRC exact match (1.0 or 0.0): equal to a gold answer once punctuation is removed.

    Example:
        >>> cmrc_em("《踢爆》", ["踢爆"]), cmrc_em("踢爆了", ["踢爆"])
        (1.0, 0.0)
    """
    p = remove_punctuation(pred)
    return 1.0 if any(remove_punctuation(g) == p for g in golds) else 0.0
