"""Fit the direct-answer span ranker on CMRC 2018 (fit half by paragraph id), print fit vs test.

Run: `python eval/train/train_span.py [--save]` (writes rag/answer/weights/span.json).

The ranker is a conditional logit (`SoftmaxRanker`): a softmax over each question's
candidates, the candidates that match the gold answer exactly counting as right (the best-F1
ones when none does). Its L2 strength is chosen by 5-fold cross-validation inside the fit
half (folds by paragraph); the test half is scored once, at the end.
"""

from __future__ import annotations

import hashlib
import sys
import timeit
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cmrc import CmrcQuestion, load_cmrc, sentence_of  # noqa: E402

from rag.answer.model import WEIGHTS_DIR, LinearModel, SoftmaxRanker  # noqa: E402
from rag.answer.query import analyze  # noqa: E402
from rag.answer.span import (  # noqa: E402
    SPAN_FEATURES,
    best_span,
    span_candidates,
    span_features,
    typed_candidates,
)
from rag.answer.span_candidates import _aligned_text  # noqa: E402
from rag.answer.span_words import tagged_words  # noqa: E402
from rag.evaluation.cmrc import cmrc_em, cmrc_f1  # noqa: E402
from rag.evaluation.splits import split_of  # noqa: E402

C_GRID = (0.01, 0.03, 0.1)
FOLDS = 5


@dataclass
class Question:
    """One question's candidates over its gold ("oracle") sentence, their features and scores."""

    pid: str
    kind: str
    X: np.ndarray
    f1: np.ndarray
    em: np.ndarray
    any_em: bool  # some candidate of span_candidates (before the figure/date filter) is exact


def build(items: list[CmrcQuestion]) -> list[Question]:
    out = []
    for it in items:
        a, b = sentence_of(it.context, it.start)
        s = it.context[a:b]
        q = analyze(it.question)
        cands = typed_candidates(q, s)
        f1 = np.array([cmrc_f1(s[c.start : c.end], it.answers) for c in cands])
        em = np.array([cmrc_em(s[c.start : c.end], it.answers) for c in cands])
        any_em = any(cmrc_em(s[c.start : c.end], it.answers) for c in span_candidates(q, s))
        out.append(Question(it.pid, q.wh.kind if q.wh else "other",
                            span_features(q, s, cands), f1, em, any_em))
    return out


def targets(qs: list[Question]) -> np.ndarray:
    # the exact candidates are right; without one, the closest (best F1) ones
    ys = []
    for q in qs:
        top = q.f1.max(initial=0.0)
        ys.append(q.em if q.em.max(initial=0) > 0 else ((q.f1 == top) & (top > 0)).astype(float))
    return np.concatenate(ys)


def tied_scale(X: np.ndarray) -> np.ndarray:
    """Each feature's spread, an interaction (`group*f`) taking its base feature's: the L2
    penalty then holds a kind's own weights as firmly as the shared ones."""
    scale = X.std(axis=0)
    at = {f: i for i, f in enumerate(SPAN_FEATURES)}
    for i, f in enumerate(SPAN_FEATURES):
        if "*" in f and f.split("*", 1)[1] in at:
            scale[i] = scale[at[f.split("*", 1)[1]]]
    return scale


def fit(qs: list[Question], C: float) -> LinearModel:
    X = np.vstack([q.X for q in qs])
    groups = np.concatenate([np.full(len(q.f1), i) for i, q in enumerate(qs)])
    return SoftmaxRanker(SPAN_FEATURES, C=C).fit(X, targets(qs), groups, scale=tied_scale(X))


def picks(model: LinearModel, qs: list[Question]) -> list[int]:
    return [int(np.argmax(model.decision(q.X))) for q in qs]


def score(qs: list[Question], chosen: list[int]) -> tuple[float, float]:
    return (100 * float(np.mean([q.f1[i] for q, i in zip(qs, chosen, strict=True)])),
            100 * float(np.mean([q.em[i] for q, i in zip(qs, chosen, strict=True)])))


def cross_validate(qs: list[Question], C: float) -> tuple[float, float]:
    fold = [int(hashlib.md5(q.pid.encode()).hexdigest(), 16) % FOLDS for q in qs]
    chosen = [0] * len(qs)
    for k in range(FOLDS):
        model = fit([q for q, f in zip(qs, fold, strict=True) if f != k], C)
        for i, q in enumerate(qs):
            if fold[i] == k:
                chosen[i] = int(np.argmax(model.decision(q.X)))
    return score(qs, chosen)


