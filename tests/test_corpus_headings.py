"""Heading detection: every heading form of the corpus, nesting, and the no-heading fallback."""

from __future__ import annotations

from rag.corpus import Document, chunk_document, normalize_text
from rag.corpus.headings import detect_headings
from rag.corpus.sections import build_sections
from rag.settings import Settings

SETTINGS = Settings(
    chunk_target_chars=450, chunk_max_chars=600, chunk_min_chars=60, chunk_overlap_chars=60
)
BODY = (
    "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，推动经济实现质的有效提升和量的合理增长，"
    "着力扩大有效需求，持续增进民生福祉。"
)


def _headings(raw: str) -> list[tuple[str, str]]:
    return [(h.label, h.style) for h in detect_headings(normalize_text(raw)) if h.label]


def _paths(raw: str, title: str = "T") -> list[list[str]]:
    """Heading path of every section (before sections are packed into chunks)."""
    n = normalize_text(raw)
    return [list(s.path) for s in build_sections(n.text, detect_headings(n), title)]


def test_run_in_bold_headings() -> None:
    raw = (
        f"**激活产业“驱动力”，发展动力活力不断增强。**{BODY}\n\n"
        f"**能源产业转型升级。**悦昌、张端煤业复工复产加快推进。{BODY}\n\n"
        f"**新兴产业厚积成势。**集群化打造智能制造。{BODY}\n"
    )
    assert _headings(raw) == [
        ("激活产业“驱动力”，发展动力活力不断增强", "bold_long"),
        ("能源产业转型升级", "bold_short"),
        ("新兴产业厚积成势", "bold_short"),
    ]
    assert ["T", "激活产业“驱动力”，发展动力活力不断增强", "能源产业转型升级"] in _paths(raw)


def test_stand_alone_short_lines_and_two_line_chapter() -> None:
    raw = (
        f"本规划根据县委建议编制，{BODY}\n\n"
        f"坚决扛起重大历史使命 开启全面建设\n\n“幸福老家洪洞”新征程\n\n{BODY}\n\n"
        f"发展成就\n\n经济发展稳定向好。 全县经济总量总体保持稳定，{BODY}\n\n"
        f"发展环境\n\n{BODY}\n"
    )
    assert _headings(raw) == [
        ("坚决扛起重大历史使命 开启全面建设“幸福老家洪洞”新征程", "plain_long"),
        ("发展成就", "plain_short"),
        ("经济发展稳定向好", "lead"),
        ("发展环境", "plain_short"),
    ]
    chapter = "坚决扛起重大历史使命 开启全面建设“幸福老家洪洞”新征程"
    paths = _paths(raw)
    assert ["T", chapter, "发展成就", "经济发展稳定向好"] in paths
    assert ["T", chapter, "发展环境"] in paths


def test_bullets_are_headings_only_when_body_follows() -> None:
    raw = (
        f"全力办好民生实事\n\n- 一是发放高龄津贴\n- 二是免费送戏下乡\n\n"
        f"重点工作\n\n- 做大传统产业\n\n{BODY}\n\n- 做强新兴产业\n\n{BODY}\n"
    )
    hs = _headings(raw)
    assert ("做大传统产业", "bullet") in hs and ("做强新兴产业", "bullet") in hs
    assert not any("高龄津贴" in label for label, _ in hs)  # a bare list is body text
    assert ["T", "重点工作", "做大传统产业"] in _paths(raw)


