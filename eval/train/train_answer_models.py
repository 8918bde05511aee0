"""Fit the answer layer's models on fit halves and print fit vs test figures.

Models (all `rag.answer.model.LinearModel`, saved as small JSON under rag/answer/weights/):
  unit        which candidate unit (sentence or clause) holds the answer: a conditional logit
              over each question's units, Platt-scaled to a probability
  rerank      the same over the five likeliest units, read with the span model
  answerable  calibrated probability that the retrieved evidence answers the question
(The direct-answer span model is fitted by train_span.py.)

Data (named, public or in the repo; see answer_data.py): eval/qa.jsonl over the bundled corpus
index split by question id, the CMRC 2018 trial set (../shared/cmrc2018, Cui et al. 2019,
CC BY-SA 4.0) indexed as its own corpus split by paragraph id, and leave-document-out copies
of both (gold: decline). Only the fit halves are fitted on; C is chosen by 4-fold
cross-validation inside the fit half, the threshold on the fit halves.

Run: `python eval/train/train_answer_models.py [--reuse] [--save]` with the bundled index built
(`rag index`). The first run searches every question (a few minutes) and caches the results;
`--reuse` refits from the cache. It prints per-model fit/test figures, the chosen
`answer_threshold` (set it in rag/settings.py) and, as a check on it, the fit halves' decline
figures out of fold (the whole stack refitted without each of 4 folds).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from answer_data import Example, collect, featurize  # noqa: E402

from rag.answer.features import QUESTION_FEATURES, UNIT_FEATURES, question_features  # noqa: E402
from rag.answer.model import WEIGHTS_DIR, LinearModel  # noqa: E402
from rag.answer.rerank import RERANK_FEATURES, TOP_K, rerank_features, rescore  # noqa: E402
from rag.settings import get_settings  # noqa: E402


def fit_unit(examples: list[Example], C: float) -> LinearModel:
    """The sentence model: a conditional logit over each question's units (which one holds
    the evidence), scaled to a probability."""
    rows = [e for e in examples if e.split == "fit" and e.answerable and e.y.any()]
    X = np.vstack([e.X for e in rows])
    y = np.concatenate([e.y for e in rows])
    groups = np.concatenate([np.full(len(e.y), i) for i, e in enumerate(rows)])
    # our own documents weigh as much as the larger CMRC set
    w = np.array([4.0 if e.source == "qa" else 1.0 for e in rows])
    return LinearModel(UNIT_FEATURES, C=C).fit_ranker(X, y, groups, w)


def unit_top1(model: LinearModel, examples: list[Example], split: str, source: str) -> float:
    rows = [e for e in examples if e.split == split and e.source == source and e.answerable
            and e.y.any()]
    ok = [e.y[int(np.argmax(model.decision(e.X)))] for e in rows]
    return float(np.mean(ok)) if ok else float("nan")


def reread(unit: LinearModel, examples: list[Example]) -> list[tuple[list[int], np.ndarray]]:
    """Per example: the units the rerank step reads (stage-1 top `TOP_K`) and their features."""
    out: list[tuple[list[int], np.ndarray]] = []
    for e in examples:
        if not len(e.units):
            out.append(([], np.zeros((0, len(RERANK_FEATURES)))))
            continue
        p = unit.predict_proba(e.X)
        top = [int(i) for i in np.argsort(-p)[:TOP_K]]
        out.append((top, rerank_features(e.ctx, e.units, p, top)))
    return out


def fit_rerank(examples: list[Example], reads: list[tuple[list[int], np.ndarray]],
               C: float) -> LinearModel:
    """The rerank model: a conditional logit over each question's reread units."""
    rows = [(e, top, R) for e, (top, R) in zip(examples, reads, strict=True)
            if e.split == "fit" and e.answerable and len(top) and e.y[top].any()]
    X = np.vstack([R for _, _, R in rows])
    y = np.concatenate([e.y[top] for e, top, _ in rows])
    groups = np.concatenate([np.full(len(top), i) for i, (_, top, _) in enumerate(rows)])
    w = np.array([4.0 if e.source == "qa" else 1.0 for e, _, _ in rows])
    return LinearModel(RERANK_FEATURES, C=C).fit_ranker(X, y, groups, w)


