"""The answer stage step by step: question analysis, candidate units, features, the learned
models, the decision and the composed answer (direct answer, typed figures; lists are in
test_answer_lists.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rag.answer.candidates import candidate_units
from rag.answer.compose import choose, compose
from rag.answer.decision import Decision
from rag.answer.features import (
    QUESTION_FEATURES,
    UNIT_FEATURES,
    context_for,
    question_features,
    unit_features,
)
from rag.answer.model import WEIGHTS_DIR, LinearModel, load_model
from rag.answer.pipeline import answer_question
from rag.answer.query import analyze, named_counts, target_of, unit_kinds_of
from rag.answer.rerank import RERANK_FEATURES, TOP_K, rerank
from rag.answer.scorer import score_units
from rag.answer.span import SPAN_FEATURES, direct_span, span_candidates, typed_candidates
from rag.answer.stats import CorpusStats
from rag.answer.whword import find_wh
from rag.text.question_form import normalize_question
from tests.answer_helpers import chosen_texts
from tests.answer_helpers import hit as _hit


# Question analysis
@pytest.mark.parametrize(("question", "kind"), [
    ("龙马物流园什么时候揭牌？", "date"),
    ("优良天数多少天？", "number"),
    ("甘亭工业园在哪里？", "place"),
    ("重点抓好哪些工作？", "list"),
    ("项目由哪个公司建设？", "which"),
    ("龙马物流园进展如何？", "manner"),
])
def test_question_kind(question: str, kind: str) -> None:
    wh = find_wh(question)
    assert wh is not None and wh.kind == kind


def test_unit_kind_and_target() -> None:
    q = analyze("洪洞2024年GDP增长目标是多少？")
    assert q.unit_kind == "percent" and q.target == "goal" and q.years == [2024]
    assert analyze("一般公共预算收入多少亿元？").unit_kind == "money"
    assert unit_kinds_of("增长6.2%，收入18.6亿元") == {"percent", "money"}
    # everyday words count as the documents' words
    assert "增长" in analyze("GDP涨了多少？").variants("涨")


@pytest.mark.parametrize(("question", "focal", "absent"), [
    ("大槐树景区门票多少钱？", "门票", "多少"),
    ("洪洞规划建几个5G矿井？", "5G", "几个"),
    ("洪洞中医跟哪个大学合作？", "中医", "跟"),
    ("洪洞2024年GDP增长目标是多少？", "GDP", "2024年GDP"),
])
def test_question_terms_and_the_thing_asked_about(question: str, focal: str,
                                                  absent: str) -> None:
    q = analyze(question)
    assert q.focal == [focal] and focal in q.terms
    # question words, prepositions and years glued to a word are not content terms
    assert absent not in q.terms and not any(t.startswith(("哪", "几", "多少")) for t in q.terms)
    assert "十三五" in analyze("十三五期间洪洞城镇新增就业多少人？").terms


def test_traditional_and_full_width_questions() -> None:
    assert normalize_question("龍馬物流園進展如何？") == "龙马物流园进展如何？"
    assert normalize_question("２０２４年ＧＤＰ") == "2024年GDP"
    # a simplified name OpenCC would read as traditional (乾 → 干) is left as typed
    assert normalize_question("乾峰大桥修好了没？") == "乾峰大桥修好了没？"
    assert normalize_question("乾峰大橋修好了沒？") == "乾峰大桥修好了没？"


# Spans
def test_direct_span_is_the_figure() -> None:
    s = "2024年优良天数256天，比上年增加42天。"
    a, b = direct_span(analyze("2024年优良天数多少天？"), s)
    assert s[a:b] == "256天"
    cands = span_candidates(analyze("由哪个公司开发？"), "该游戏由光荣和ω-force开发。")
    assert any(c.source.startswith("align") for c in cands)


@pytest.mark.parametrize(("question", "sentence", "answer"), [
    ("龙马物流园位于哪里？", "龙马物流园位于洪洞县甘亭镇，总投资12亿元，占地面积1200亩。",
     "洪洞县甘亭镇"),
    ("谁担任副县长？", "2023年，张建国任县长，李明华任副县长。", "李明华"),
    ("县医院由哪家医院托管？", "县人民医院由山西医科大学第一医院托管，新增床位200张。",
     "山西医科大学第一医院"),
    ("山楂产业园引进了几家企业？", "华翔集团新建铸造生产线投产，山楂产业园引进深加工企业6家。",
     "6家"),
])
def test_direct_span_is_the_name_or_figure_not_the_clause(question: str, sentence: str,
                                                           answer: str) -> None:
    # real jieba words and parts of speech; the span the wh-word's gap leaves wins
    a, b = direct_span(analyze(question), sentence)
    assert sentence[a:b] == answer


@pytest.mark.parametrize(("question", "answer"), [
    ("绛县2024年GDP增长多少？", "5%"),  # GDP written 地区生产总值 in the sentence
    ("绛县2024年固定资产投资涨了多少？", "13.8%"),
])
def test_direct_span_reads_the_question_in_the_sentences_words(question: str,
                                                                answer: str) -> None:
    s = ("全县地区生产总值增长5%,固定资产投资增长13.8%,规上工业增加值增长12%,"
         "城乡居民人均可支配收入分别增长4.8%、6%。")
    a, b = direct_span(analyze(question), s)
    assert s[a:b] == answer


def test_word_span_candidates_reach_inside_clauses() -> None:
    s = "扁掌龙亚科持续生存到马斯垂克阶末期，生存了近2,400万年。"
    texts = {s[c.start : c.end] for c in span_candidates(analyze("生存了多少年？"), s)}
    assert {"近2,400万年", "2,400万年", "马斯垂克阶末期"} <= texts
    q = analyze("生存了多少年？")
    assert all(any(ch.isdigit() for ch in s[c.start : c.end]) for c in typed_candidates(q, s))


def test_span_model_is_small_and_named() -> None:
    m = load_model("span", SPAN_FEATURES)  # trained for the features span.py computes
    assert m is not None and len(m.coef) == len(m.features) and m.meta.get("data")
    assert (WEIGHTS_DIR / "span.json").stat().st_size < 50_000


def test_linear_model_round_trip(tmp_path: Any) -> None:
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    m = LinearModel(("a", "b")).fit(X, np.array([0, 1, 0, 1]))
    m.save(tmp_path / "m.json")
    back = LinearModel.from_json(__import__("json").loads((tmp_path / "m.json").read_text()))
    assert np.allclose(back.predict_proba(X), m.predict_proba(X), atol=1e-5)


# Features and models
def test_unit_features_shape_and_coverage() -> None:
    hits = [_hit("龙马物流园正式揭牌。园区包装了9个配套项目。")]
    q = analyze("龙马物流园进展如何？")
    units = candidate_units(hits)
    X = unit_features(context_for(q, CorpusStats([h.chunk for h in hits])), units, hits)
    assert X.shape == (2, len(UNIT_FEATURES))
    assert X[0, UNIT_FEATURES.index("cov")] > X[1, UNIT_FEATURES.index("cov")]


@pytest.mark.parametrize(("question", "kind"), [
    ("绛县今年两会是哪几天开的？", "date"), ("会议在哪天召开？", "date"), ("洪洞在哪里？", "place"),
])
def test_which_days_asks_for_a_date(question: str, kind: str) -> None:
    wh = find_wh(question)
    assert wh is not None and wh.kind == kind


def test_the_sentence_with_the_predicate_outranks_the_subjects_other_sentences() -> None:
    # The subject is in every sentence: the bigrams of what is asked about (为食) tell them apart
    hits = [_hit("扁掌龙亚科是群中型沧龙类，身长介于12到25公尺之间。扁掌龙亚科分布广泛。"
                 "大部分扁掌龙亚科是鱼食性动物，以头足类为食。")]
    q = analyze("扁掌龙亚科主要以什么为食？")
    units = candidate_units(hits)
    X = unit_features(context_for(q, CorpusStats([h.chunk for h in hits])), units, hits)
    col = X[:, UNIT_FEATURES.index("bigram_local")]
    assert "为食" in units[int(np.argmax(col))].text


def test_a_sentence_that_refers_back_carries_its_neighbours_match() -> None:
    hits = [_hit("大果西番莲是西番莲属的植物，叶柄粗壮。其叶柄有四到六个腺体。")]
    q = analyze("大果西番莲的叶柄有什么特点？")
    units = candidate_units(hits)
    X = unit_features(context_for(q, CorpusStats([h.chunk for h in hits])), units, hits)
    back = [i for i, u in enumerate(units) if u.text.startswith("其")]
    assert back and X[back[0], UNIT_FEATURES.index("anaphor")] == 1.0
    own, ctx = (X[back[0], UNIT_FEATURES.index(n)] for n in ("bigram_local", "bigram_local_ctx"))
    assert ctx >= own


def test_counts_and_goals_the_question_names() -> None:
    assert named_counts("洪洞要培育哪6大产业集群？") == {(6, "大")}
    assert named_counts("全力办好十五件民生实事，第六项") == {(15, "件")}
    assert target_of("到2025年,高标准农田达50万亩") == "goal"
    assert target_of("全年新建高标准农田3万亩") == "actual"


@pytest.mark.parametrize(("passage", "clash"), [
    ("着力打造 6 大产业集群：智能装备制造、煤机制造、新材料。", 0.0),
    ("现代煤化工、高端装备制造业3条赛道齐头并进，产业集群效应显现。", 1.0),
])
def test_a_count_the_best_passage_never_states_is_a_clash(passage: str, clash: float) -> None:
    hits = [_hit(passage)]
    q = analyze("洪洞要培育哪6大产业集群？")
    ctx = context_for(q, CorpusStats([h.chunk for h in hits]))
    units = candidate_units(hits)
    X, p = score_units(ctx, units, hits)
    row = question_features(ctx, units, X, p, hits)
    assert row.shape == (1, len(QUESTION_FEATURES))
    assert row[0, QUESTION_FEATURES.index("count_clash1")] == clash


def test_committed_models_match_the_features() -> None:
    assert load_model("unit", UNIT_FEATURES) is not None
    assert load_model("rerank", RERANK_FEATURES) is not None
    assert load_model("answerable", QUESTION_FEATURES) is not None


def test_rerank_reads_the_span_next_to_the_thing_asked_about() -> None:
    # The subject is in every sentence; the figure for the attribute asked is in one
    hits = [_hit("黄鳍紫鱼是笛鲷科的一种。黄鳍紫鱼分布于印度洋。黄鳍紫鱼体长可达50公分。"
                 "黄鳍紫鱼栖息于珊瑚礁区。")]
    q = analyze("黄鳍紫鱼体长多少？")
    ctx = context_for(q, CorpusStats([h.chunk for h in hits]))
    units = candidate_units(hits)
    X, p = score_units(ctx, units, hits)
    R, p2 = rerank(ctx, units, p)
    assert R.shape == (min(TOP_K, len(units)), len(RERANK_FEATURES))
    best = units[int(np.argmax(p2))]
    assert "50公分" in best.text and best.p == max(u.p for u in units)
    # the reread best unit: its span is of the asked kind and sits next to 体长
    assert R[0, RERANK_FEATURES.index("span_typed")] == 1.0
    assert R[0, RERANK_FEATURES.index("focal_near")] > 0.5


# Composition (lists: test_answer_lists.py)
def test_a_sentence_dated_to_another_year_is_not_quoted() -> None:
    # Asked about 2020: the 2024 figure is another year's answer, the undated one is kept
    assert chosen_texts("洪洞2020年空气好的天数有多少？",
                        ("2024年优良天数256天，较上年度增加42天。", 0.9),
                        ("空气质量二级以上天数达192天。", 0.5)) == ["空气质量二级以上天数达192天。"]
    # a comparison year (比2023年) does not date the sentence
    units = candidate_units([_hit("优良天数256天，比2023年增加42天。")])
    units[0].p = 0.9
    assert choose(units, analyze("洪洞2024年空气好的天数有多少？"), 5) == units


def test_figure_question_quotes_a_figure_of_the_asked_kind(tiny_index: Any,
                                                           tiny_settings: Any) -> None:
    ans = answer_question("洪洞一般公共预算收入是多少亿元？", tiny_index, tiny_settings)
    assert ans.answerable and "18.6亿元" in ans.direct_answer
    pct = answer_question("绛县2024年地区生产总值增长多少？", tiny_index, tiny_settings)
    assert pct.answerable and "%" in pct.direct_answer and "5%" in pct.answer


def test_a_count_is_of_the_measure_the_question_names() -> None:
    # 几场 asks for events: the sentence counting people is another figure, 个 counts anything
    assert analyze("今年有几场招聘会？").unit_kind == "count:场"
    assert analyze("引进了多少名医生？").unit_kind == "count:人"
    assert analyze("新增多少人？").unit_kind == "count:人"
    assert analyze("建了多少个村？").unit_kind == "count"
    assert "count:场" in unit_kinds_of("举办招聘活动60场") & unit_kinds_of("新建站点3个")
    assert "count:场" not in unit_kinds_of("引进医务人员20名")
    assert chosen_texts("在绛县想找活干，今年有几场招人的？",
                        ("引进招聘高层次医务人员20名以上。", 0.9),
                        ("全年举办各类招聘活动60场。", 0.5)) == ["全年举办各类招聘活动60场。"]


def test_a_rank_question_is_answered_by_the_place_in_the_ranking() -> None:
    # 排第几 asks for a place in a ranking (第3), not the sentence's other figures, and an
    # ordinal (第49个) or a period (前三季度) is no ranking
    query = analyze("洪洞2023年GDP在全市排第几？")
    assert query.unit_kind == "rank"
    assert "rank" not in unit_kinds_of("成为第49个内陆港，前三季度增长5%")
    units = candidate_units([_hit("全年地区生产总值完成227.75亿元，同比增长7%，总量排名全市第3。")])
    units[0].p = 0.9
    chosen = choose(units, query, 5)
    ans = compose(chosen, query, Decision(True, 0.9), [units[0].hit])
    assert ans.direct_answer == "第3" and ans.answer == "总量排名全市第3。[1]"


def test_figure_question_without_a_figure_of_its_kind_quotes_nothing() -> None:
    # 「GDP多少」 asks for a sum of money; a passage that states only a growth rate answers
    # something else, so nothing is quoted (composition then declines)
    retail = ("社会消费品零售总额增长8.6%左右。", 0.9)
    assert chosen_texts("洪洞2024年前三季度GDP多少？", retail) == []


def test_date_question_without_a_date_is_declined(tiny_index: Any, tiny_settings: Any) -> None:
    ans = answer_question("山东港口内陆港什么时候在龙马物流园揭牌？", tiny_index, tiny_settings)
    assert not ans.answerable and ans.answer.startswith("现有资料中没有找到")


def test_traditional_question_gets_the_same_answer(tiny_index: Any, tiny_settings: Any) -> None:
    from rag.service import RAGService

    svc = RAGService(tiny_settings, index=tiny_index)
    simple, trad = svc.ask("龙马物流园进展如何？"), svc.ask("龍馬物流園進展如何？")
    assert trad.answerable and trad.answer == simple.answer


@pytest.mark.parametrize("question", ["绛县山楂产业园引进了几家企业？",
                                      "洪洞新能源装机容量达到多少？",
                                      "洪洞2024年全县地区生产总值增长目标是多少？"])
def test_direct_answer_is_inside_the_first_quote(tiny_index: Any, tiny_settings: Any,
                                                 question: str) -> None:
    ans = answer_question(question, tiny_index, tiny_settings)
    assert ans.answerable and ans.direct_answer
    assert ans.direct_answer in ans.citations[0].quotes[0]["quote"]
    # the answer leads with it (after a short 「据…资料，」 when the question named no year)
    assert ans.answer.split("，", 1)[-1].startswith(ans.citations[0].quotes[0]["quote"][:4]) \
        or ans.answer.startswith(ans.citations[0].quotes[0]["quote"][:4])
    assert 0 < ans.confidence <= 1


def test_english_question_never_crashes(tiny_index: Any, tiny_settings: Any) -> None:
    ans = answer_question("What is the progress of the Longma logistics park?", tiny_index,
                          tiny_settings)
    assert isinstance(ans.answerable, bool) and ans.answer


@pytest.mark.parametrize(("question", "note"), [
    ("洪洞县新能源装机容量达到多少？", "洪洞县"),  # the question named the county
    ("新能源装机容量达到多少？", ""),
])
def test_source_note_says_only_what_the_question_did_not_name(
        tiny_index: Any, tiny_settings: Any, question: str, note: str) -> None:
    ans = answer_question(question, tiny_index, tiny_settings)
    assert ans.answerable
    c = ans.citations[0]
    head = ans.answer.split("，", 1)[0]
    if note:
        assert head.startswith("据") and note not in head and f"{c.year}年" in head
    else:
        assert head == f"据{c.county}{c.year}年资料"
