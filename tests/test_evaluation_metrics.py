"""Metric functions of the eval harness on hand-made examples with known values."""

from __future__ import annotations

import pytest

from rag.evaluation import metrics as m
from rag.evaluation.thresholds import check_thresholds


# Ranking
def test_hit_at_k_counts_only_the_first_k() -> None:
    rel = [False, False, True, False]
    assert [m.hit_at_k(rel, k) for k in (1, 2, 3, 10)] == [0.0, 0.0, 1.0, 1.0]
    assert m.hit_at_k([], 5) == 0.0


def test_mrr_uses_the_first_relevant_rank_within_k() -> None:
    assert m.mrr_at_k([True, True], 10) == 1.0
    assert m.mrr_at_k([False, False, False, True], 10) == 0.25
    assert m.mrr_at_k([False, False, False, True], 3) == 0.0
    assert m.mrr_at_k([], 10) == 0.0


def test_evidence_recall_ignores_whitespace_and_counts_each_string_once() -> None:
    passages = ["龙马物流园 正式\n揭牌", "总投资20.5亿元", "无关段落"]
    evidence = ["物流园正式揭牌", "20.5亿元", "第49个内陆港"]
    assert m.evidence_recall_at_k(passages, evidence, 1) == pytest.approx(1 / 3)
    assert m.evidence_recall_at_k(passages, evidence, 5) == pytest.approx(2 / 3)
    assert m.evidence_recall_at_k(passages, [], 5) == 0.0


def test_contains_evidence() -> None:
    assert m.contains_evidence("坚 定 抓 好 党 建", ["抓好党建"])
    assert not m.contains_evidence("坚定抓好党建", ["绛县"])


# Char-F1
def test_char_f1_identical_after_punctuation_whitespace_and_markers() -> None:
    assert m.char_f1("增长 6.5%[1]。", "增长6.5%") == 1.0
    assert m.char_f1("“四地一城”[2][3]", "四地一城") == 1.0
    assert m.char_f1("ＧＤＰ增长", "gdp增长") == 1.0  # full width and case folded


def test_char_f1_partial_overlap_known_value() -> None:
    # prediction 洪洞县地区生产总值 (9 chars), reference 地区生产总值增长 (8 chars), 6 shared
    f1 = m.char_f1("洪洞县地区生产总值[1]。", "地区生产总值增长")
    p, r = 6 / 9, 6 / 8
    assert f1 == pytest.approx(2 * p * r / (p + r))


def test_char_f1_counts_repeated_characters_as_a_bag() -> None:
    # 县县县 vs 县: one shared character; P = 1/3, R = 1
    assert m.char_f1("县县县", "县") == pytest.approx(0.5)


def test_char_f1_empty_cases() -> None:
    assert m.char_f1("", "") == 1.0
    assert m.char_f1("[1]。", "") == 1.0  # nothing left after normalisation on both sides
    assert m.char_f1("答案", "") == 0.0
    assert m.char_f1("", "答案") == 0.0
    assert m.char_f1("甲乙", "丙丁") == 0.0


def test_strip_citations_keeps_bracketed_text_that_is_not_a_marker() -> None:
    assert m.strip_citations("见[1]、[2, 3]和[附件]") == "见、和[附件]"


# Abstention and citations
def test_abstain_precision_recall_mixed() -> None:
    abstained = [True, True, True, False, False]
    unanswerable = [True, True, False, True, False]
    p, r = m.abstain_precision_recall(abstained, unanswerable)
    assert p == pytest.approx(2 / 3)
    assert r == pytest.approx(2 / 3)


def test_abstain_with_no_abstentions_has_undefined_precision_and_zero_recall() -> None:
    assert m.abstain_precision_recall([False, False], [True, False]) == (None, 0.0)


def test_abstain_with_no_unanswerable_questions() -> None:
    assert m.abstain_precision_recall([True, False], [False, False]) == (0.0, None)
    assert m.abstain_precision_recall([], []) == (None, None)
    with pytest.raises(ValueError):
        m.abstain_precision_recall([True], [])


def test_citation_precision() -> None:
    assert m.citation_precision([True, True, False, False]) == 0.5
    assert m.citation_precision([]) is None


# Aggregates
def test_percentile_matches_linear_interpolation() -> None:
    xs = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert m.percentile(xs, 50) == 3.0
    assert m.percentile(xs, 0) == 1.0
    assert m.percentile(xs, 100) == 5.0
    assert m.percentile(xs, 95) == pytest.approx(4.8)
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) is None
    with pytest.raises(ValueError):
        m.percentile(xs, 101)


def test_mean() -> None:
    assert m.mean([1.0, 0.0]) == 0.5
    assert m.mean([]) is None


# The gate
def test_check_thresholds_reports_each_miss() -> None:
    result = {
        "overall": {"hit@5": 0.91, "mrr@10": 0.70, "latency_ms_p95": 900.0, "abstain_recall": None},
        "by_type": {"unanswerable": {"abstain_recall": 0.4}},
    }
    bounds = {
        "min": {"hit@5": 0.90, "mrr@10": 0.80, "abstain_recall": 0.5},
        "max": {"latency_ms_p95": 500},
        "by_type": {"unanswerable": {"min": {"abstain_recall": 0.5}}},
    }
    problems = check_thresholds(result, bounds)
    assert len(problems) == 4
    assert any("overall mrr@10 = 0.7 is below its floor 0.8" in p for p in problems)
    assert any("latency_ms_p95" in p and "ceiling" in p for p in problems)
    assert any(p.startswith("overall abstain_recall is undefined") for p in problems)
    assert any(p.startswith("type unanswerable abstain_recall") for p in problems)
    assert check_thresholds(result, {"min": {"hit@5": 0.9}}) == []
