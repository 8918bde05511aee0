"""Calibrate `abstain_threshold` on an eval set: false-abstention vs false-answer per threshold.

Run: `python -m rag.answer.calibrate [eval/qa.jsonl]` (uses the index in settings).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from rag.answer.pipeline import answer_question
from rag.settings import Settings, get_settings

__all__ = ["Outcome", "collect", "sweep", "main"]

THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


@dataclass
class Outcome:
    """One question answered with the threshold at 0: what a threshold would decide."""

    id: str
    answerable: bool  # per the eval set
    hard_abstain: bool  # place/year/entity abstention (independent of the threshold)
    evidence: float
    cites_evidence: bool  # some citation's passage contains an evidence string


def collect(items: list[Any], index: Any, settings: Settings, top_k: int = 5) -> list[Outcome]:
    """Answer every item with the threshold off and record its evidence score."""
    s = settings.model_copy(update={"abstain_threshold": 0.0})
    out: list[Outcome] = []
    for it in items:
        ans = answer_question(it.question, index, s, top_k=top_k, history=list(it.history))
        squash = [c.text.replace(" ", "").replace("\n", "") for c in ans.citations]
        cited = any(e.replace(" ", "") in t for e in it.evidence for t in squash)
        out.append(Outcome(it.id, it.answerable, not ans.answerable,
                           ans.evidence, cited))
    return out


def sweep(
    outcomes: list[Outcome], thresholds: tuple[float, ...] = THRESHOLDS
) -> list[dict[str, float]]:
    """Rates per threshold: false-answer (unanswerable answered), false-abstention
    (answerable abstained), and false abstentions whose answer would have cited evidence.

    Example:
        >>> sweep([Outcome("a", True, False, 0.5, True), Outcome("b", False, False, 0.1, False)],
        ...       (0.2,))[0]["false_answer"]
        0.0
    """
    pos = [o for o in outcomes if o.answerable]
    neg = [o for o in outcomes if not o.answerable]
    rows = []
    for th in thresholds:
        fa = sum(1 for o in neg if not o.hard_abstain and o.evidence >= th)
        fab = [o for o in pos if o.hard_abstain or o.evidence < th]
        rows.append({"threshold": th, "false_answer": fa / max(len(neg), 1),
                     "false_abstention": len(fab) / max(len(pos), 1),
                     "lost_cited": float(sum(o.cites_evidence for o in fab))})
    return rows


def main(argv: list[str] | None = None) -> None:
    from rag.evaluation.dataset import load_dataset
    from rag.service import RAGService

    args = sys.argv[1:] if argv is None else argv
    settings = get_settings()
    items = load_dataset(args[0] if args else "eval/qa.jsonl")
    outcomes = collect(items, RAGService(settings).index, settings)
    print(f"{len(outcomes)} questions; current abstain_threshold={settings.abstain_threshold}")
    print("threshold  false-answer  false-abstention  (of which would have cited evidence)")
    for r in sweep(outcomes):
        print(f"{r['threshold']:9.2f}  {r['false_answer']:12.3f}  {r['false_abstention']:16.3f}"
              f"  {int(r['lost_cited'])}")


if __name__ == "__main__":
    main()
