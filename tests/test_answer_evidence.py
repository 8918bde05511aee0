"""The finer abstention checks: the asked year near a figure, rare terms, the counted thing."""

from __future__ import annotations

from rag.answer.abstain import judge
from rag.answer.evidence import absent_nouns, dated_units, rarest_term, term_in, unit_dated
from rag.answer.extractive import select_units
from rag.answer.query import analyze
from rag.answer.scoring import Unit, score_units
from rag.answer.stats import CorpusStats
from rag.answer.text import split_units
from rag.corpus.models import Chunk
from rag.retrieval.models import Hit

REVIEW = "全年地区生产总值完成227.75亿元，同比增长7%。"
PLAN = "2020年地区生产总值完成150亿元。\n今年主要目标：地区生产总值增长7.5%以上。"


def _hit(text: str, year: int | None, heading: list[str], county: str = "洪洞县",
         rank: int = 1) -> Hit:
    c = Chunk(f"c{rank}", f"d{rank}", f"d{rank}.txt", heading[0], county, year, heading, text,
              0, len(text))
    return Hit(c, 1.0 / rank, rank, {})


def _units(hit: Hit) -> list[Unit]:
    return [Unit(hit, sp, 1.0) for sp in split_units(hit.chunk.text)]


def test_year_must_sit_near_the_figure() -> None:
    review = _units(_hit(REVIEW, 2024, ["报告", "2023年工作回顾"]))
    plan = _units(_hit(PLAN, 2021, ["规划", "发展基础"], rank=2))
    assert unit_dated(review[0], [2023]) and not unit_dated(review[0], [2022])
    assert unit_dated(plan[0], [2020]) and not unit_dated(plan[0], [2022])
    # An undated sentence counts for its document's year (plans) or the year before (review)
    undated = _units(_hit(REVIEW, 2025, ["报告", "经济发展"], rank=3))
    assert unit_dated(undated[0], [2024]) and unit_dated(undated[0], [2025])
    assert not unit_dated(undated[0], [2022])
    q = analyze("洪洞2022年地区生产总值是多少？")
    assert dated_units(review + plan + undated, q) == []
    # Only figure questions are held to it
    assert dated_units(review, analyze("洪洞2022年地区生产总值情况")) == review


def test_judge_abstains_on_a_figure_of_another_year() -> None:
    hits = [_hit(REVIEW, 2024, ["报告", "2023年工作回顾"]),
            _hit(PLAN, 2021, ["规划", "发展基础"], rank=2)]
    stats = CorpusStats([h.chunk for h in hits])
    q = analyze("洪洞2022年地区生产总值是多少？")
    units = score_units(q, hits, stats)
    v = judge(q, hits, units, stats, 0.2, None)
    assert not v.answerable and v.reason == "year"
    q23 = analyze("洪洞2023年地区生产总值是多少？")
    assert judge(q23, hits, score_units(q23, hits, stats), stats, 0.2, None).answerable


def test_rarest_term_must_be_in_a_passage_about_the_place() -> None:
    other = _hit("一般公共预算收入增长3%左右。", 2024, ["报告", "目标"], county="洪洞县")
    own = _hit("加强预算绩效管理，居民收入稳步增长。", 2025, ["报告", "2024年工作回顾"],
               county="绛县", rank=2)
    filler = [_hit(f"第{i}段：推进各项工作，预算收入。", 2025, ["报告", "其他"], rank=3 + i)
              for i in range(60)]
    hits = [other, own, *filler]
    stats = CorpusStats([h.chunk for h in hits])
    q = analyze("绛县2024年一般公共预算收入多少？")
    assert rarest_term(q, stats) == "一般"
    assert not term_in("一般", q, [own]) and term_in("一般", q, [other])
    v = judge(q, hits, score_units(q, hits, stats), stats, 0.2, None)
    assert not v.answerable and v.reason == "weak"


def test_the_counted_thing_must_be_documented() -> None:
    stats = CorpusStats([_hit("大槐树景区二期建设如火如荼。财政收入增长。幼儿园新建3所。",
                              2025, ["报告"]).chunk])
    assert absent_nouns(analyze("大槐树景区门票多少钱？"), stats) == ["门票"]
    # A compound of known words, a colloquial subject away from the figure, no figure asked
    assert absent_nouns(analyze("财政收入是多少？"), stats) == []
    assert absent_nouns(analyze("小娃娃上幼儿园的比例能到多少？"), stats) == []
    assert absent_nouns(analyze("景区门票怎么样"), stats) == []


def test_ordinal_matches_list_markers() -> None:
    q = analyze("洪洞2024年重点第六项具体说的啥？")
    assert "第六" in q.terms and not {"六项", "第六项"} & set(q.terms)
    assert "（六）" in q.variants("第六") and "六是" in q.variants("第六")
    assert "（三）" in analyze("第3条是什么").variants("第三")


def test_figure_answer_stays_focused() -> None:
    stats = CorpusStats([])
    q = analyze("高新技术企业要达到多少家？")
    a = _hit("力争高新技术企业达10家以上。", 2021, ["规划", "创新"])
    b = _hit("培育一批龙头企业，力争高新技术企业达到10家以上。", 2021, ["规划", "企业"],
             rank=2)
    c = _hit("高新技术企业新增3家，科技型中小企业评价入库。", 2025, ["报告", "科技"], rank=3)
    chosen = select_units(score_units(q, [a, b, c], stats), q, 5)
    # The same figure from another passage is not quoted twice; a weaker passage not at all
    assert len(chosen) == 1 and "10家以上" in chosen[0].span.text
