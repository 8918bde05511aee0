"""Real files of each layout: titles, heading paths, table rows, metadata, no page furniture.

The HTML, Markdown and plain-text files are committed under tests/data/layouts/; the .docx
files are written here with python-docx and the PDF with fpdf2, using a CJK font built on the
spot with fontTools (so the PDF has a real Chinese text layer without any system font).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from rag.corpus import Chunk, Document, chunk_document, load_corpus, load_document
from rag.settings import Settings

DATA = Path(__file__).parent / "data" / "layouts"
ROOT = Path(__file__).resolve().parents[1]
SETTINGS = Settings()


def chunks_of(doc: Document) -> list[Chunk]:
    chunks = chunk_document(doc, SETTINGS)
    for c in chunks:  # the offsets every citation relies on
        assert doc.text[c.start : c.end] == c.text
        assert len(c.text) <= SETTINGS.chunk_max_chars
    return chunks


def paths(chunks: list[Chunk]) -> list[str]:
    return [" › ".join(c.heading_path[1:]) for c in chunks]


def chunk_with(chunks: list[Chunk], needle: str) -> Chunk:
    return next(c for c in chunks if needle in c.text)


# HTML from a government site
def test_html_government_page() -> None:
    doc = load_document(DATA / "gov_notice.html")
    chunks = chunks_of(doc)
    assert doc.title == "关于印发《某市数字经济发展规划（2024—2027年）》的通知"
    assert doc.year == 2024
    meta = doc.meta["doc_meta"]
    assert meta["索引号"] == "11140000MB0123456X/2024-00321"
    assert meta["发文机关"] == "某市人民政府办公室" and meta["发布日期"] == "2024年03月05日"
    assert meta["发文字号"] == "某政办发〔2024〕12号" and meta["来源"] == "市政府办公室"
    # page furniture is metadata, never body text
    for furniture in ("索引号", "索 引 号", "主题分类", "打印本页", "关闭窗口", "当前位置",
                      "政务服务", "ICP", "扫一扫", "字体", "发布时间"):  # fmt: skip
        assert furniture not in doc.text, furniture
    assert any("打印本页" in f for f in doc.meta["furniture"])
    # 第X章 headings inside <p>, numbered bold run-ins under them
    found = paths(chunks)
    assert "第一章 发展基础" in found and "第三章 重点任务" in found
    assert "第二章 总体要求 › （一）指导思想" in found
    assert "第二章 总体要求 › （二）主要目标" in found
    # the data table: one citeable row per line, under its section
    row = "指标：5G基站（个）｜2023年：8600｜2027年目标：15000"
    assert row in doc.text.split("\n")
    assert chunk_with(chunks, row).heading_path[-1] == "（二）主要目标"


def test_html_long_table_is_split_into_rows(tmp_path: Path) -> None:
    rows = "".join(
        f"<tr><td>第{i}乡镇</td><td>{1000 + i}户</td><td>{i}.5%</td></tr>" for i in range(1, 81)
    )
    html = (
        "<html><head><title>各乡镇脱贫户收入统计</title></head><body><h1>各乡镇脱贫户收入统计</h1>"
        "<p>下表为2024年各乡镇脱贫户数量与人均纯收入增长情况，数据来源于县统计局年度调查。</p>"
        f"<table><tr><th>乡镇</th><th>脱贫户</th><th>收入增长</th></tr>{rows}</table></body></html>"
    )
    path = tmp_path / "table.html"
    path.write_text(html, encoding="utf-8")
    doc = load_document(path)
    chunks = chunks_of(doc)
    table_chunks = [c for c in chunks if "乡镇：" in c.text]
    assert len(table_chunks) >= 4  # not one giant chunk
    for i in (1, 40, 80):
        line = f"乡镇：第{i}乡镇｜脱贫户：{1000 + i}户｜收入增长：{i}.5%"
        assert any(line in c.text.split("\n") for c in chunks), line  # rows stay whole


# docx with and without heading styles
def _styled_docx(path: Path) -> Path:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.core_properties.title = "核心属性里的旧标题"
    d.add_paragraph("洪洞县2024年政府工作报告", style="Title")
    d.add_heading("一、2023年工作回顾", level=1)
    d.add_paragraph(
        "过去一年，全县地区生产总值完成260亿元，增长百分之五点五；一般公共预算收入完成"
        "21亿元，增长百分之八；城乡居民人均可支配收入分别增长百分之四点八和百分之七点一。"
        "这一年，我们坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，统筹推进稳增长、"
        "促改革、调结构、惠民生、防风险、保稳定各项工作，经济社会发展主要目标任务全面完成，"
        "高质量发展迈出坚实步伐。农业生产再获丰收，粮食总产达到4.2亿斤；工业经济稳中有进，"
        "新增国家级专精特新小巨人企业2户；服务业加快发展，接待游客突破1200万人次，旅游"
        "综合收入增长百分之十八；城乡面貌持续改善，完成老旧小区改造38个，新建改造城市道路"
        "26公里；民生保障更加有力，民生支出占一般公共预算支出的比重保持在百分之八十以上。"
    )
    d.add_heading("（一）项目建设成效明显", level=2)
    d.add_paragraph(
        "全年实施重点项目120个，完成投资185亿元，龙马物流园建设全面提速，山东港口内陆港"
        "正式揭牌，华翔智能科技产业园一期建成投产，新增规上工业企业15户。"
    )
    table = d.add_table(rows=3, cols=3)
    grid = [
        ["指标", "2023年", "增长"],
        ["地区生产总值", "260亿元", "5.5%"],
        ["规上工业增加值", "98亿元", "6.2%"],
    ]
    for r, cells in enumerate(grid):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    outline = d.add_paragraph("二、2024年主要任务")  # a heading by outline level only
    ppr = outline._p.get_or_add_pPr()
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    ppr.append(level)
    d.add_paragraph(
        "今年全县经济社会发展的主要预期目标是：地区生产总值增长百分之六左右，一般公共预算"
        "收入增长百分之五，城镇新增就业5000人以上，城镇调查失业率控制在百分之五点五以内。"
    )
    d.save(str(path))
    return path


def test_docx_with_heading_styles_outline_levels_and_a_table(tmp_path: Path) -> None:
    doc = load_document(_styled_docx(tmp_path / "styled.docx"))
    chunks = chunks_of(doc)
    assert doc.title == "洪洞县2024年政府工作报告"  # the Title paragraph, not core properties
    assert (doc.county, doc.year) == ("洪洞县", 2024)
    place = doc.meta["place"]
    assert (place["city"], place["province"], place["level"]) == ("临汾市", "山西省", "county")
    found = paths(chunks)
    assert "一、2023年工作回顾 › （一）项目建设成效明显" in found
    assert "二、2024年主要任务" in found
    row = "指标：地区生产总值｜2023年：260亿元｜增长：5.5%"
    assert chunk_with(chunks, row).heading_path[-1] == "（一）项目建设成效明显"
    assert "#" not in doc.text and "\ue000" not in doc.text


def test_docx_without_styles_uses_the_text(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("绛县2025年重点工作安排")
    d.add_paragraph("第一章 发展目标")
    d.add_paragraph(
        "全年地区生产总值增长百分之六，固定资产投资增长百分之八，社会消费品零售总额增长"
        "百分之五，一般公共预算收入增长百分之五，居民收入增长与经济增长同步。"
    )
    d.add_paragraph(
        "（一）抓好项目建设。全年谋划储备项目200个，实施省市重点项目45个，推动中设晋机"
        "二期、绛县晋源科技整车组装等项目早日投产达效。"
    )
    p = d.add_paragraph()
    p.add_run("做强汽车零部件产业。").bold = True
    p.add_run("围绕整车配套延链补链，引进配套企业10家以上，零部件产业产值突破50亿元。")
    d.add_paragraph("第二章 保障措施")
    d.add_paragraph(
        "坚持党的全面领导，压实各级各部门责任，健全重点工作调度通报机制，强化督查考核，"
        "确保各项任务落地见效。"
    )
    path = tmp_path / "plain.docx"
    d.save(str(path))
    doc = load_document(path)
    chunks = chunks_of(doc)
    assert doc.title == "绛县2025年重点工作安排" and (doc.county, doc.year) == ("绛县", 2025)
    found = paths(chunks)
    assert "第一章 发展目标" in found and "第二章 保障措施" in found
    assert "第一章 发展目标 › （一）抓好项目建设" in found
    headings = {h[2]: h[3] for h in doc.meta["headings"]}
    assert headings["做强汽车零部件产业"].startswith("bold")  # a bold run-in heading


# Markdown with the year in its title
def test_markdown_year_in_title_and_chapters() -> None:
    doc = load_document(DATA / "county_plan.md")
    chunks = chunks_of(doc)
    assert doc.title == "某县2025年乡村振兴工作要点" and doc.year == 2025
    assert doc.county == ""  # 某县 is no place
    found = paths(chunks)
    assert {"一、稳定粮食生产", "二、发展特色产业", "三、建设和美乡村"} <= set(found)


# A national work report in plain text: inline （一） headings and —— lead phrases
def test_national_report_inline_numbered_headings_and_dash_leads() -> None:
    doc = load_document(DATA / "national_report.txt")
    chunks = chunks_of(doc)
    assert doc.title == "政府工作报告"
    assert doc.year == 2024  # from the date line
    assert doc.county == "" and doc.meta["place"]["level"] == "national"
    found = paths(chunks)
    for task in (
        "一、2023年工作回顾 › （一）加大宏观政策实施力度，着力稳定经济运行",
        "一、2023年工作回顾 › （二）着力扩大国内需求，推动经济良性循环",
        "一、2023年工作回顾 › （三）深化改革开放，持续改善发展环境",
        "二、2024年经济社会发展总体要求和政策取向 › "
        "（二）深入实施科教兴国战略，强化高质量发展的基础支撑",
    ):
        assert task in found, task
    # —— lead phrases are the lowest level and end with their paragraph
    after = chunk_with(chunks, "这一成绩来之不易")
    assert after.heading_path[-1] in ("一、2023年工作回顾",) or "（一）" in after.heading_path[-1]
    styles = {h[2]: h[3] for h in doc.meta["headings"]}
    assert styles["经济总体回升向好"] == "dash"
    assert all("经济总体回升向好" not in p or p.endswith("经济总体回升向好") for p in found)


def test_regulation_articles() -> None:
    text = (
        "某县城市绿化管理办法\n\n第一章 总则\n\n"
        "第一条 为了促进城市绿化事业的发展，改善生态环境，美化生活环境，增进人民身心健康，"
        "根据国家有关法律法规，结合本县实际，制定本办法。\n\n"
        "第二条 本办法适用于本县城市规划区内的城市绿化规划、建设、保护和管理活动，"
        "单位和个人都应当遵守本办法。\n\n第二章 规划和建设\n\n"
        "第三条 县人民政府应当组织编制城市绿地系统规划，纳入国土空间总体规划，"
        "并按照规划要求安排城市绿化建设资金。"
    )
    doc = Document("reg", "reg.txt", "某县城市绿化管理办法", text)
    headings = chunk_document(doc, SETTINGS)
    labels = {h for c in headings for h in [*c.heading_path, *c.subheadings]}
    assert {"第一章 总则", "第二章 规划和建设", "第一条", "第二条", "第三条"} <= labels


# PDF with a text layer: running headers, footers and page numbers go
def _cjk_font(path: Path, text: str) -> Path:
    """A TrueType font with a plain box glyph for every character of `text`."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = sorted(set(text) - {" ", "\n"})
    names = [".notdef", "space", *(f"uni{ord(c):04X}" for c in chars)]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({32: "space", **{ord(c): f"uni{ord(c):04X}" for c in chars}})
    glyphs = {}
    for n in names:
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 700))
        pen.lineTo((800, 700))
        pen.lineTo((800, 0))
        pen.closePath()
        glyphs[n] = pen.glyph()
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (500 if n == "space" else 1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "TestCJK", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))
    return path


