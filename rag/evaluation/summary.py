"""A group's metric row: which metrics a table shows, and how they are computed from results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rag.evaluation import metrics as m

if TYPE_CHECKING:
    from rag.evaluation.harness import QuestionResult

__all__ = ["METRICS", "EXTRA_METRICS", "LODO_METRICS", "CMRC_SCALE", "summarize",
           "extra_metrics"]

# The metrics every group reports, in table order
METRICS: tuple[str, ...] = (
    "n",
    "hit@1",
    "hit@3",
    "hit@5",
    "hit@10",
    "mrr@10",
    "evidence_recall@5",
    "abstain_precision",
    "abstain_recall",
    "answer_char_f1",
    "citation_precision",
    "latency_ms_p50",
    "latency_ms_p95",
)
# Added to every row; shown apart from the main table (direct_* are None without gold spans)
EXTRA_METRICS: tuple[str, ...] = (
    "false_abstention",
    "answers_supported",
    "direct_f1",
    "direct_em",
    "answer_text_f1",
    "answer_text_em",
    "direct_filled",
)
# Overall only, with --leave-doc-out (see rag.evaluation.leave_doc_out)
LODO_METRICS: tuple[str, ...] = (
    "lodo_abstain_precision",
    "lodo_abstain_recall",
    "lodo_false_abstention",
    "lodo_copy_decline_rate",
    "lodo_copies",
    "lodo_copies_answerable",
    "lodo_copies_answered",
)
# Reported x100, as the CMRC 2018 scorer does
CMRC_SCALE = frozenset({"direct_f1", "direct_em", "answer_text_f1", "answer_text_em"})


def summarize(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    """The metric row of a group of results (`None` where a metric is undefined)."""
    answerable = [r for r in results if r.item.answerable]
    rel = [r.relevant for r in answerable]
    precision, recall = m.abstain_precision_recall(
        [r.abstained for r in results], [not r.item.answerable for r in results]
    )
    supported = [s for r in answerable for s in r.citations_supported]
    latencies = [r.latency_ms for r in results]

    def avg(values: Iterable[float]) -> float | None:
        return _round(m.mean(list(values)), 4)

    def ms(p: float) -> float | None:
        return _round(m.percentile(latencies, p), 1)

    return {
        "n": len(results),
        "hit@1": avg(m.hit_at_k(x, 1) for x in rel),
        "hit@3": avg(m.hit_at_k(x, 3) for x in rel),
        "hit@5": avg(m.hit_at_k(x, 5) for x in rel),
        "hit@10": avg(m.hit_at_k(x, 10) for x in rel),
        "mrr@10": avg(m.mrr_at_k(x, 10) for x in rel),
        "evidence_recall@5": avg(r.evidence_recall_5 for r in answerable),
        "abstain_precision": _round(precision, 4),
        "abstain_recall": _round(recall, 4),
        "answer_char_f1": avg(r.f1 for r in answerable),
        "citation_precision": _round(m.citation_precision(supported), 4),
        "latency_ms_p50": ms(50),
        "latency_ms_p95": ms(95),
        **extra_metrics(results),
    }


def extra_metrics(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    """False abstention, the share of answers with a citation that holds the evidence (per
    answer: a list citing each item's passage counts once), and CMRC-scored spans (x100)
    over the items that have gold spans.

    Example:
        >>> extra_metrics([])["false_abstention"] is None
        True
    """
    answerable = [r for r in results if r.item.answerable]
    spans = [r for r in answerable if r.item.direct]
    answered = [r for r in spans if r.answerable]

    def cmrc(values: Iterable[float | None]) -> float | None:
        mean = m.mean([v or 0.0 for v in values])
        return None if mean is None else round(100 * mean, 2)

    return {
        "false_abstention": _round(m.mean([float(r.abstained) for r in answerable]), 4),
        "answers_supported": _round(m.mean([float(any(r.citations_supported))
                                            for r in answerable if r.answerable]), 4),
        "direct_f1": cmrc(r.direct_f1 for r in spans),
        "direct_em": cmrc(r.direct_em for r in spans),
        "answer_text_f1": cmrc(r.text_f1 for r in spans),
        "answer_text_em": cmrc(r.text_em for r in spans),
        "direct_filled": _round(m.mean([float(bool(r.direct_answer)) for r in answered]), 4),
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
