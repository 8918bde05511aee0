"""Fit the answer layer's models on fit halves and print fit vs test figures.

Models (all `rag.answer.model.LinearModel`, saved as small JSON under rag/answer/weights/):
  span        picks the direct-answer span in a sentence (CMRC 2018 gold spans)
  unit        probability that a sentence/clause answers the question
  answerable  calibrated probability that the retrieved evidence answers the question

Data (named, public or in the repo):
  - CMRC 2018 trial set (../shared/cmrc2018, Cui et al. 2019, CC BY-SA 4.0), indexed as its
    own corpus, split by paragraph id (rag.evaluation.splits.split_of);
  - eval/qa.jsonl over the bundled corpus index, split by question id;
  - leave-document-out copies of both: each answerable question asked against the index
    without its evidence document; the right answer is a decline (copies whose evidence
    still appears in another document are left out).

Run: `python eval/train/train_answer_models.py [--save]` with the bundled index built
(`rag index`). It prints per-model fit/test figures and the chosen `answer_threshold`.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from rag.answer.features import QUESTION_FEATURES, UNIT_FEATURES, question_features  # noqa: E402
from rag.answer.model import WEIGHTS_DIR, LinearModel  # noqa: E402
from rag.answer.pipeline import prepare  # noqa: E402
from rag.evaluation.splits import split_of  # noqa: E402
from rag.settings import Settings, get_settings  # noqa: E402


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Example:
    """One question asked against one index: its units' features and labels."""

    source: str  # "qa" or "cmrc"
    split: str  # "fit" or "test"
    answerable: bool  # gold: should the system answer
    X: np.ndarray
    y: np.ndarray  # per unit: does it hold the evidence
    ctx: object
    units: list
    hits: list
    hard: bool  # declined by a hard check (no model involved)


def _collect(question: str, retriever: object, settings: Settings, history: list | None,
             evidence: tuple[str, ...], doc: str | None, answerable: bool, source: str,
             split: str) -> Example:
    p = prepare(question, retriever, settings, settings.answer_candidates, None, history)
    ev = [_squash(e) for e in evidence]
    y = np.array([
        1 if answerable and any(e and (e in _squash(u.text) or (len(_squash(u.text)) >= 8
                                and _squash(u.text) in e)) for e in ev)
        and (doc is None or source == "qa" or u.hit.chunk.source == doc) else 0
        for u in p.units
    ], dtype=np.int64)
    X = p.X if p.X is not None else np.zeros((0, len(UNIT_FEATURES)))
    hard = p.decision.reason in ("no_hits", "place", "year", "entity")
    return Example(source, split, answerable, X, y, p.ctx, p.units, p.hits, hard)


def qa_examples(settings: Settings, lodo: bool) -> list[Example]:
    """eval/qa.jsonl over the bundled index, plus leave-document-out copies."""
    from rag.evaluation.dataset import load_dataset
    from rag.service import RAGService

    svc = RAGService(settings)
    index = svc.index
    svc.warm_up()
    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    out = []
    for it in items:
        out.append(_collect(it.question, index, settings, list(it.history) or None,
                            it.evidence, it.doc, it.answerable, "qa", split_of(it.id)))
    if lodo:
        from rag.index.subset import without_documents

        by_doc: dict[str, list] = {}
        for it in items:
            if it.answerable and it.doc:
                by_doc.setdefault(it.doc, []).append(it)
        docs = {d.source: d.doc_id for d in index.documents.values()}
        for source, group in by_doc.items():
            sub = without_documents(index, {docs[source]})
            blob = _squash("\n".join(c.index_text for c in sub.chunks.values()))
            for it in group:
                if any(_squash(e) in blob for e in it.evidence):
                    continue  # the evidence is elsewhere too: still answerable
                out.append(_collect(it.question, sub, settings, list(it.history) or None,
                                    (), None, False, "qa", split_of(it.id)))
    return out


def cmrc_examples(settings: Settings, lodo: bool, limit: int | None) -> list[Example]:
    """CMRC 2018 trial questions over an index of its paragraphs, plus leave-out copies."""
    from rag.evaluation.squad import load_squad, squad_index
    from rag.index.subset import without_documents

    path = ROOT.parent / "shared" / "cmrc2018" / "cmrc2018_trial.json"
    data = load_squad(path)
    index = squad_index(data, settings)
    items = data.items[:limit] if limit else data.items
    docs = {d.source: d.doc_id for d in index.documents.values()}
    out = []
    by_doc: dict[str, list] = {}
    for it in items:
        out.append(_collect(it.question, index, settings, None, it.evidence, it.doc, True,
                            "cmrc", split_of(it.group or it.id)))
        by_doc.setdefault(it.doc or "", []).append(it)
    if lodo:
        for source, group in by_doc.items():
            if source not in docs:
                continue
            sub = without_documents(index, {docs[source]})
            for it in group:
                out.append(_collect(it.question, sub, settings, None, (), None, False, "cmrc",
                                    split_of(it.group or it.id)))
    return out


