"""Loading evaluation sets and thresholds files: optional fields, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluation.dataset import DatasetError, load_dataset
from rag.evaluation.thresholds import load_thresholds
from rag.exceptions import ConfigError, RAGError

FULL = {
    "id": "q1",
    "question": "洪洞县2024年GDP增长多少？",
    "doc": "002.txt",
    "evidence": ["增长6.5%"],
    "answer": "6.5%",
    "type": "number",
}


def _write(tmp_path: Path, *lines: str) -> Path:
    p = tmp_path / "qa.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_loads_items_with_and_without_optional_fields(tmp_path: Path) -> None:
    bare = {"id": "q2", "question": "那绛县呢", "evidence": ["绛县"], "answer": "5%"}
    unanswerable: dict[str, object] = {"id": "q3", "question": "洪洞县有地铁吗"}
    unanswerable.update(doc=None, evidence=[], answer="")
    followup = dict(FULL, id="q4", type="followup", history=["洪洞县GDP目标是多少？"])
    chat = dict(FULL, id="q5", history=[{"role": "user", "content": "甲"},
                                        {"role": "assistant", "content": "乙"}])  # fmt: skip
    lines = [json.dumps(x, ensure_ascii=False) for x in (FULL, bare, unanswerable, followup, chat)]
    items = load_dataset(_write(tmp_path, lines[0], "", *lines[1:]))

    assert [i.id for i in items] == ["q1", "q2", "q3", "q4", "q5"]
    assert items[0].type == "number" and items[0].answerable and items[0].history == ()
    assert items[1].type == "other" and items[1].doc is None  # no type, no doc
    assert items[2].type == "unanswerable" and not items[2].answerable
    assert [(t.role, t.content) for t in items[3].history] == [("user", "洪洞县GDP目标是多少？")]
    assert [t.role for t in items[4].history] == ["user", "assistant"]


def test_broken_line_names_its_line_number(tmp_path: Path) -> None:
    good = json.dumps(FULL, ensure_ascii=False)
    path = _write(tmp_path, good, '{"id": "q2", "question": "缺了括号"')
    with pytest.raises(DatasetError, match=r"qa\.jsonl:2: not valid JSON"):
        load_dataset(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"question": None}, "missing or non-string field 'question'"),
        ({"evidence": "增长6.5%"}, "'evidence' must be a list of strings"),
        ({"history": 3}, "'history' must be a string or a list"),
        ({"type": 7}, "'type' must be a string"),
    ],
)
def test_bad_fields_are_named(tmp_path: Path, change: dict[str, object], message: str) -> None:
    path = _write(tmp_path, json.dumps(dict(FULL, **change), ensure_ascii=False))
    with pytest.raises(DatasetError, match=rf":1: {message}"):
        load_dataset(path)


def test_duplicate_ids_missing_and_empty_files(tmp_path: Path) -> None:
    line = json.dumps(FULL, ensure_ascii=False)
    with pytest.raises(DatasetError, match="already used on line 1"):
        load_dataset(_write(tmp_path, line, line))
    with pytest.raises(DatasetError, match="dataset not found"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no questions"):
        load_dataset(_write(tmp_path, "", "  "))
    assert issubclass(DatasetError, RAGError)


def test_project_eval_set_loads_when_present() -> None:
    path = Path(__file__).resolve().parents[1] / "eval" / "qa.jsonl"
    if not path.is_file():
        pytest.skip("eval/qa.jsonl not written yet")
    items = load_dataset(path)
    assert len(items) >= 100
    assert any(not i.answerable for i in items)


def test_thresholds_files(tmp_path: Path) -> None:
    good = tmp_path / "t.toml"
    good.write_text('[min]\n"hit@5" = 0.9\n[by_type.unanswerable.min]\nabstain_recall = 0.5\n')
    assert load_thresholds(good)["min"]["hit@5"] == 0.9
    as_json = tmp_path / "t.json"
    as_json.write_text(json.dumps({"max": {"latency_ms_p95": 800}}))
    assert load_thresholds(as_json) == {"max": {"latency_ms_p95": 800}}

    bad = tmp_path / "bad.toml"
    bad.write_text('[min]\n"hit@6" = 0.9\n')
    with pytest.raises(ConfigError, match="unknown metric 'hit@6'.*valid: n, hit@1"):
        load_thresholds(bad)
    bad.write_text("[min\n")
    with pytest.raises(ConfigError, match="cannot parse"):
        load_thresholds(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_thresholds(tmp_path / "missing.toml")


def test_repo_thresholds_file_is_valid() -> None:
    path = Path(__file__).resolve().parents[1] / "eval" / "thresholds.toml"
    if not path.is_file():
        pytest.skip("eval/thresholds.toml not written yet")
    assert load_thresholds(path)["min"]
