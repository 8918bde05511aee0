"""Run an evaluation set through `RAGService.ask` (the /ask code path) and score it."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag.evaluation import metrics as m
from rag.evaluation.dataset import EvalItem
from rag.evaluation.summary import (
    CMRC_SCALE,
    EXTRA_METRICS,
    LODO_METRICS,
    METRICS,
    extra_metrics,
    summarize,
)
from rag.exceptions import LLMError, QueryError
from rag.retrieval.models import Hit

if TYPE_CHECKING:
    from rag.service import RAGService

__all__ = [
    "METRICS",
    "EXTRA_METRICS",
    "LODO_METRICS",
    "CMRC_SCALE",
    "TYPE_ORDER",
    "EvidenceMatcher",
    "QuestionResult",
    "EvalRun",
    "run_eval",
    "summarize",
    "extra_metrics",
    "default_normalizer",
]

TYPE_ORDER = (
    "number",
    "progress",
    "list",
    "paraphrase",
    "entity",
    "disambiguation",
    "year",
    "followup",
    "unanswerable",
)
Normalizer = Callable[[str], str]


def default_normalizer() -> Normalizer | None:
    """The ingester's text normaliser (`rag.corpus.normalize_text`), if it is installed."""
    try:
        normalize_text = getattr(importlib.import_module("rag.corpus"), "normalize_text", None)
    except ImportError:
        return None
    if normalize_text is None:
        return None

    def _normalize(text: str) -> str:
        out: Any = normalize_text(text)
        return str(getattr(out, "text", out))

    return _normalize


class EvidenceMatcher:
    """Tells whether a passage contains one of an item's evidence strings.

    Evidence and passage are compared with whitespace removed; the evidence is tried both
    as written and after the ingester's normalisation.

    Example:
        >>> EvidenceMatcher(None).variants(["第49个 内陆港"])
        [('第49个内陆港',)]
    """

    def __init__(self, normalizer: Normalizer | None) -> None:
        self.normalizer = normalizer

    def variants(self, evidence: Sequence[str]) -> list[tuple[str, ...]]:
        """One tuple of accepted spellings per evidence string."""
        out = []
        for e in evidence:
            forms = {m.strip_whitespace(e)}
            if self.normalizer is not None:
                forms.add(m.strip_whitespace(self.normalizer(e)))
            out.append(tuple(sorted(f for f in forms if f)))
        return out

    @staticmethod
    def found(passage: str, variants: Sequence[tuple[str, ...]]) -> list[bool]:
        """Per evidence string: does the passage contain any of its spellings."""
        p = m.strip_whitespace(passage)
        return [any(f in p for f in forms) for forms in variants]


@dataclass
class QuestionResult:
    """What the system did with one question, and how it scored."""

    item: EvalItem
    answer: str = ""
    answerable: bool = False  # the system's verdict; False means it abstained
    passages: list[Hit] = field(default_factory=list)
    relevant: list[bool] = field(default_factory=list)  # per passage rank
    evidence_recall_5: float = 0.0
    f1: float = 0.0
    citations_supported: list[bool] = field(default_factory=list)
    latency_ms: float = 0.0
    rewritten_question: str | None = None
    error: str | None = None
    direct_answer: str = ""
    confidence: float = 0.0
    # CMRC F1/EM (0..1) against `item.direct`: of `direct_answer` (the answer text when it is
    # empty) and of the whole answer text without [n] markers; None without gold spans
    direct_f1: float | None = None
    direct_em: float | None = None
    text_f1: float | None = None
    text_em: float | None = None
    copy_of: str | None = None  # leave-document-out copy: the original question's id
    cited: list[str] = field(default_factory=list)  # source of each citation, in order

    @property
    def abstained(self) -> bool:
        return not self.answerable

    @property
    def first_hit_rank(self) -> int | None:
        return next((i + 1 for i, r in enumerate(self.relevant) if r), None)

    def failures(self) -> list[str]:
        """Why a person should look at this question (empty when it went well)."""
        if self.error:
            return [f"error: {self.error}"]
        reasons = []
        if self.copy_of is not None and not self.item.answerable:
            return ["left-out copy answered"] if self.answerable else []
        if self.item.answerable:
            if not any(self.relevant[:5]):
                reasons.append("evidence not in top 5")
            if self.abstained:
                reasons.append("false abstention")
            elif self.citations_supported and not any(self.citations_supported):
                reasons.append("no citation contains evidence")
        elif self.answerable:
            reasons.append("answered an unanswerable question")
        return reasons


@dataclass
class EvalRun:
    """All per-question results plus the metrics overall and by type."""

    results: list[QuestionResult]
    overall: dict[str, float | int | None]
    by_type: dict[str, dict[str, float | int | None]]
    meta: dict[str, Any] = field(default_factory=dict)
    copies: list[QuestionResult] = field(default_factory=list)  # --leave-doc-out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "meta": dict(self.meta),
            "overall": dict(self.overall),
            "by_type": {t: dict(v) for t, v in self.by_type.items()},
            "errors": [{"id": r.item.id, "error": r.error}
                       for r in [*self.results, *self.copies] if r.error],
        }
        if self.meta.get("leave_doc_out"):
            out["leave_doc_out"] = {
                "wrongly_answered": [
                    {"id": r.copy_of, "removed_doc": r.item.doc, "answer": r.answer}
                    for r in self.copies if r.answerable and not r.item.answerable
                ],
                "answerable_copies": [r.copy_of for r in self.copies if r.item.answerable],
            }
        return out

    def failed(self) -> list[QuestionResult]:
        return [r for r in self.results if r.failures()]