def fit_unit(examples: list[Example], C: float) -> LinearModel:
    rows = [e for e in examples if e.split == "fit" and e.answerable and e.y.any()]
    X = np.vstack([e.X for e in rows])
    y = np.concatenate([e.y for e in rows])
    # our own documents weigh as much as the larger CMRC set
    w = np.concatenate([np.full(len(e.y), 4.0 if e.source == "qa" else 1.0) for e in rows])
    return LinearModel(UNIT_FEATURES, C=C).fit(X, y, w)


def unit_top1(model: LinearModel, examples: list[Example], split: str, source: str) -> float:
    rows = [e for e in examples if e.split == split and e.source == source and e.answerable
            and e.y.any()]
    ok = [e.y[int(np.argmax(model.predict_proba(e.X)))] for e in rows]
    return float(np.mean(ok)) if ok else float("nan")


def qrows(model: LinearModel, examples: list[Example]) -> np.ndarray:
    out = []
    for e in examples:
        p = model.predict_proba(e.X) if len(e.units) else np.zeros(0)
        out.append(question_features(e.ctx, e.units, e.X, p, e.hits)[0])  # type: ignore[arg-type]
    return np.array(out)


def _rates(conf: np.ndarray, gold: np.ndarray, th: float) -> dict[str, float]:
    abst = conf < th
    neg = ~gold
    tp = int((abst & neg).sum())
    return {"abstain_precision": tp / max(int(abst.sum()), 1),
            "abstain_recall": tp / max(int(neg.sum()), 1),
            "false_abstention": int((abst & gold).sum()) / max(int(gold.sum()), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--save", action="store_true", help="write rag/answer/weights/*.json")
    ap.add_argument("--no-cmrc", action="store_true")
    ap.add_argument("--no-lodo", action="store_true", help="without leave-document-out copies")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the examples the last run collected (.cache/train/examples.pkl)")
    ap.add_argument("--limit", type=int, default=None, help="CMRC questions (development)")
    args = ap.parse_args()
    settings = get_settings()
    t0 = time.time()
    cache = ROOT / ".cache" / "train" / "examples.pkl"
    if args.reuse and cache.is_file():
        examples = pickle.loads(cache.read_bytes())
    else:
        examples = qa_examples(settings, lodo=not args.no_lodo)
        if not args.no_cmrc:
            examples += cmrc_examples(settings, lodo=not args.no_lodo, limit=args.limit)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(examples))
    print(f"{len(examples)} examples collected in {time.time() - t0:.0f} s", flush=True)

    # 1. The sentence model
    best = None
    for C in (0.03, 0.1, 0.3, 1.0):  # chosen on the fit half
        m = fit_unit(examples, C)
        score = np.mean([unit_top1(m, examples, "fit", s) for s in ("qa", "cmrc")
                         if not (s == "cmrc" and args.no_cmrc)])
        if best is None or score > best[0]:
            best = (score, C, m)
    assert best is not None
    unit = best[2]
    print(f"unit model C={best[1]}: top-1 unit holds the evidence")
    for s in ("qa", "cmrc"):
        print(f"  {s:5s} fit {unit_top1(unit, examples, 'fit', s):.3f}  "
              f"test {unit_top1(unit, examples, 'test', s):.3f}")

    # 2. The answerability model, on questions no hard check declined
    live = [e for e in examples if not e.hard]
    Q = qrows(unit, live)
    gold = np.array([e.answerable for e in live])
    fit = np.array([e.split == "fit" for e in live])
    src = np.array([e.source for e in live])
    w = np.where(src == "qa", 4.0, 1.0)
    # C=0.03 chosen by 5-fold cross-validation within the fit half
    ans = LinearModel(QUESTION_FEATURES, C=0.03).fit(Q[fit], gold[fit].astype(int), w[fit])
    conf = ans.predict_proba(Q)
    # threshold: the highest that keeps false abstention on the fit half at most 4 %
    th = 0.5
    for cand in np.arange(0.95, 0.04, -0.01):
        if all(_rates(conf[fit & (src == s)], gold[fit & (src == s)], cand)["false_abstention"]
               <= 0.04 for s in set(src[fit])):
            th = float(round(cand, 2))
            break
    print(f"answerable model: threshold {th}")
    for s in sorted(set(src)):
        for part, mask in (("fit", fit), ("test", ~fit)):
            sel = mask & (src == s)
            r = _rates(conf[sel], gold[sel], th)
            print(f"  {s:5s} {part:4s} n={int(sel.sum()):4d} " + " ".join(
                f"{k} {v:.3f}" for k, v in r.items()))
    for name, coef in sorted(zip(QUESTION_FEATURES, ans.coef, strict=True),
                             key=lambda t: -abs(t[1])):
        print(f"    {name:16s} {coef:+.3f}")

    if args.save:
        meta = {"data": "eval/qa.jsonl fit half (by question id) + CMRC 2018 trial fit half (by "
                        "paragraph id), with leave-document-out copies",
                "threshold": th}
        unit.meta = dict(meta, C=best[1])
        ans.meta = meta
        unit.save(WEIGHTS_DIR / "unit.json")
        ans.save(WEIGHTS_DIR / "answerable.json")
        print(f"saved unit.json, answerable.json (set answer_threshold = {th})")


if __name__ == "__main__":
    main()
