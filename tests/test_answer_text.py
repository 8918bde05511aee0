"""Pure parts of the answerer: sentence spans, question analysis, rewriting, dedup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.compose import display, is_duplicate
from rag.answer.models import Message
from rag.answer.query import analyze, find_places, find_years
from rag.answer.rewrite import rewrite_question, subject_of
from rag.answer.text import split_sentences, split_units

LONGMA = (
    "**物流产业蓬勃发展。**紧抓国家战略腹地区位优势等政策机遇，深化龙马物流园建设。"
    "山东港口内陆港在龙马物流园正式揭牌，洪洞成为山东港口第49个内陆港。"
    "将物流优势转化为招商优势、产业优势，包装总投资20.5亿元9个配套项目；"
    "总投资2.3亿元的运煤通道二期项目加快推进。\n- 一是为80周岁及以上老年人发放高龄津贴"
)


def test_sentences_keep_exact_offsets() -> None:
    spans = split_sentences(LONGMA)
    assert [s.text for s in spans][0] == "物流产业蓬勃发展。"  # bold markers trimmed
    assert spans[-1].text == "一是为80周岁及以上老年人发放高龄津贴" and spans[-1].para == 1
    for s in spans:
        assert LONGMA[s.start : s.end] == s.text


def test_long_sentences_split_into_clauses() -> None:
    units = split_units(LONGMA, clause_min_chars=40)
    texts = [u.text for u in units]
    assert "将物流优势转化为招商优势、产业优势，包装总投资20.5亿元9个配套项目；" in texts
    assert "总投资2.3亿元的运煤通道二期项目加快推进。" in texts
    for u in units:
        assert LONGMA[u.start : u.end] == u.text


@given(st.text(alphabet="甲乙丙。；！？\n *-“”，1", max_size=80))
def test_spans_always_substrings(text: str) -> None:
    for u in split_units(text, clause_min_chars=5):
        assert text[u.start : u.end] == u.text and u.text.strip()


def test_question_analysis() -> None:
    q = analyze("绛县2024年GDP增长多少？")
    assert q.places == ["绛县"] and q.years == [2024] and "number" in q.intents
    assert "GDP" in q.terms and "地区生产总值" in q.variants("GDP")
    assert "progress" in analyze("龙马物流园进展如何").intents
    assert "list" in analyze("九项工作有哪些").intents
    assert "date" in analyze("什么时候开工").intents
    assert analyze("洪洞高铁站什么时候通车？").entities == ["高铁站"]
    assert find_places("洪洞县和霍州市、尧都区") == ["洪洞", "霍州", "尧都"]
    assert find_years("2023年和2024年，12345") == [2023, 2024]


H_GDP = [Message("user", "洪洞2024年GDP增长目标是多少？"), Message("assistant", "7.5%以上。[1]")]
H_LM = [Message("user", "龙马物流园进展如何？"), Message("assistant", "正式揭牌。[1]")]


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (H_GDP, "那绛县呢？", "绛县2024年GDP增长目标是多少？"),
        (H_GDP, "2023年呢", "洪洞2023年GDP增长目标是多少？"),
        (H_GDP, "那固定资产投资呢？", "洪洞2024年固定资产投资是多少？"),
        (H_LM, "它的投资是多少", "龙马物流园的投资是多少？"),
        (H_LM, "那运煤通道呢", "运煤通道进展如何？"),
        (H_LM, "还有呢", "龙马物流园进展如何？"),
        (H_LM, "它呢？", "龙马物流园进展如何？"),
        (H_LM, "这个项目什么时候开始的", "龙马物流园什么时候开始的？"),
        ([Message("user", "洪洞2023年GDP是多少？")], "在全市排第几？",
         "洪洞2023年GDP在全市排第几？"),
        ([Message("user", "绛县有多少家铸造企业？")], "产值目标呢？",
         "绛县铸造企业的产值目标是多少？"),
    ],
)
def test_rewrites(history: list[Message], question: str, expected: str) -> None:
    rw = rewrite_question(question, history)
    assert rw.changed and rw.question == expected


def test_no_rewrite_without_need() -> None:
    assert rewrite_question("龙马物流园进展如何？", H_GDP).weak  # a guess the pipeline may drop
    assert not rewrite_question("那绛县呢？", None).changed
    assert not rewrite_question("洪洞县有哪些景区呢", H_GDP).changed
    assert rewrite_question("还有呢", H_LM).exclude == ["正式揭牌。"]
    assert subject_of("洪洞2024年GDP增长目标是多少？") == ("洪洞2024年", "GDP增长目标", "是多少")


def test_near_duplicates_and_display() -> None:
    assert is_duplicate("洪洞成为山东港口第49个内陆港。", "洪洞成为山东港口第49个内陆港")
    assert not is_duplicate("洪洞成为第49个内陆港。", "绛县山楂产业园引进深加工企业6家。")
    assert display("包装总投资20.5亿元9个配套项目；") == "包装总投资20.5亿元9个配套项目。"
    assert display("一是发放高龄津贴") == "一是发放高龄津贴。"