def rerank_top1(model: LinearModel | None, examples: list[Example],
                reads: list[tuple[list[int], np.ndarray]], split: str, source: str) -> float:
    ok = []
    for e, (top, R) in zip(examples, reads, strict=True):
        if e.split != split or e.source != source or not e.answerable or not e.y.any():
            continue
        if not top:
            ok.append(0)
            continue
        pick = top[int(np.argmax(model.decision(R)))] if model is not None else top[0]
        ok.append(int(e.y[pick]))
    return float(np.mean(ok)) if ok else float("nan")


def qrows(unit: LinearModel, rr: LinearModel, examples: list[Example],
          reads: list[tuple[list[int], np.ndarray]]) -> np.ndarray:
    """Question features as `judge` computes them: stage-1, then rerank probabilities."""
    out = []
    for e, (top, R) in zip(examples, reads, strict=True):
        p = unit.predict_proba(e.X) if len(e.units) else np.zeros(0)
        if top:
            p2 = rr.predict_proba(R)
            p = rescore(p, top, p2)
            R = R[np.argsort(-p2)]
        out.append(question_features(e.ctx, e.units, e.X, p, e.hits, R)[0])
    return np.array(out)


def _rates(conf: np.ndarray, gold: np.ndarray, th: float) -> dict[str, float]:
    abst = conf < th
    neg = ~gold
    tp = int((abst & neg).sum())
    return {"abstain_precision": tp / max(int(abst.sum()), 1),
            "abstain_recall": tp / max(int(neg.sum()), 1),
            "false_abstention": int((abst & gold).sum()) / max(int(gold.sum()), 1)}


def _folds(examples: list[Example], k: int = 4) -> list[int]:
    # Cross-validation folds within the fit half, by question (copies go with their original)
    return [int(hashlib.sha1(e.sample.qid.encode()).hexdigest(), 16) % k for e in examples]


def choose_unit_c(examples: list[Example], grid: tuple[float, ...]) -> float:
    """The unit model's C with the best 4-fold cross-validated top-1 on the fit half."""
    fit = [e for e in examples if e.split == "fit"]
    fold = _folds(fit)
    best = (-1.0, grid[0])
    for C in grid:
        scores = []
        for f in range(4):
            train = [e for e, g in zip(fit, fold, strict=True) if g != f]
            held = [e for e, g in zip(fit, fold, strict=True) if g == f]
            m = fit_unit(train, C)
            scores += [np.mean([unit_top1(m, held, "fit", s) for s in sorted({e.source
                                for e in held})])]
        score = float(np.mean(scores))
        print(f"  unit C={C}: cross-validated top-1 {score:.3f}")
        if score > best[0]:
            best = (score, C)
    return best[1]


def choose_rerank_c(examples: list[Example], unit_c: float, grid: tuple[float, ...]) -> float:
    """The rerank model's C with the best 4-fold cross-validated top-1 on the fit half (the
    unit model refitted in each fold, so the reread units are out of fold too)."""
    fit = [e for e in examples if e.split == "fit"]
    fold = _folds(fit)
    scores: dict[float, list[float]] = {C: [] for C in grid}
    for f in range(4):
        train = [e for e, g in zip(fit, fold, strict=True) if g != f]
        held = [e for e, g in zip(fit, fold, strict=True) if g == f]
        unit = fit_unit(train, unit_c)
        r_train, r_held = reread(unit, train), reread(unit, held)
        for C in grid:
            rr = fit_rerank(train, r_train, C)
            scores[C].append(float(np.nanmean([rerank_top1(rr, held, r_held, "fit", s)
                                               for s in sorted({e.source for e in held})])))
    for C in grid:
        print(f"  rerank C={C}: cross-validated top-1 {np.mean(scores[C]):.3f}")
    return max(grid, key=lambda C: float(np.mean(scores[C])))


