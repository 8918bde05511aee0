"""The five real documents: headings a reader recognises, repaired text, sane chunks, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.corpus import Chunk, Document, chunk_document, load_corpus
from rag.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SETTINGS = Settings(corpus_dir=CORPUS)


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    load = load_corpus(CORPUS)
    assert load.errors == []
    return {d.source[:3]: d for d in load.documents}


@pytest.fixture(scope="module")
def chunks(docs: dict[str, Document]) -> dict[str, list[Chunk]]:
    return {k: chunk_document(d, SETTINGS) for k, d in docs.items()}


def _paths(chunks: list[Chunk]) -> list[list[str]]:
    return [c.heading_path for c in chunks]


def test_manifest_metadata(docs: dict[str, Document]) -> None:
    meta = {k: (d.county, d.year, d.kind) for k, d in docs.items()}
    assert meta == {
        "000": ("洪洞县", 2025, "news"),
        "001": ("洪洞县", 2021, "news"),
        "002": ("洪洞县", 2024, "report"),
        "003": ("洪洞县", 2021, "plan"),
        "004": ("绛县", 2025, "news"),
    }


def test_every_chunk_maps_back_and_none_is_tiny(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    for key, doc in docs.items():
        for c in chunks[key]:
            assert doc.text[c.start : c.end] == c.text
            assert 20 <= len(c.text) <= SETTINGS.chunk_max_chars
            assert c.heading_path[0] == doc.title


def test_003_chapter_and_section_paths(chunks: dict[str, list[Chunk]]) -> None:
    paths = _paths(chunks["003"])
    chapter = "实施创新驱动、科教兴县、人才强县战略 着力提升核心竞争能力"
    assert any(p[1:3] == [chapter, "培育壮大创新主体"] for p in paths)
    assert any(
        p[1:] == ["实施新增长极战略 着力发展多元现代产业", "积极培育新兴产业"] for p in paths
    )
    assert any(
        p[1:3] == ["实施优势转换战略 争当绿色转型发展排头兵", "第二节 倡导绿色低碳能源消费方式"]
        for p in paths
    )
    # a two-line chapter title is one heading
    assert any(
        p[1] == "坚决扛起重大历史使命 开启全面建设“幸福老家洪洞”新征程" for p in paths if len(p) > 1
    )
    # lead phrases are the lowest level
    assert ["发展成就", "产业结构持续优化"] in [p[2:4] for p in paths]


def test_003_web_furniture_is_gone(docs: dict[str, Document]) -> None:
    text = docs["003"].text
    for junk in ("发表于", "收藏", "详情", "温馨提示", "下载附件", "大牛"):
        assert junk not in text
    assert text.rstrip().endswith("奋力书写全面建设社会主义现代化洪洞新篇章!")


def test_000_run_in_headings_are_section_names(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    names = {n for p in _paths(chunks["000"]) for n in p[1:]}
    for heading in (
        "激活产业“驱动力”，发展动力活力不断增强",
        "夯实经济“硬支撑”",
        "精细雕琢提升城市品质",
        "安全水平稳步提升",
    ):
        assert heading in names or any(heading in c.subheadings for c in chunks["000"])
    assert ["激活产业“驱动力”，发展动力活力不断增强", "物流产业蓬勃发展"] in [
        p[1:3] for p in _paths(chunks["000"])
    ]
    assert "**" not in docs["000"].text
    assert (
        "王舒一" not in docs["000"].text
        and ["李安安", "上官仕发", "王舒一"] in docs["000"].meta["authors"]
    )
    # the photo caption that interrupted a sentence no longer splits it
    assert "争取的专项债资金额位列全市第1" in docs["000"].text


def test_001_ocr_text_is_repaired(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    text = docs["001"].text
    assert "被评为“全国平安农机示范县”，成功承办" in text  # across a blank line mid-sentence
    assert "坚定抓好党建" in text and "坚 定" not in text
    assert (
        "洪洞县委副书记、县长李俊平调研指导煤矿安全生产等工作" in text and "副书记洪洞" not in text
    )
    assert "李安安" not in text and len(docs["001"].meta["bylines"]) == 6
    paths = _paths(chunks["001"])
    # after a byline a new article starts: its sections are not filed under the previous one
    assert ["强化生态文明底线思维"] in [p[1:] for p in paths]
    assert ["洪洞：奋力在全方位推进高质量发展中争先崛起", "强化历史厚重、人文璀璨的文化风尚"] in [
        p[1:] for p in paths
    ]


def test_002_and_004_year_sections(chunks: dict[str, list[Chunk]]) -> None:
    p2 = [p[1:] for p in _paths(chunks["002"])]
    assert ["2024 奋楫笃行履践致远", "总体要求"] in p2
    assert any(p[:1] == ["2023 踵事增华踔厉奋发"] for p in p2)
    p4 = [p[1:] for p in _paths(chunks["004"])]
    assert [
        "2025年工作安排",
        "坚定不移推动城乡融合发展 实现全域共融共美",
        "持之以恒提升城市品质",
    ] in p4
    assert ["2024年工作回顾", "坚定不移推动经济持续向好 全方位扩大有效需求", "激发消费潜能"] in p4


def test_chunks_start_at_their_heading(chunks: dict[str, list[Chunk]]) -> None:
    for c in chunks["003"] + chunks["004"]:
        if len(c.heading_path) > 1 and c.heading_path[-1] in c.text:
            # the heading line is in the text the reader sees, at the start or in the overlap
            assert c.text.find(c.heading_path[-1]) < 100


def test_cli_json_lines() -> None:
    from rag.cli import app

    result = CliRunner().invoke(app, ["chunks", str(CORPUS / "002_88ab826eb32e89ce.txt"), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {"id", "source", "heading_path", "text", "start", "end"} <= set(rows[0])
    assert all(r["source"] == "002_88ab826eb32e89ce.txt" for r in rows)


def test_cli_reports_unreadable_files(tmp_path: Path) -> None:
    from rag.cli import app

    (tmp_path / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(app, ["chunks", str(tmp_path / "empty.txt")])
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "文件为空" in result.stderr
    ok = CliRunner().invoke(
        app, ["chunks", str(tmp_path / "empty.txt"), str(CORPUS / "004_3baae9bb049fac4a.txt")]
    )
    assert ok.exit_code == 0 and "2025年工作安排" in ok.stdout


def test_no_chunk_is_only_headings(
    docs: dict[str, Document], chunks: dict[str, list[Chunk]]
) -> None:
    from rag.corpus.chunker import document_headings

    for key, doc in docs.items():
        inside = [False] * len(doc.text)
        for h in document_headings(doc):
            if not h.inline:
                inside[h.start : h.end] = [True] * (h.end - h.start)
        for c in chunks[key]:
            assert any(not doc.text[i].isspace() and not inside[i] for i in range(c.start, c.end))
