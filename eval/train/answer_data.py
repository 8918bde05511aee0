"""Training data for the answer models: questions asked once, their retrieval cached.

Each `Sample` is one question asked against one index (the whole index, or the index without
the question's document: a leave-document-out copy whose right answer is a decline). Its
`Retrieved` record (rewritten question, passages, term statistics) is what the answer layer
starts from, so refitting the models after a feature change re-runs only `judge`, not search.

Data (named, public or in the repo):
  - eval/qa.jsonl over the bundled corpus index, split by question id;
  - CMRC 2018 trial set (../shared/cmrc2018, Cui et al. 2019, CC BY-SA 4.0), indexed as its
    own corpus, split by paragraph id (rag.evaluation.splits.split_of);
  - leave-document-out copies of both (qa copies whose evidence still appears in another
    document are left out: they are still answerable).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer.features import UNIT_FEATURES
from rag.answer.pipeline import Retrieved, judge, retrieve
from rag.evaluation.splits import split_of
from rag.settings import Settings
from rag.text.question_form import normalize_question

__all__ = ["Sample", "Example", "collect", "featurize", "ROOT"]

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "train" / "retrieved.pkl"


def _squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Sample:
    """One question asked against one index, before the answer layer."""

    qid: str
    source: str  # "qa" or "cmrc"
    split: str  # "fit" or "test"
    answerable: bool  # gold: should the system answer
    evidence: tuple[str, ...]  # strings a supporting unit contains (gold answers for CMRC)
    doc: str | None  # the unit must come from this document (CMRC), else None
    retrieved: Retrieved
    copy: bool = False  # a leave-document-out copy


@dataclass
class Example:
    """A sample after the answer layer: its units' features and labels."""

    sample: Sample
    X: np.ndarray
    y: np.ndarray  # per unit: does it hold the evidence
    ctx: Any
    units: list[Any]
    hits: list[Any]
    hard: bool  # declined by a hard check (no model involved)
    prepared: Any = None

    @property
    def source(self) -> str:
        return self.sample.source

    @property
    def split(self) -> str:
        return self.sample.split

    @property
    def answerable(self) -> bool:
        return self.sample.answerable


def _typed(question: str) -> str:
    # the question as RAGService.check_question hands it on (simplified, half-width)
    return normalize_question(question.strip())


def featurize(s: Sample, settings: Settings) -> Example:
    """Run the answer layer's judge step on a sample and label its units."""
    p = judge(s.retrieved, settings)
    ev = [_squash(e) for e in s.evidence]
    y = np.array([
        1 if s.answerable and any(e and (e in _squash(u.text) or (len(_squash(u.text)) >= 8
                                  and _squash(u.text) in e)) for e in ev)
        and (s.doc is None or u.hit.chunk.source == s.doc) else 0
        for u in p.units
    ], dtype=np.int64)
    X = p.X if p.X is not None else np.zeros((0, len(UNIT_FEATURES)))
    hard = p.decision.reason in ("no_hits", "place", "year", "entity")
    return Example(s, X, y, p.ctx, p.units, p.hits[: settings.answer_candidates], hard, p)


def _qa(settings: Settings, lodo: bool) -> list[Sample]:
    from rag.evaluation.dataset import load_dataset
    from rag.index.subset import without_documents
    from rag.service import RAGService

    svc = RAGService(settings)
    index = svc.index
    svc.warm_up()
    items = load_dataset(ROOT / "eval" / "qa.jsonl")
    k = settings.answer_candidates
    out = []
    for it in items:
        r = retrieve(_typed(it.question), index, settings, k, None, list(it.history) or None)
        out.append(Sample(it.id, "qa", split_of(it.id), it.answerable, tuple(it.evidence), None,
                          r))
    if not lodo:
        return out
    by_doc: dict[str, list[Any]] = {}
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
            r = retrieve(_typed(it.question), sub, settings, k, None, list(it.history) or None)
            out.append(Sample(it.id, "qa", split_of(it.id), False, (), None, r, copy=True))
    return out


def _cmrc(settings: Settings, lodo: bool) -> list[Sample]:
    from rag.evaluation.squad import load_squad, squad_index
    from rag.index.subset import without_documents

    data = load_squad(ROOT.parent / "shared" / "cmrc2018" / "cmrc2018_trial.json")
    index = squad_index(data, settings)
    k = settings.answer_candidates
    docs = {d.source: d.doc_id for d in index.documents.values()}
    out = []
    by_doc: dict[str, list[Any]] = {}
    for it in data.items:
        r = retrieve(_typed(it.question), index, settings, k)
        out.append(Sample(it.id, "cmrc", split_of(it.group or it.id), True, tuple(it.evidence),
                          it.doc, r))
        by_doc.setdefault(it.doc or "", []).append(it)
    if lodo:
        for source, group in by_doc.items():
            if source not in docs:
                continue
            sub = without_documents(index, {docs[source]})
            for it in group:
                r = retrieve(_typed(it.question), sub, settings, k)
                out.append(Sample(it.id, "cmrc", split_of(it.group or it.id), False, (), None, r,
                                  copy=True))
    return out


def collect(settings: Settings, *, reuse: bool = False, cmrc: bool = True,
            lodo: bool = True) -> list[Sample]:
    """Every sample (qa, then CMRC), searched once; `reuse` reads the last run's cache."""
    from rag.answer.text import add_words, added_words

    if reuse and CACHE.is_file():
        cached = pickle.loads(CACHE.read_bytes())
        # the answer tokenizer knew the indexes' domain words when they were searched
        add_words(cached["words"])
        samples: list[Sample] = cached["samples"]
        return [s for s in samples if (cmrc or s.source != "cmrc") and (lodo or not s.copy)]
    samples = _qa(settings, lodo)
    if cmrc:
        samples += _cmrc(settings, lodo)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_bytes(pickle.dumps({"samples": samples, "words": sorted(added_words())},
                                   protocol=pickle.HIGHEST_PROTOCOL))
    return samples