def test_chinese_numbering_nests() -> None:
    raw = (
        f"第一章 总体要求\n\n{BODY}\n\n第一节 指导思想\n\n{BODY}\n\n"
        f"一、稳增长\n\n{BODY}\n\n（一）扩大投资\n\n{BODY}\n\n1. 重点项目\n\n{BODY}\n\n"
        f"（二）促进消费\n\n{BODY}\n\n第二节 主要目标\n\n{BODY}\n"
    )
    styles = dict(_headings(raw))
    assert styles["第一章 总体要求"] == "chapter_num"
    assert styles["第一节 指导思想"] == "section_num"
    assert styles["一、稳增长"] == "cn_num"
    assert styles["（一）扩大投资"] == "paren_num"
    assert styles["1. 重点项目"] == "arabic_num"
    paths = _paths(raw)
    ch, sec = "第一章 总体要求", "第一节 指导思想"
    assert ["T", ch, sec, "一、稳增长", "（一）扩大投资", "1. 重点项目"] in paths
    assert ["T", ch, sec, "一、稳增长", "（二）促进消费"] in paths
    assert ["T", ch, "第二节 主要目标"] in paths


def test_year_sections() -> None:
    raw = (
        f"2024年工作回顾\n\n{BODY}\n\n坚定不移推动经济持续向好 全方位扩大有效需求\n\n"
        f"激发消费潜能。{BODY}\n\n2025年工作安排\n\n{BODY}\n\n2023 踵事增华踔厉奋发\n\n{BODY}\n"
    )
    hs = _headings(raw)
    assert ("2024年工作回顾", "year") in hs and ("2025年工作安排", "year") in hs
    assert ("2023 踵事增华踔厉奋发", "year") in hs
    paths = _paths(raw)
    assert [
        "T",
        "2024年工作回顾",
        "坚定不移推动经济持续向好 全方位扩大有效需求",
        "激发消费潜能",
    ] in paths
    assert ["T", "2025年工作安排"] in paths  # a year closes the sections of the year before


def test_lead_sentences_of_ocr_columns() -> None:
    raw = (
        "强化基层治理底线思维。牢固树立总体\n国家安全观，统筹发展和安全两件大事，建设\n"
        "更高水平的“平安洪洞”。认真落实信访接待\n制度，完善陪访约访下访机制。\n\n"
        "强化生态文明底线思维。坚决扛起生态\n文明建设政治责任，突出精准治污、科学治\n"
        "污、依法治污，一体推进治山治水治气。\n"
    )
    assert _headings(raw) == [("强化基层治理底线思维", "lead"), ("强化生态文明底线思维", "lead")]


def test_lead_rules_reject_ordinary_sentences() -> None:
    raw = f"加快转型发展是洪洞的首要任务。{BODY}\n\n安全是发展的前提,发展是安全的保障。{BODY}\n"
    assert _headings(raw) == []


def test_byline_starts_a_new_article() -> None:
    raw = (
        f"洪洞：奋力争先崛起\n\n展现洪洞风采。{BODY}（李安安 梁慧彦 樊 婷）\n\n"
        f"今后五年，是关键时期。{BODY}\n\n强化基层治理底线思维。{BODY}\n"
    )
    paths = _paths(raw)
    assert paths[-1] == ["T", "强化基层治理底线思维"]  # not filed under 洪洞：奋力争先崛起


def test_slogan_list_is_body_text() -> None:
    raw = (
        f"{BODY}\n\n扛牢“第一责任” 坚定抓好党建\n\n紧盯“第一防线” 全力守好底线\n\n"
        "优化“第一要素” 坚持树好形象\n\n洪洞县委副书记、县长调研指导工作\n"
    )
    assert _headings(raw) == []
    assert _paths(raw) == [["T"], ["T"]]  # body, then the list as a section of its own


def test_no_headings_falls_back_to_paragraph_and_sentence_chunks() -> None:
    sentences = [f"第{i}句话说明，全县推进项目建设的具体进展和成效。" for i in range(60)]
    raw = "\n\n".join("".join(sentences[i : i + 6]) for i in range(0, 60, 6))
    n = normalize_text(raw)
    assert detect_headings(n) == []
    doc = Document("d", "d.txt", "T", n.text)
    chunks = chunk_document(doc, SETTINGS)
    assert len(chunks) > 3
    assert all(c.heading_path == ["T"] for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)  # cut at sentence ends
    assert all(len(c.text) <= SETTINGS.chunk_max_chars for c in chunks)
