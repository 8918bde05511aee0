"""Retrieval on the tiny real index: keyword questions, filters, fusion, the search CLI."""

from __future__ import annotations

import json

import pytest

from rag.exceptions import ConfigError, FilterError
from rag.fusion import get_fusion, minmax, rrf
from rag.text import build_domain_dictionary


def test_keyword_question_finds_its_passage_first(tiny_index) -> None:
    hits = tiny_index.search("龙马物流园进展如何？", top_k=3)
    assert "龙马物流园正式揭牌" in hits[0].chunk.text
    assert hits[0].rank == 1 and hits[0].score >= hits[-1].score
    assert set(hits[0].scores) == {"dense", "bm25_word", "bm25_bigram"}


def test_heading_text_counts(tiny_index) -> None:
    hits = tiny_index.search("赋能美丽乡村全面振兴", top_k=1)
    assert "赋能美丽乡村全面振兴" in hits[0].chunk.heading


@pytest.mark.parametrize("county", ["绛县", "绛", " 绛县 "])
def test_county_filter_excludes_other_counties(tiny_index, county: str) -> None:
    hits = tiny_index.search("地区生产总值增长目标", top_k=10, filters={"county": county})
    assert hits and all(h.chunk.county == "绛县" for h in hits)


def test_filters_year_source_and_combination(tiny_index) -> None:
    hits = tiny_index.search("地区生产总值", top_k=10, filters={"year": "2024"})
    assert hits and all(h.chunk.year == 2024 for h in hits)
    hits = tiny_index.search("发展", top_k=10, filters={"county": "洪洞", "year": 2025})
    assert hits and all(h.chunk.source == "hongtong_2025_feature.txt" for h in hits)
    hits = tiny_index.search("发展", top_k=10, filters={"source": "jiangxian_2025_sessions.txt"})
    assert hits and all(h.chunk.county == "绛县" for h in hits)
    assert tiny_index.search("发展", filters={"county": "太原"}) == []


def test_unknown_filter_key_lists_valid_keys(tiny_index) -> None:
    with pytest.raises(FilterError, match="county") as exc:
        tiny_index.search("发展", filters={"province": "山西"})
    assert "province" in str(exc.value)
    with pytest.raises(FilterError):
        tiny_index.search("发展", filters={"year": "去年"})


def test_documents_and_chunks_are_exposed(tiny_index) -> None:
    assert len(tiny_index.documents) == 3
    for chunk in tiny_index.chunks.values():
        doc = tiny_index.documents[chunk.doc_id]
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_fusion_functions_by_name() -> None:
    ranked = {"a": [(1, 9.0), (2, 5.0)], "b": [(2, 0.9), (3, 0.1)]}
    assert max(rrf(ranked, {"a": 1, "b": 1}, 60).items(), key=lambda kv: kv[1])[0] == 2
    assert minmax(ranked, {"a": 1, "b": 0.1})[1] == 1.0
    assert get_fusion("minmax") is minmax
    with pytest.raises(ConfigError, match="rrf"):
        get_fusion("borda-magic")


def test_domain_dictionary_mines_quoted_and_named_terms() -> None:
    words = build_domain_dictionary(
        ["推行“四全四码”工作法。龙马物流园揭牌，龙马物流园运营。"], headings=["一、2023年工作回顾"]
    )
    assert {"四全四码", "龙马物流园", "工作回顾"} <= set(words)


def test_search_cli_json(tiny_settings, tiny_index, monkeypatch) -> None:
    from typer.testing import CliRunner

    from rag.cli import app
    from rag.settings import get_settings

    monkeypatch.setenv("RAG_CORPUS_DIR", str(tiny_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tiny_settings.index_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["search", "龙马物流园进展如何", "--top-k", "2",
                                          "--county", "洪洞", "--json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert len(rows) == 2 and "龙马物流园" in rows[0]["text"]
        assert {"id", "source", "title", "heading_path", "text", "start", "end", "score",
                "scores"} <= set(rows[0])
        bad = CliRunner().invoke(app, ["search", "发展", "--county", "洪洞", "--year", "1999"])
        assert bad.exit_code == 0 and "没有找到" in bad.stdout
        colloquial = CliRunner().invoke(app, ["search", "乡下修了多少路", "--top-k", "1"])
        assert colloquial.exit_code == 0 and "同义扩展" in colloquial.stdout
        assert "乡下 → " in colloquial.stdout and "农村" in colloquial.stdout
    finally:
        get_settings.cache_clear()