def run_eval(
    service: RAGService,
    items: Iterable[EvalItem],
    *,
    top_k: int = 10,
    normalizer: Normalizer | None = None,
    warmup: bool = True,
    on_result: Callable[[QuestionResult], None] | None = None,
    split: str = "all",
    leave_doc_out: bool = False,
) -> EvalRun:
    """Ask every question exactly as /ask does and score the answers.

    `split` keeps the fit or test half (`rag.evaluation.splits`, by `EvalItem.split_key`).
    `leave_doc_out` also asks each answerable question that names a `doc` against the index
    without that document (`rag.evaluation.leave_doc_out`); `on_result` sees those too.
    Index or encoder errors stop the run; a question the service rejects is recorded as an error.

    Example:
        >>> run = run_eval(RAGService(settings), load_dataset("eval/qa.jsonl"))  # doctest: +SKIP
        >>> run.overall["hit@5"]                                                  # doctest: +SKIP
        0.97
    """
    from rag.evaluation.splits import in_split

    items = [it for it in items if in_split(it.split_key, split)]
    matcher = EvidenceMatcher(normalizer)
    t0 = time.perf_counter()
    _ = service.index  # load once, up front, so a missing index fails before any question
    # One untimed call so model loading does not land in the first question's latency
    if warmup and items:
        try:
            service.warm_up()
        except (QueryError, LLMError):
            pass

    results = []
    for item in items:
        result = _ask_one(service, item, top_k, matcher)
        results.append(result)
        if on_result is not None:
            on_result(result)

    by_type = {t: summarize([r for r in results if r.item.type == t]) for t in _types(results)}
    overall = summarize(results)
    copies: list[QuestionResult] = []
    if leave_doc_out:
        from rag.evaluation.leave_doc_out import ask_left_out, lodo_metrics

        copies = ask_left_out(
            service, results, lambda svc, it: _ask_one(svc, it, top_k, matcher), matcher,
            on_result=on_result,
        )
        overall.update(lodo_metrics(results, copies))
    meta = {
        "n_questions": len(results),
        "split": split,
        "leave_doc_out": leave_doc_out,
        "top_k": top_k,
        "seconds": round(time.perf_counter() - t0, 2),
        "embedding_model": service.settings.embedding_model,
        "fusion": service.settings.fusion,
        "llm": bool(service.settings.llm_base_url and service.settings.llm_model),
    }
    return EvalRun(results, overall, by_type, meta, copies)


def _ask_one(
    service: RAGService, item: EvalItem, top_k: int, matcher: EvidenceMatcher
) -> QuestionResult:
    # The timed call: the same entry point as POST /ask
    history = list(item.history) or None
    t = time.perf_counter()
    try:
        ans = service.ask(item.question, top_k=top_k, history=history)
    except (QueryError, LLMError) as exc:
        latency = (time.perf_counter() - t) * 1000
        return QuestionResult(item, latency_ms=latency, error=str(exc))
    latency = (time.perf_counter() - t) * 1000

    # Score retrieval and citations against the evidence
    variants = matcher.variants(item.evidence)
    found = [
        matcher.found(h.chunk.index_text, variants)
        if not item.match_doc or h.chunk.source == item.doc else [False] * len(variants)
        for h in ans.passages
    ]
    relevant = [any(f) for f in found]
    recall5 = (
        sum(any(f[i] for f in found[:5]) for i in range(len(variants))) / len(variants)
        if variants
        else 0.0
    )
    supported = [
        any(matcher.found(f"{' '.join(c.heading_path)}\n{c.text}", variants))
        and (not item.match_doc or c.source == item.doc)
        for c in ans.citations
    ]
    f1 = m.char_f1(ans.answer, item.answer) if ans.answerable else 0.0
    direct = _direct_scores(item, ans.answerable, ans.direct_answer, ans.answer)
    return QuestionResult(
        item,
        answer=ans.answer,
        answerable=ans.answerable,
        passages=list(ans.passages),
        relevant=relevant,
        evidence_recall_5=recall5,
        f1=f1,
        citations_supported=supported if ans.answerable else [],
        latency_ms=latency,
        rewritten_question=ans.rewritten_question,
        direct_answer=ans.direct_answer if ans.answerable else "",
        cited=[c.source for c in ans.citations] if ans.answerable else [],
        confidence=float(ans.confidence),
        direct_f1=direct["direct_f1"],
        direct_em=direct["direct_em"],
        text_f1=direct["text_f1"],
        text_em=direct["text_em"],
    )


def _direct_scores(
    item: EvalItem, answerable: bool, direct_answer: str, answer: str
) -> dict[str, float | None]:
    """CMRC F1/EM of the direct span (falling back to the answer text) and of the answer text.

    Example:
        >>> it = EvalItem("q", "生命数耗完即算为什么？", None, ("踢爆",), "踢爆", "span",
        ...               direct=("踢爆",))
        >>> round(_direct_scores(it, True, "", "即算踢爆[1]。")["direct_f1"], 3)
        0.667
        >>> _direct_scores(it, True, "踢爆", "即算踢爆[1]。")["direct_em"]
        1.0
    """
    if not item.direct or not item.answerable:
        return {"direct_f1": None, "direct_em": None, "text_f1": None, "text_em": None}
    from rag.evaluation.cmrc import cmrc_em, cmrc_f1

    text = m.strip_citations(answer).strip() if answerable else ""
    span = (direct_answer.strip() or text) if answerable else ""
    return {"direct_f1": cmrc_f1(span, item.direct), "direct_em": cmrc_em(span, item.direct),
            "text_f1": cmrc_f1(text, item.direct), "text_em": cmrc_em(text, item.direct)}


def _types(results: Sequence[QuestionResult]) -> list[str]:
    present = {r.item.type for r in results}
    known = [t for t in TYPE_ORDER if t in present]
    return known + sorted(present - set(known))
