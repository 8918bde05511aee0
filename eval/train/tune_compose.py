"""Choose composition's supporting-sentence bar on the fit half of eval/qa.jsonl; print fit
vs test.

A broad answer (progress, a list without its block) quotes its best sentence, then others at
least `SUPPORT_SHARE` times as likely (and at least `_FLOOR`), up to `max_answer_sentences`.
This grid-searches the two on the fit half by answer char-F1 against the reference answers
(answerable questions; a declined one scores 0) and prints both halves for each setting; the
test half is never used to choose.

Run: `python eval/train/tune_compose.py` with the bundled index built (`rag index`).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rag.answer import compose  # noqa: E402
from rag.evaluation.dataset import load_dataset  # noqa: E402
from rag.evaluation.metrics import char_f1  # noqa: E402
from rag.evaluation.splits import split_of  # noqa: E402
from rag.service import RAGService  # noqa: E402
from rag.settings import get_settings  # noqa: E402

SHARES = (0.3, 0.45, 0.6, 0.75, 0.9)
MAX_SENTENCES = (2, 3, 5)


def main() -> None:
    settings = get_settings()
    items = [it for it in load_dataset(Path(__file__).resolve().parents[2] / "eval" / "qa.jsonl")
             if it.answerable]
    results: dict[tuple[float, int], dict[str, float]] = {}
    print("share  max  fit F1  test F1")
    for share, most in itertools.product(SHARES, MAX_SENTENCES):
        compose.SUPPORT_SHARE = share
        svc = RAGService(settings.model_copy(update={"max_answer_sentences": most}))
        f1: dict[str, list[float]] = {"fit": [], "test": []}
        for it in items:
            a = svc.ask(it.question, history=list(it.history) or None)
            f1[split_of(it.id)].append(char_f1(a.answer, it.answer) if a.answerable else 0.0)
        results[(share, most)] = {k: float(np.mean(v)) for k, v in f1.items()}
        print(f"{share:5.2f}  {most:3d}  {results[(share, most)]['fit']:.3f}   "
              f"{results[(share, most)]['test']:.3f}")
    best = max(results, key=lambda k: results[k]["fit"])
    print(f"best on the fit half: SUPPORT_SHARE={best[0]}, max_answer_sentences={best[1]} "
          f"(fit {results[best]['fit']:.3f}, test {results[best]['test']:.3f})")


if __name__ == "__main__":
    main()
