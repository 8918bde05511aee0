"""What the answer layer costs per question, next to retrieval measured in the same run.

Run: `python eval/bench/bench_answer.py [--index-dir index]`. For every eval question it asks
once through `RAGService.ask` and reads the pipeline's own timings: `retrieve` (search),
`judge` (candidate units, features, the sentence and answerability models) and `answer`
(direct span and composition). Baseline: the same questions through `RAGService.search` alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rag.evaluation.dataset import load_dataset  # noqa: E402
from rag.service import RAGService  # noqa: E402
from rag.settings import Settings  # noqa: E402


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", default="index")
    args = ap.parse_args()
    svc = RAGService(Settings(index_dir=Path(args.index_dir)))
    svc.warm_up()
    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    parts: dict[str, list[float]] = {"retrieve": [], "judge": [], "answer": [], "total": []}
    search: list[float] = []
    for it in items:
        t = time.perf_counter()
        svc.search(it.question, top_k=10)
        search.append((time.perf_counter() - t) * 1000)
        ans = svc.ask(it.question, top_k=10, history=list(it.history) or None)
        for k in parts:
            parts[k].append(float(ans.timings_ms.get(k, 0.0)))
    print(f"{len(items)} questions, ms per question (p50 / p95 / mean)")
    print(f"  baseline search alone     {_pct(search, 50):6.1f} / {_pct(search, 95):6.1f} / "
          f"{statistics.mean(search):6.1f}")
    for k, v in parts.items():
        print(f"  ask: {k:20s} {_pct(v, 50):6.1f} / {_pct(v, 95):6.1f} / {statistics.mean(v):6.1f}")
    scorer = [j + a for j, a in zip(parts["judge"], parts["answer"], strict=True)]
    ratio = statistics.mean(scorer) / statistics.mean(search)
    print(f"  answer layer (judge + answer) = {ratio:.2f}x search, "
          f"mean {statistics.mean(scorer):.1f} ms")


if __name__ == "__main__":
    main()