def report_declines(conf: np.ndarray, examples: list[Example], th: float,
                    parts: tuple[str, ...] = ("fit", "test")) -> None:
    """Per source and half: answerable questions declined (false abstention), the share
    declined of the unanswerable ones and of the leave-document-out copies, and how well the
    confidence separates answerable from not (ROC AUC, threshold-free)."""
    from sklearn.metrics import roc_auc_score

    print("  source half   false_abst  declined: unanswerable      doc-out    AUC")
    for s_name in ("qa", "cmrc"):
        for part in parts:
            def share(pick: Callable[[Example], bool], s_name: str = s_name,
                      part: str = part) -> str:
                sel = [c < th for c, e in zip(conf, examples, strict=True)
                       if e.source == s_name and e.split == part and pick(e)]
                return f"{np.mean(sel):.3f} ({len(sel)})" if sel else "—"

            sel = [i for i, e in enumerate(examples) if e.source == s_name and e.split == part]
            auc = roc_auc_score([examples[i].answerable for i in sel], conf[sel])
            print(f"  {s_name:6s} {part:5s} {share(lambda e: e.answerable):>11s}  "
                  f"{share(lambda e: not e.answerable and not e.sample.copy):>13s}  "
                  f"{share(lambda e: e.sample.copy):>11s}  {auc:.3f}")


def fit_answerable(Q: np.ndarray, live: list[Example]) -> LinearModel:
    """The answerability model on the fit half's live questions (qa.jsonl weighs 4x)."""
    fit = np.array([e.split == "fit" for e in live])
    gold = np.array([e.answerable for e in live]).astype(int)
    w = np.array([4.0 if e.source == "qa" else 1.0 for e in live])
    # C=0.03 chosen by 5-fold cross-validation within the fit half
    return LinearModel(QUESTION_FEATURES, C=0.03).fit(Q[fit], gold[fit], w[fit])


def out_of_fold_confidence(examples: list[Example], unit_c: float, rr_c: float) -> np.ndarray:
    """Each fit-half question's confidence from the whole stack (unit, rerank, answerable
    models) fitted without its fold: what the models say of questions they never saw (the
    in-sample confidences are higher on the questions fitted, qa.jsonl's most). Hard-check
    declines get 0, the test halves nan."""
    conf = np.full(len(examples), np.nan)
    fold = _folds(examples)
    fit_idx = [i for i, e in enumerate(examples) if e.split == "fit"]
    for f in range(4):
        train = [examples[i] for i in fit_idx if fold[i] != f]
        unit = fit_unit(train, unit_c)
        r_train = reread(unit, train)
        rr = fit_rerank(train, r_train, rr_c)
        live = [k for k, e in enumerate(train) if not e.hard]
        ans = fit_answerable(qrows(unit, rr, [train[k] for k in live], [r_train[k] for k in live]),
                             [train[k] for k in live])
        held = [i for i in fit_idx if fold[i] == f]
        conf[held] = 0.0
        if held_live := [i for i in held if not examples[i].hard]:
            he = [examples[i] for i in held_live]
            conf[held_live] = ans.predict_proba(qrows(unit, rr, he, reread(unit, he)))
    return conf


