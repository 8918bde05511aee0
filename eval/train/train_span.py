"""Fit the direct-answer span model on CMRC 2018 (fit half by paragraph id), print fit vs test.

Run: `python eval/train/train_span.py [--save]` (writes rag/answer/weights/span.json).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cmrc import load_cmrc, sentence_of  # noqa: E402

from rag.answer.model import WEIGHTS_DIR, LinearModel  # noqa: E402
from rag.answer.query import analyze  # noqa: E402
from rag.answer.span import SPAN_FEATURES, span_features, typed_candidates  # noqa: E402
from rag.evaluation.cmrc import cmrc_em, cmrc_f1  # noqa: E402
from rag.evaluation.splits import split_of  # noqa: E402


def rows(items):
    X, y, w, groups = [], [], [], []
    for gi, it in enumerate(items):
        a, b = sentence_of(it.context, it.start)
        s = it.context[a:b]
        q = analyze(it.question)
        cands = typed_candidates(q, s)
        f = span_features(q, s, cands)
        f1 = [cmrc_f1(s[c.start:c.end], it.answers) for c in cands]
        top = max(f1)
        for v, row in zip(f1, f, strict=True):
            # label: the candidate (or candidates) closest to the gold answer
            X.append(row)
            y.append(int(top > 0 and v == top))
            w.append(1.0)
            groups.append(gi)
    return np.array(X), np.array(y), np.array(w), groups


def score(model, items):
    F = E = 0.0
    for it in items:
        a, b = sentence_of(it.context, it.start)
        s = it.context[a:b]
        q = analyze(it.question)
        cands = typed_candidates(q, s)
        p = model.predict_proba(span_features(q, s, cands))
        c = cands[int(np.argmax(p))]
        pred = s[c.start:c.end]
        F += cmrc_f1(pred, it.answers)
        E += cmrc_em(pred, it.answers)
    return 100 * F / len(items), 100 * E / len(items)


def main() -> None:
    items = load_cmrc()
    fit = [it for it in items if split_of(it.pid) == "fit"]
    test = [it for it in items if split_of(it.pid) == "test"]
    X, y, w, _ = rows(fit)
    best = None
    for C in (0.1, 0.3, 1.0):
        m = LinearModel(SPAN_FEATURES, C=C).fit(X, y, w)
        f, e = score(m, fit)
        print(f"C={C}: fit F1 {f:.1f} EM {e:.1f}")
        if best is None or f > best[0]:
            best = (f, C, m)
    assert best is not None
    m = best[2]
    ff, fe = score(m, fit)
    tf, te = score(m, test)
    print(f"oracle sentence, C={best[1]}: fit ({len(fit)} q) F1 {ff:.1f} EM {fe:.1f} | "
          f"test ({len(test)} q) F1 {tf:.1f} EM {te:.1f}")
    ranked = sorted(zip(SPAN_FEATURES, m.coef, strict=True), key=lambda t: -abs(t[1]))
    for name, coef in ranked[:12]:
        print(f"  {name:20s} {coef:+.3f}")
    if "--save" in sys.argv:
        m.meta = {"data": "CMRC 2018 trial + train sample, fit half by paragraph id (split_of)",
                  "fit_questions": len(fit), "oracle_sentence_fit": [round(ff, 1), round(fe, 1)],
                  "oracle_sentence_test": [round(tf, 1), round(te, 1)]}
        m.save(WEIGHTS_DIR / "span.json")
        print("saved", WEIGHTS_DIR / "span.json")


if __name__ == "__main__":
    main()
