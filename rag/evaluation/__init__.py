"""Evaluation: load a QA set (JSONL or SQuAD-style), run it through `RAGService.ask`, score it."""

from __future__ import annotations

from rag.evaluation.cmrc import cmrc_em, cmrc_f1
from rag.evaluation.dataset import DatasetError, EvalItem, load_dataset
from rag.evaluation.harness import METRICS, EvalRun, QuestionResult, run_eval, summarize
from rag.evaluation.report import write_report
from rag.evaluation.splits import split_of
from rag.evaluation.squad import SquadSet, load_squad, squad_index
from rag.evaluation.thresholds import check_thresholds, load_thresholds

__all__ = [
    "DatasetError",
    "EvalItem",
    "load_dataset",
    "METRICS",
    "EvalRun",
    "QuestionResult",
    "run_eval",
    "summarize",
    "write_report",
    "check_thresholds",
    "load_thresholds",
    "split_of",
    "SquadSet",
    "load_squad",
    "squad_index",
    "cmrc_f1",
    "cmrc_em",
]