def choose_threshold(conf: np.ndarray, examples: list[Example]) -> float:
    """The threshold that best trades declines for answers on the fit halves: per source,
    the share of unanswerable questions declined minus four times the share of answerable
    ones declined (a wrong decline costs four missed ones), summed over the sources (qa.jsonl
    weighs as much as CMRC), then averaged over the neighbouring thresholds (±0.04), so the
    choice sits inside a good range rather than at the edge of a plateau a few questions make."""
    gold = np.array([e.answerable for e in examples])
    fit = np.array([e.split == "fit" for e in examples])
    src = np.array([e.source for e in examples])
    grid = np.round(np.arange(0.02, 0.9, 0.02), 2)
    raw = []
    print("  threshold   " + "   ".join(f"{s}: FA / decline" for s in sorted(set(src))))
    for th in grid:
        score, cells = 0.0, []
        for s in sorted(set(src[fit])):
            r = _rates(conf[fit & (src == s)], gold[fit & (src == s)], th)
            score += r["abstain_recall"] - 4 * r["false_abstention"]
            cells.append(f"{r['false_abstention']:.3f} / {r['abstain_recall']:.3f}")
        raw.append(score)
        if th * 50 % 5 == 0:
            print(f"  {th:9.2f}   " + "   ".join(cells) + f"   score {score:+.3f}")
    smooth = [float(np.mean(raw[max(i - 2, 0) : i + 3])) for i in range(len(raw))]
    return float(grid[int(np.argmax(smooth))])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--save", action="store_true", help="write rag/answer/weights/*.json")
    ap.add_argument("--no-cmrc", action="store_true")
    ap.add_argument("--no-lodo", action="store_true", help="without leave-document-out copies")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the last run's retrieval (.cache/train/retrieved.pkl)")
    args = ap.parse_args()
    settings = get_settings()
    t0 = time.time()
    samples = collect(settings, reuse=args.reuse, cmrc=not args.no_cmrc, lodo=not args.no_lodo)
    print(f"{len(samples)} questions searched in {time.time() - t0:.0f} s", flush=True)
    t0 = time.time()
    examples = [featurize(s, settings) for s in samples]
    print(f"answer layer run on them in {time.time() - t0:.0f} s", flush=True)

    # 1. The sentence model
    C = choose_unit_c(examples, (0.3, 1.0, 10.0))
    unit = fit_unit(examples, C)
    print(f"unit model (C={C}): top-1 unit holds the evidence")
    for src_name in ("qa", "cmrc"):
        print(f"  {src_name:5s} fit {unit_top1(unit, examples, 'fit', src_name):.3f}  "
              f"test {unit_top1(unit, examples, 'test', src_name):.3f}")

    # 2. The rerank model over the stage-1 top units
    t0 = time.time()
    reads = reread(unit, examples)
    rr_c = choose_rerank_c(examples, C, (0.01, 0.03, 0.1, 0.3, 1.0))
    rr = fit_rerank(examples, reads, rr_c)
    print(f"rerank model (C={rr_c}; top {TOP_K} units reread, {time.time() - t0:.0f} s): "
          "top-1 unit holds the evidence")
    for src_name in ("qa", "cmrc"):
        print(f"  {src_name:5s} fit {rerank_top1(rr, examples, reads, 'fit', src_name):.3f}  "
              f"test {rerank_top1(rr, examples, reads, 'test', src_name):.3f}")
    for name, coef in zip(RERANK_FEATURES, rr.coef, strict=True):
        print(f"    {name:16s} {coef:+.3f}")

    # 3. The answerability model, on questions no hard check declined
    live_idx = [i for i, e in enumerate(examples) if not e.hard]
    live = [examples[i] for i in live_idx]
    Q = qrows(unit, rr, live, [reads[i] for i in live_idx])
    ans = fit_answerable(Q, live)
    # the threshold, on the fit halves, counting questions a hard check declined as declined
    conf = np.zeros(len(examples))
    conf[live_idx] = ans.predict_proba(Q)
    th = choose_threshold(conf, examples)
    print(f"answerable model: threshold {th} (all questions, hard-check declines included)")
    report_declines(conf, examples, th)
    # what the fit halves' figures are on questions the stack was not fitted on
    oof = out_of_fold_confidence(examples, C, rr_c)
    print("  the fit halves out of fold (4 folds by question, the whole stack refitted):")
    report_declines(oof, examples, th, parts=("fit",))
    for name, coef in sorted(zip(QUESTION_FEATURES, ans.coef, strict=True),
                             key=lambda t: -abs(t[1])):
        print(f"    {name:16s} {coef:+.3f}")

    if args.save:
        meta = {"data": "eval/qa.jsonl fit half (by question id) + CMRC 2018 trial fit half (by "
                        "paragraph id), with leave-document-out copies",
                "threshold": th}
        unit.meta = dict(meta, C=C)
        ans.meta = meta
        unit.save(WEIGHTS_DIR / "unit.json")
        rr.meta = dict(meta, C=rr_c)
        rr.save(WEIGHTS_DIR / "rerank.json")
        ans.save(WEIGHTS_DIR / "answerable.json")
        print(f"saved unit.json, rerank.json, answerable.json (set answer_threshold = {th})")


if __name__ == "__main__":
    # Reproducible: sums over sets of strings follow Python's per-process hash order, and the
    # last bits of those sums can move a threshold that sits on a plateau
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    main()