def recall(qs: list[Question]) -> tuple[float, float]:
    """Share of questions with an exact candidate: after the figure/date filter, and before."""
    return (float(np.mean([q.em.max(initial=0) > 0 for q in qs])),
            float(np.mean([q.any_em for q in qs])))


def per_kind(qs: list[Question], chosen: list[int]) -> dict[str, tuple[int, float]]:
    got: dict[str, list[float]] = defaultdict(list)
    for q, i in zip(qs, chosen, strict=True):
        got[q.kind].append(float(q.em[i]))
    return {k: (len(v), 100 * float(np.mean(v))) for k, v in sorted(got.items())}


def cost_ms() -> float:
    """Milliseconds `best_span` takes on a typical 60-character sentence (mean over a few
    questions; the per-sentence caches are emptied, as for a sentence seen the first time)."""
    s = ("2024年全县优良天数256天，比上年增加42天，重污染天数减少3天，"
         "PM2.5平均浓度下降到38微克每立方米。")
    qs = [analyze(x) for x in ("2024年全县优良天数多少天？", "PM2.5平均浓度下降到多少？",
                               "哪个指标下降到38微克每立方米？", "重污染天数有什么变化？")]

    def run() -> None:
        for q in qs:
            tagged_words.cache_clear()
            _aligned_text.cache_clear()
            q.spans.clear()  # the per-question memo too
            best_span(q, s)

    run()
    return 1000 * min(timeit.repeat(run, number=50, repeat=3)) / (50 * len(qs))


def main() -> None:
    items = load_cmrc()
    fit_q = build([it for it in items if split_of(it.pid) == "fit"])
    test_q = build([it for it in items if split_of(it.pid) == "test"])
    for name, qs in (("fit", fit_q), ("test", test_q)):
        typed, anyc = recall(qs)
        print(f"candidate recall ({name}): {typed:.3f} typed_candidates, "
              f"{anyc:.3f} span_candidates, {np.mean([len(q.f1) for q in qs]):.0f} per question")
    best = None
    for C in C_GRID:
        cf, ce = cross_validate(fit_q, C)
        print(f"C={C}: 5-fold CV on the fit half F1 {cf:.1f} EM {ce:.1f}")
        if best is None or cf + ce > best[0]:
            best = (cf + ce, C, cf, ce)
    assert best is not None
    _, C, cf, ce = best
    model = fit(fit_q, C)
    ff, fe = score(fit_q, picks(model, fit_q))
    test_pick = picks(model, test_q)
    tf, te = score(test_q, test_pick)
    print(f"oracle sentence, C={C}: fit ({len(fit_q)} q) F1 {ff:.1f} EM {fe:.1f} "
          f"(CV F1 {cf:.1f} EM {ce:.1f}) | test ({len(test_q)} q) F1 {tf:.1f} EM {te:.1f}")
    print("test EM by wh kind: " + ", ".join(
        f"{k} {e:.0f} ({n})" for k, (n, e) in per_kind(test_q, test_pick).items()))
    ranked = sorted(zip(SPAN_FEATURES, model.coef, strict=True), key=lambda t: -abs(t[1]))
    for name, coef in ranked[:12]:
        print(f"  {name:24s} {coef:+.3f}")
    if "--save" in sys.argv:
        model.meta.update({
            "data": "CMRC 2018 trial + train sample, fit half by paragraph id (split_of)",
            "fit_questions": len(fit_q), "oracle_sentence_fit": [round(ff, 1), round(fe, 1)],
            "oracle_sentence_cv": [round(cf, 1), round(ce, 1)],
            "oracle_sentence_test": [round(tf, 1), round(te, 1)],
        })
        path = WEIGHTS_DIR / "span.json"
        model.save(path)
        print(f"saved {path} ({path.stat().st_size / 1024:.1f} KB)")
    serve(model)
    print(f"best_span: {cost_ms():.2f} ms per 60-character sentence")


def serve(model: LinearModel) -> None:
    # best_span with this model (it reads weights/span.json once per process otherwise)
    from rag.answer import model as m

    m._CACHE["span"] = model


if __name__ == "__main__":
    main()
