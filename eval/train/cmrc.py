"""CMRC 2018 (SQuAD-style JSON) for training: paragraphs, questions, gold spans, scoring.

CMRC 2018 (Cui et al., EMNLP 2019), CC BY-SA 4.0, read from ../shared/cmrc2018/.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CmrcQuestion", "load_cmrc", "cmrc_f1", "cmrc_em", "sentence_of"]

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "cmrc2018"
_PUNCT = set("，。！？；：、“”‘’（）《》〈〉【】『』「」﹃﹄〔〕…—～·,.!?;:()[]{}<>\"'- \t\n")


@dataclass(frozen=True)
class CmrcQuestion:
    qid: str
    pid: str
    question: str
    context: str
    answers: tuple[str, ...]
    start: int


def load_cmrc(*names: str) -> list[CmrcQuestion]:
    out = []
    for name in names or ("cmrc2018_trial.json", "cmrc2018_train_sample.json"):
        data = json.loads((SHARED / name).read_text(encoding="utf-8"))["data"]
        for art in data:
            for p in art["paragraphs"]:
                for qa in p["qas"]:
                    golds = tuple(a["text"] for a in qa["answers"] if a["text"].strip())
                    if golds:
                        out.append(CmrcQuestion(qa["id"], p["id"], qa["question"], p["context"],
                                                golds, int(qa["answers"][0]["answer_start"])))
    return out


def _seg(s: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for ch in s.lower():
        if re.match(r"[\u4e00-\u9fff]", ch) or ch in _PUNCT:
            if buf:
                out.append(buf)
                buf = ""
            out.append(ch)
        else:
            buf += ch
    if buf:
        out.append(buf)
    return [t for t in out if t not in _PUNCT and t.strip()]


def cmrc_f1(pred: str, golds: tuple[str, ...] | list[str]) -> float:
    best = 0.0
    a = _seg(pred)
    for g in golds:
        b = _seg(g)
        c = sum((Counter(a) & Counter(b)).values())
        if c:
            p, r = c / len(a), c / len(b)
            best = max(best, 2 * p * r / (p + r))
    return best


def cmrc_em(pred: str, golds: tuple[str, ...] | list[str]) -> float:
    p = "".join(_seg(pred))
    return float(any(p == "".join(_seg(g)) for g in golds))


def sentence_of(context: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in re.finditer(r"[。！？!?；;]+[”」』]?|\n", context):
        if m.end() > pos:
            return start, m.end()
        start = m.end()
    return start, len(context)
