"""Cited extractive answers, abstention and follow-ups over the real tiny index."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rag.answer.models import Answer, Message
from rag.answer.pipeline import answer_question, stream_answer
from rag.retrieval.models import Hit


def _ask(index: Any, settings: Any, q: str, **kw: Any) -> Answer:
    return answer_question(q, index, settings, top_k=kw.pop("top_k", 3), **kw)


def _check_citations(ans: Answer, index: Any) -> None:
    for c in ans.citations:
        doc = index.documents[index.chunks[c.chunk_id].doc_id]
        for q in c.quotes:
            assert q["quote"] in c.text
            assert doc.text[q["quote_start"] : q["quote_end"]] == q["quote"]
        assert doc.text[c.quote_start : c.quote_end] == c.quote
        assert c.source == index.chunks[c.chunk_id].source and c.heading_path


def test_keyword_question_is_cited(tiny_index: Any, tiny_settings: Any) -> None:
    ans = _ask(tiny_index, tiny_settings, "洪洞139项常办事项达到什么标准？")
    assert ans.answerable and ans.answer.endswith("]") and "[1]" in ans.answer
    c1 = ans.citations[0]
    assert c1.n == 1 and "139项常办事项" in c1.quote and c1.quote in c1.text
    _check_citations(ans, tiny_index)
    assert {"retrieve", "answer", "rewrite"} <= set(ans.timings_ms)
    assert ans.passages and ans.passages[0].chunk.id == c1.chunk_id


def test_progress_question_returns_the_facts(tiny_index: Any, tiny_settings: Any) -> None:
    ans = _ask(tiny_index, tiny_settings, "龙马物流园进展如何？")
    assert ans.answerable
    for fact in ("揭牌", "第49个内陆港", "20.5亿元", "9个配套项目"):
        assert fact in ans.answer
    assert ans.answer.count("[1]") >= 2  # several sentences, each cited
    _check_citations(ans, tiny_index)


def test_figure_question_quotes_the_figure(tiny_index: Any, tiny_settings: Any) -> None:
    ans = _ask(tiny_index, tiny_settings, "绛县山楂产业园引进了几家企业？")
    assert ans.answerable and "6家" in ans.answer and ans.citations[0].county == "绛县"
    _check_citations(ans, tiny_index)


@pytest.mark.parametrize(
    ("question", "reason", "named"),
    [
        ("霍州2024年GDP增长多少？", "place", "霍州"),  # a county the index does not cover
        ("曲沃县的粮食播种面积是多少？", "place", "曲沃"),
        ("洪洞2019年GDP是多少？", "year", "2019"),  # a year no passage covers
        ("洪洞高铁站什么时候通车？", "entity", "高铁站"),  # a thing the index never names
        ("绛县龙马物流园进展如何？", "entity", "龙马物流园"),  # named, but not for 绛县
    ],
)
def test_abstains(
    tiny_index: Any, tiny_settings: Any, question: str, reason: str, named: str
) -> None:
    ans = _ask(tiny_index, tiny_settings, question)
    assert not ans.answerable and not ans.citations
    assert ans.answer.startswith("现有资料中没有找到") and named in ans.answer
    assert ans.notes[0].startswith(f"abstained: {reason}")
    assert ans.passages  # the closest passages, for reference


def test_weak_evidence_abstains(tiny_index: Any, tiny_settings: Any) -> None:
    ans = _ask(tiny_index, tiny_settings, "洪洞县城房价现在多少钱一平米？")
    # The counted thing (房价) is never mentioned: no figure of it can be quoted
    assert not ans.answerable and ans.notes[0].startswith("abstained:")
    assert ans.confidence < tiny_settings.answer_threshold
    strict = tiny_settings.model_copy(update={"answer_threshold": 1.01})
    assert not _ask(tiny_index, strict, "龙马物流园进展如何？").answerable


def test_followup_other_county(tiny_index: Any, tiny_settings: Any) -> None:
    history = [Message("user", "洪洞2024年GDP增长目标是多少？"),
               Message("assistant", "2024年全县地区生产总值增长目标为7.5%以上。[1]")]
    ans = _ask(tiny_index, tiny_settings, "那绛县呢？", history=history)
    assert ans.rewritten_question == "绛县2024年GDP增长目标是多少？"
    assert ans.answerable and all(c.county == "绛县" for c in ans.citations)
    assert "5%" in ans.answer or "6%" in ans.answer
    _check_citations(ans, tiny_index)


def test_followup_pronoun_and_more(tiny_index: Any, tiny_settings: Any) -> None:
    first = _ask(tiny_index, tiny_settings, "龙马物流园进展如何？")
    history = [Message("user", "龙马物流园进展如何？"), Message("assistant", first.answer)]
    ans = _ask(tiny_index, tiny_settings, "它的总投资是多少？", history=history)
    assert ans.rewritten_question == "龙马物流园的总投资是多少？"
    # 「园区包装了总投资20.5亿元…」 names the park only as 园区: answered from it, or declined
    assert "20.5亿元" in ans.answer or not ans.answerable
    nth = _ask(tiny_index, tiny_settings, "它是山东港口第几个内陆港？", history=history)
    assert nth.rewritten_question == "龙马物流园是山东港口第几个内陆港？"
    assert nth.answerable and "49" in nth.direct_answer
    more = _ask(tiny_index, tiny_settings, "还有呢？", history=history)
    assert more.rewritten_question == "龙马物流园进展如何？"
    said = {q["quote"] for c in first.citations for q in c.quotes}
    assert not any(q["quote"] in said for c in more.citations for q in c.quotes)
    # A complete question is left alone
    assert _ask(tiny_index, tiny_settings, "绛县山楂产业园引进了几家企业？",
                history=history).rewritten_question is None
    gdp = [Message("user", "洪洞2024年GDP增长目标是多少？"), Message("assistant", "7.5%以上。[1]")]
    assert _ask(tiny_index, tiny_settings, "龙马物流园进展如何？",
                history=gdp).rewritten_question is None


class _Fixed:
    """A retriever returning given hits (real chunks of the tiny index)."""

    def __init__(self, index: Any, hits: list[Hit]) -> None:
        self.hits, self.chunks, self.documents = hits, index.chunks, index.documents

    def search(self, query: str, top_k: int = 5, filters: Any = None) -> list[Hit]:
        return self.hits[:top_k]


def test_overlapping_chunks_are_not_quoted_twice(tiny_index: Any, tiny_settings: Any) -> None:
    hit = tiny_index.search("龙马物流园进展如何？", top_k=1)[0]
    c = hit.chunk
    doc = tiny_index.documents[c.doc_id]
    cut = c.text.index("龙马物流园")  # a second chunk overlapping the first from here on
    twin = replace(c, id=c.id + "-overlap", start=c.start + cut,
                   text=doc.text[c.start + cut : c.end])
    hits = [hit, Hit(twin, hit.score * 0.9, 2, dict(hit.scores))]
    ans = _ask(_Fixed(tiny_index, hits), tiny_settings, "龙马物流园进展如何？")
    assert ans.answer.count("第49个内陆港") == 1 and ans.answer.count("20.5亿元") == 1
    quotes = [q["quote_start"] for cit in ans.citations for q in cit.quotes]
    assert len(quotes) == len(set(quotes))


def test_stream_shows_the_rewrite(tiny_index: Any, tiny_settings: Any) -> None:
    history = [Message("user", "龙马物流园进展如何？"), Message("assistant", "……")]
    events = list(stream_answer("它的总投资是多少？", tiny_index, tiny_settings, history=history))
    assert events[0] == {"type": "rewritten", "question": "龙马物流园的总投资是多少？"}
    assert events[-1]["answer"]["rewritten_question"] == "龙马物流园的总投资是多少？"


def test_stream_ends_with_the_same_answer(tiny_index: Any, tiny_settings: Any) -> None:
    for q in ("龙马物流园进展如何？", "霍州2024年GDP增长多少？"):
        events = list(stream_answer(q, tiny_index, tiny_settings, top_k=3))
        assert [e["type"] for e in events][-2:] == ["citations", "done"]
        final = events[-1]["answer"]
        ref = _ask(tiny_index, tiny_settings, q).to_dict()
        for d in (final, ref):
            d.pop("timings_ms")
        assert final == ref
        assert "".join(e["text"] for e in events if e["type"] == "sentence") == ref["answer"]


def test_answerer_protocol_over_given_hits(tiny_index: Any) -> None:
    from rag.answer.pipeline import ExtractiveAnswerer
    from rag.answer.stats import stats_for

    hits = tiny_index.search("龙马物流园进展如何？", top_k=3)
    ans = ExtractiveAnswerer(stats=stats_for(tiny_index)).answer("龙马物流园进展如何？", hits)
    assert ans.answerable and "第49个内陆港" in ans.answer and 0 < ans.confidence <= 1
    _check_citations(ans, tiny_index)
    no = ExtractiveAnswerer().answer("霍州2024年GDP增长多少？", hits)
    assert not no.answerable and "霍州" in no.answer


def test_filters_pass_through(tiny_index: Any, tiny_settings: Any) -> None:
    ans = _ask(tiny_index, tiny_settings, "地区生产总值增长多少？", filters={"county": "绛县"})
    assert ans.answerable and all(h.chunk.county == "绛县" for h in ans.passages)
