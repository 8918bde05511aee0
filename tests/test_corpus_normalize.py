"""Normalisation: OCR wraps, spaced text, doubled captions, bylines, furniture, offset maps."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.corpus import normalize_text
from rag.corpus.offsets import SYNTHETIC

# A narrow OCR column like 001: lines wrap mid-sentence, a blank line falls inside one.
OCR = """ 五年来，在临汾市委、市政府的坚强
领导下，洪洞县委、县政府坚持以习近平
新时代中国特色社会主义思想为指引。

发展质量持续提升。全面实施乡村
振兴战略，与清华大学合作建设乡村振
兴工作站；狠抓农业安全生产，被评为

“全国平安农机示范县”，成功承办现场
会。持续深化有机旱作农业，成功申报
示范县，加快推进项目建设。

群众福祉持续增进。坚持把惠好民
生作为工作的出发点和落脚点，作出应
有的贡献！（李安安 洛宇峰 徐 静）

扛牢“第一责任”
坚 定 抓 好 党 建

洪洞县委副书记洪洞县委副书记、、县长李俊平调研县长李俊平调研
"""


def _check_offsets(raw: str, norm_text: str, offsets: Sequence[int]) -> None:
    assert len(offsets) == len(norm_text)
    for i, o in enumerate(offsets):
        if o != SYNTHETIC:
            assert raw[o] == norm_text[i]


def test_ocr_wraps_join_within_and_across_blank_lines() -> None:
    n = normalize_text(OCR)
    assert n.meta["ocr_layout"] is True
    assert "在临汾市委、市政府的坚强领导下，洪洞县委" in n.text
    # the blank line inside the sentence is gone
    assert "被评为“全国平安农机示范县”，成功承办现场会。" in n.text
    # a finished paragraph stays a paragraph
    assert "示范县，加快推进项目建设。\n\n群众福祉持续增进。" in n.text
    _check_offsets(OCR, n.text, n.offsets)


def test_spaced_text_joined_and_byline_moved_to_meta() -> None:
    n = normalize_text(OCR)
    assert "坚定抓好党建" in n.text
    assert "扛牢“第一责任” 坚定抓好党建" in n.text  # a slogan block keeps its two halves apart
    assert "李安安" not in n.text and "洛宇峰" not in n.text
    assert n.meta["bylines"] == [["李安安", "洛宇峰", "徐静"]]
    assert "作出应有的贡献！" in n.text


def test_doubled_caption_collapsed() -> None:
    n = normalize_text(OCR)
    assert n.text.endswith("洪洞县委副书记、县长李俊平调研")
    assert "副书记洪洞" not in n.text


def test_ordinary_repeats_are_kept() -> None:
    text = "城乡美美与共、美美与共正在起步，全县上下齐心协力推进发展。"
    assert normalize_text(text).text == text


def test_trailing_author_line_kept_out_of_body() -> None:
    raw = "**一起拼，一定赢！**踏上新征程，槐乡儿女砥砺前行。\n\n李安安 上官仕发 王舒一\n"
    n = normalize_text(raw)
    assert "王舒一" not in n.text
    assert n.meta["authors"] == [["李安安", "上官仕发", "王舒一"]]
    assert n.text == "一起拼，一定赢！踏上新征程，槐乡儿女砥砺前行。"  # ** markers dropped
    assert n.paragraphs[0].bold_len == len("一起拼，一定赢！")


def test_slogan_is_not_an_author_line() -> None:
    raw = "干字当头 实字为要\n\n会议胜利召开，号召全县上下奋力推进。"
    assert "干字当头 实字为要" in normalize_text(raw).text


def test_punctuation_kept_as_written() -> None:
    raw = "会议回顾总结了绛县2024年工作,制定了(2025年)目标：全县“两会”（县人大）召开；完成１０项。"
    assert normalize_text(raw).text == raw


def test_page_furniture_and_site_tail_dropped() -> None:
    raw = (
        "洪洞县十四五规划\n\n[可行性研究报告 - 规划计划] 发表于:2022-08-03 14:43:03\n"
        "收藏\n前言\n详情\n\n"
        "规划正文第一段，是全县人民共同奋斗的行动纲领。\n\n附件\n规划.pdf 【下载附件】\n"
        "温馨提示:\n1. 未经权益所有人同意不得将文件中的内容挪作商业用途。\n"
        "2. 本站不保证下载资源的准确性。\n投资项目经济评价系统 大牛约稿\n"
    )
    n = normalize_text(raw)
    assert "发表于" not in n.text and "收藏" not in n.text and "详情" not in n.text
    assert "温馨提示" not in n.text and "下载附件" not in n.text and "大牛" not in n.text
    assert "前言" in n.text and "行动纲领。" in n.text
    assert any("温馨提示" in f for f in n.meta["furniture"])
    _check_offsets(raw, n.text, n.offsets)


def test_caption_inside_a_sentence_moves_after_it() -> None:
    raw = (
        "**政策支撑有力。**落实省市促消费、扩投资等一揽子增量政策，成功争取上级资金10.32亿元，争取的专项债资"
        "\n\n\n\n2月22日，洪洞县举行见贤里新春招商发布会。\n\n"
        "金额位列全市第1、全省第9。举办系列活动，带动消费3500余万元。\n"
    )
    n = normalize_text(raw)
    assert "争取的专项债资金额位列全市第1" in n.text
    assert n.text.index("带动消费") < n.text.index("2月22日")
    moved = [p for p in n.paragraphs if p.moved]
    assert [n.text[p.start : p.end] for p in moved] == ["2月22日，洪洞县举行见贤里新春招商发布会。"]
    _check_offsets(raw, n.text, n.offsets)


def test_heading_inside_a_sentence_moves_after_it() -> None:
    raw = (
        "稳定对外贸易。支持两家外贸企业稳产扩能，鼓励小微企业抓订单、拓市场。依托康园公司外贸出口"
        "\n\n2025年工作安排\n\n资质,推动山楂、樱桃等名优产品走出国门。\n\n"
        "坚定不移推动城乡融合发展 实现全域共融共美\n\n"
        "持之以恒提升城市品质。深入践行人民城市理念。\n"
    )
    n = normalize_text(raw)
    assert "外贸出口资质,推动山楂" in n.text
    assert n.text.index("走出国门。") < n.text.index("2025年工作安排") < n.text.index("坚定不移")


def test_repeated_sentences_dropped() -> None:
    s = "完成5家整合关闭矿山生态修复,加快8万亩集体林权退耕还林地确权。"
    n = normalize_text("打好生态保护持久战。" + s * 3)
    assert n.text.count(s) == 1 and n.meta["duplicates_dropped"] == 2


def test_empty_and_blank_text() -> None:
    assert normalize_text("").text == ""
    assert normalize_text(" \n\n\u3000\n").paragraphs == []


# Property: every character of the normalised text comes from the same character in the raw text
_chars = st.sampled_from(list("洪洞县发展项目建设。，、；：“”（）! ?\n\n 　**-#12ab坚定李"))


@settings(max_examples=150, deadline=None)
@given(st.text(_chars, max_size=300))
def test_offset_map_points_at_the_same_characters(raw: str) -> None:
    n = normalize_text(raw)
    _check_offsets(raw, n.text, n.offsets)
    for p in n.paragraphs:
        assert 0 <= p.start < p.end <= len(n.text)
