"""Evaluation: load a QA set, run it through `RAGService.ask`, score it, report it."""

from __future__ import annotations

from rag.evaluation.dataset import DatasetError, EvalItem, load_dataset
from rag.evaluation.harness import METRICS, EvalRun, QuestionResult, run_eval, summarize
from rag.evaluation.report import write_report
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
]
