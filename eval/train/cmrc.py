"""CMRC 2018 (SQuAD-style JSON) for training: paragraphs, questions, gold spans, scoring.

CMRC 2018 (Cui et al., EMNLP 2019), CC BY-SA 4.0, read from ../shared/cmrc2018/.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CmrcQuestion", "load_cmrc", "sentence_of"]

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "cmrc2018"


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


def sentence_of(context: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in re.finditer(r"[。！？!?；;]+[”」』]?|\n", context):
        if m.end() > pos:
            return start, m.end()
        start = m.end()
    return start, len(context)