PDF_HEADER = "山西省人民政府公报 2024年第5期"
PDF_BODY = [
    "一、经济运行总体平稳",
    "全省地区生产总值达到25698亿元，同比增长百分之五，规模以上工业增加值增长百分之四点二，"
    "固定资产投资增长百分之三点八，社会消费品零售总额增长百分之四点五，经济运行稳中有进。",
    "二、产业转型持续推进",
    "新能源和清洁能源装机占比提高到百分之四十二，先进产能占比达到百分之八十，战略性新兴产业"
    "增加值增长百分之七点九，数字经济核心产业增加值占地区生产总值比重持续提高。",
    "三、民生保障不断加强",
    "城镇新增就业47万人，城乡居民人均可支配收入分别增长百分之四点六和百分之七点一，"
    "基本养老、基本医疗保险参保率稳定在百分之九十五以上，民生支出占一般公共预算支出的八成。",
]


def _pdf(path: Path, font: Path) -> Path:
    from fpdf import FPDF

    class Bulletin(FPDF):
        def header(self) -> None:
            self.set_font("cjk", size=9)
            self.cell(0, 8, PDF_HEADER, align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("cjk", size=9)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = Bulletin()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_title("山西省2024年经济运行情况通报")
    for n in range(0, len(PDF_BODY), 2):  # three pages, each opening a new part
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        for para in PDF_BODY[n : n + 2]:
            pdf.multi_cell(0, 7, para)
            pdf.ln(3)
    pdf.output(str(path))
    return path


def test_pdf_loses_running_headers_and_page_numbers(tmp_path: Path) -> None:
    font = _cjk_font(tmp_path / "cjk.ttf", "".join(PDF_BODY) + PDF_HEADER + "-0123456789")
    doc = load_document(_pdf(tmp_path / "bulletin.pdf", font))
    chunks = chunks_of(doc)
    assert doc.meta["pages"] == 3
    assert doc.title == "山西省2024年经济运行情况通报" and doc.year == 2024
    assert doc.county == "" and doc.meta["place"]["province"] == "山西省"
    assert doc.meta["place"]["level"] == "province"
    assert "公报" not in doc.text and "- 2 -" not in doc.text
    assert PDF_HEADER in doc.meta["furniture"] and "- 3 -" in doc.meta["furniture"]
    # a paragraph wrapped over several lines reads as one sentence again
    for para in PDF_BODY:
        assert para in doc.text.split("\n\n")  # lines wrapped in the PDF are joined again
    parts = {"一、经济运行总体平稳", "二、产业转型持续推进", "三、民生保障不断加强"}
    assert parts <= set(paths(chunks))
    assert all(not c.text.rstrip().endswith(("- 1 -", "- 2 -")) for c in chunks)


# Plain text saved from a government site
def test_text_with_site_metadata_lines(tmp_path: Path) -> None:
    text = (
        "索 引 号：11141024MB1/2024-00012    主题分类：综合政务\n"
        "发文机关：洪洞县人民政府    发布日期：2024-02-20\n\n"
        "洪洞县人民政府关于做好2024年春季农业生产的通知\n\n"
        "各乡镇人民政府，县直各有关单位：\n\n"
        "为确保全年粮食生产目标任务完成，现就做好春季农业生产工作通知如下。\n\n"
        "【打印本页】 【关闭窗口】\n"
    )
    path = tmp_path / "notice.txt"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "洪洞县人民政府关于做好2024年春季农业生产的通知"
    assert doc.meta["doc_meta"]["发文机关"] == "洪洞县人民政府"
    assert (doc.county, doc.year) == ("洪洞县", 2024)
    for furniture in ("索 引 号", "主题分类", "打印本页", "关闭窗口"):
        assert furniture not in doc.text


# Metadata: places only from real place names, levels
@pytest.mark.parametrize(
    ("title", "body", "county", "province", "level"),
    [
        ("山西省2024年政府工作报告", "全省实现县县通高速，贫困县全部摘帽，58个贫困县退出。",
         "", "山西省", "province"),  # fmt: skip
        ("2024年工作总结", "我县实现县县通高速公路，全县贫困县帽子全部摘掉，贫困县退出。",
         "", "", ""),  # fmt: skip
        ("工作总结", "洪洞县委召开常委会。洪洞县经济稳步增长，洪洞县城面貌一新。",
         "洪洞县", "山西省", "county"),  # fmt: skip
        ("临汾市2024年国民经济和社会发展统计公报", "全市地区生产总值增长。",
         "", "山西省", "city"),  # fmt: skip
    ],
)
def test_places_are_real_place_names(
    tmp_path: Path, title: str, body: str, county: str, province: str, level: str
) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(f"{title}\n\n{body}", encoding="utf-8")
    doc = load_document(path)
    assert doc.county == county
    assert doc.meta["place"]["province"] == province
    assert doc.meta["place"]["level"] == level


# Manifest: both table forms; an entry for no file is a warning that names it
def test_manifest_top_level_entries_and_unmatched_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "005_my_report.txt").write_text("某报告\n\n正文内容，推动发展。", encoding="utf-8")
    (tmp_path / "006.txt").write_text("另一份\n\n正文内容，推动发展。", encoding="utf-8")
    (tmp_path / "manifest.toml").write_text(
        '["005_my_report.txt"]\ntitle = "绛县2026年政府工作报告"\ncounty = "绛县"\n'
        'year = 2026\nkind = "report"\n\n'
        '[documents."006.txt"]\ntitle = "洪洞县简报"\ncounty = "洪洞县"\n\n'
        '["gone.txt"]\ntitle = "已删除"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        load = load_corpus(tmp_path)
    docs = {d.source: d for d in load.documents}
    a, b = docs["005_my_report.txt"], docs["006.txt"]
    assert (a.title, a.county, a.year, a.kind) == ("绛县2026年政府工作报告", "绛县", 2026, "report")
    assert a.meta["place"]["city"] == "运城市" and a.meta["place"]["province"] == "山西省"
    assert (b.title, b.county) == ("洪洞县简报", "洪洞县")
    assert len(load.warnings) == 1 and "gone.txt" in load.warnings[0]
    assert "gone.txt" in caplog.text
    assert not load.errors


# The bundled corpus: 能源产业转型升级 has its own heading path
def test_bundled_first_bold_item_keeps_its_heading_path() -> None:
    doc = load_document(ROOT / "corpus" / "000_cc6c187a06165f0b.txt")
    chunks = chunks_of(doc)
    energy = chunk_with(chunks, "悦昌、张端煤业复工复产")
    parent = "激活产业“驱动力”，发展动力活力不断增强"
    assert energy.heading_path[-2:] == [parent, "能源产业转型升级"]
    assert not energy.text.startswith("激活产业")
