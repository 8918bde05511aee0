"""CMRC 2018 scoring (official algorithm), the direct-span metrics, splits and gateable keys."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rag.evaluation.cmrc import cmrc_em, cmrc_f1, mixed_segmentation, remove_punctuation
from rag.evaluation.dataset import EvalItem, parse_item
from rag.evaluation.harness import QuestionResult, _direct_scores, extra_metrics, summarize
from rag.evaluation.splits import in_split, split_of
from rag.evaluation.thresholds import check_thresholds, load_thresholds
from rag.exceptions import ConfigError

SPAN = EvalItem("q1", "生命数耗完即算为什么？", "p.txt", ("踢爆",), "踢爆", "span",
                direct=("踢爆",))


# The official algorithm
def test_mixed_segmentation_splits_cjk_keeps_latin_and_digit_runs() -> None:
    assert mixed_segmentation("Nexon于2005年开发") == ["nexon", "于", "2005", "年", "开", "发"]
    assert mixed_segmentation("《泡泡堂》，", rm_punc=False) == ["《", "泡", "泡", "堂", "》", "，"]
    assert mixed_segmentation("《泡泡堂》，", rm_punc=True) == ["泡", "泡", "堂"]
    assert mixed_segmentation("增长6.5% GDP") == ["增", "长", "6.5", "%", "gdp"]
    assert remove_punctuation(" A-B：泡泡·堂 ") == "ab泡泡堂"


def test_f1_is_over_the_longest_common_run_not_a_bag_of_characters() -> None:
    # Same characters, reversed: a bag-of-characters F1 would say 1.0
    assert cmrc_f1("爆踢", ["踢爆"]) == pytest.approx(0.5)
    # pred 6 segments, gold 2, common run 2: P 1/3, R 1 -> 0.5
    assert cmrc_f1("比赛中被踢爆", ["踢爆"]) == pytest.approx(0.5)
    assert cmrc_f1("踢爆。", ["踢爆"]) == 1.0  # punctuation removed before scoring
    # Best over the gold answers
    assert cmrc_f1("2005年", ["2004年", "2005年"]) == 1.0
    assert cmrc_f1("", ["踢爆"]) == 0.0 and cmrc_f1("踢爆", []) == 0.0


def test_em_ignores_case_and_listed_punctuation_only() -> None:
    assert cmrc_em("《iPhone》", ["iphone"]) == 1.0
    assert cmrc_em("踢爆了", ["踢爆"]) == 0.0
    assert cmrc_em("踢爆", ["x", "踢爆"]) == 1.0


# Direct-span metrics on synthetic results
def _result(item: EvalItem, answered: bool, direct: str, answer: str) -> QuestionResult:
    scores = _direct_scores(item, answered, direct, answer)
    return QuestionResult(item, answer=answer, answerable=answered,
                          direct_answer=direct if answered else "", direct_f1=scores["direct_f1"],
                          direct_em=scores["direct_em"], text_f1=scores["text_f1"],
                          text_em=scores["text_em"])


def test_direct_metrics_fall_back_to_the_answer_text_and_report_both() -> None:
    results = [
        _result(SPAN, True, "踢爆", "生命数耗完即算踢爆。[1]"),  # direct span filled
        _result(SPAN, True, "", "踢爆[1]。"),  # empty span: the answer text is scored
        _result(SPAN, False, "", "文档中没有找到答案。"),  # declined: scores 0
    ]
    extra = extra_metrics(results)
    # direct: 1, 1, 0 -> 66.67; answer text: F1(生命数耗完即算踢爆, 踢爆)=2/(9/2+1)... , 1, 0
    assert extra["direct_f1"] == pytest.approx(66.67) and extra["direct_em"] == pytest.approx(66.67)
    text_f1 = (cmrc_f1("生命数耗完即算踢爆。", ["踢爆"]) + 1.0) / 3 * 100
    assert extra["answer_text_f1"] == pytest.approx(round(text_f1, 2))
    assert extra["answer_text_em"] == pytest.approx(33.33)
    assert extra["false_abstention"] == pytest.approx(0.3333)
    assert extra["direct_filled"] == 0.5  # of the two answered, one had a span
    row = summarize(results)
    assert row["direct_f1"] == extra["direct_f1"] and row["n"] == 3


def test_items_without_gold_spans_leave_direct_metrics_undefined() -> None:
    plain = EvalItem("q2", "GDP增长多少？", "a.txt", ("增长6.5%",), "6.5%", "number")
    extra = extra_metrics([_result(plain, True, "", "增长6.5%[1]")])
    assert extra["direct_f1"] is None and extra["false_abstention"] == 0.0


def test_jsonl_items_may_carry_direct_gold_answers() -> None:
    item = parse_item({"id": "q", "question": "增长多少？", "evidence": ["增长6.5%"],
                       "answer": "6.5%", "direct": ["6.5%", " "]})
    assert item.direct == ("6.5%",) and item.split_key == "q"
    with pytest.raises(ValueError, match="direct"):
        parse_item({"id": "q", "question": "增长多少？", "evidence": [], "answer": "",
                    "direct": "6.5%"})


# Splits
def test_split_of_is_the_sha1_parity_rule_and_balanced() -> None:
    keys = [f"TRIAL_{i}" for i in range(1000)]
    for k in keys[:50]:
        want = "fit" if int(hashlib.sha1(k.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"
        assert split_of(k) == want
    fit = sum(split_of(k) == "fit" for k in keys)
    assert 430 < fit < 570
    assert all(in_split(k, "all") for k in keys[:10])
    with pytest.raises(ValueError, match="split"):
        in_split("q1", "train")


# The quality gate knows the new metrics
def test_thresholds_accept_the_new_metrics(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[min]\ndirect_f1 = 50\nlodo_abstain_recall = 0.8\n[max]\n'
                    'false_abstention = 0.05\n', encoding="utf-8")
    bounds = load_thresholds(path)
    ok = {"overall": {"direct_f1": 55.0, "lodo_abstain_recall": 0.9, "false_abstention": 0.04}}
    assert check_thresholds(ok, bounds) == []
    # Without --leave-doc-out the lodo metric is missing: the gate says so
    missing = {"overall": {"direct_f1": 55.0, "false_abstention": 0.04}}
    assert check_thresholds(missing, bounds) == [
        "overall lodo_abstain_recall is undefined (floor 0.8)"]
    path.write_text("[min]\ndirect_f2 = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="direct_f2"):
        load_thresholds(path)


def test_repo_thresholds_file_still_loads() -> None:
    bounds = load_thresholds(Path(__file__).resolve().parents[1] / "eval" / "thresholds.toml")
    assert bounds["min"]["hit@5"] >= 0.95
    assert json.dumps(bounds)  # plain data
