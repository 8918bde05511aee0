"""Loading files: encodings, formats, broken and empty files, manifests and guessed metadata."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.corpus import CorpusLoad, load_corpus, load_document
from rag.corpus.encoding import decode_bytes
from rag.exceptions import DocumentLoadError

DATA = Path(__file__).parent / "data" / "corpus"
TEXT = "绛县2025年工作安排\n\n一、总体要求\n\n坚持稳中求进工作总基调，推动绛县经济持续向好。\n"


def test_gbk_and_gb18030_are_decoded() -> None:
    assert decode_bytes(TEXT.encode("gbk")) == (TEXT, "gb18030")
    assert decode_bytes(TEXT.encode("gb18030")) == (TEXT, "gb18030")
    assert decode_bytes(TEXT.encode("utf-8")) == (TEXT, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + TEXT.encode()) == (TEXT, "utf-8-sig")


def test_committed_gbk_file_loads_with_guessed_metadata() -> None:
    doc = load_document(DATA / "jiangxian_gbk.txt")
    assert doc.meta["encoding"] == "gb18030"
    assert doc.text.startswith("绛县2025年工作安排")
    # not in the manifest: metadata guessed from the first lines
    assert (doc.title, doc.county, doc.year) == ("绛县2025年工作安排", "绛县", 2025)
    assert doc.meta["guessed"] is True
    assert len(doc.sha256) == 64


def test_manifest_entry_wins() -> None:
    doc = load_document(DATA / "hongtong_notes.md")
    assert (doc.title, doc.county, doc.year, doc.kind) == (
        "洪洞县2024年重点工作（测试）",
        "洪洞县",
        2024,
        "report",
    )
    assert "**" not in doc.text and "#" not in doc.text
    labels = [h[2] for h in doc.meta["headings"]]
    assert "一、项目建设" in labels and "龙马物流园建设提速" in labels


def test_entry_argument_overrides_the_manifest() -> None:
    doc = load_document(
        DATA / "hongtong_notes.md", entry={"title": "X", "county": "洪洞县", "year": 2023}
    )
    assert (doc.title, doc.year) == ("X", 2023)


def test_broken_and_empty_files_are_reported_and_others_still_load() -> None:
    load = load_corpus(DATA)
    assert isinstance(load, CorpusLoad)
    assert sorted(d.source for d in load.documents) == ["hongtong_notes.md", "jiangxian_gbk.txt"]
    reasons = {Path(e.path).name: e.reason for e in load.errors}
    assert set(reasons) == {"broken.docx", "empty.txt"}
    assert "docx could not be parsed" in reasons["broken.docx"]
    assert reasons["empty.txt"] == "empty file (文件为空)"
    assert all(Path(e.path).name in str(e) for e in load.errors)  # the message names the file


def test_empty_file_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\u3000\n", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="blank.txt.*empty file"):
        load_document(path)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", b"\x00\x01\x02\x03" * 50, "binary"),
        ("scan.pdf", b"%PDF-1.4 garbage", "pdf could not be parsed"),
        ("table.xlsx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentLoadError, match=reason) as info:
        load_document(path)
    assert info.value.path.endswith(name)


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    load = load_corpus([tmp_path / "nope.txt", tmp_path / "no_folder"])
    assert load.documents == [] and len(load.errors) == 2


def test_docx_headings_become_markdown_levels(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("洪洞县2024年工作报告", level=1)
    d.add_heading("一、项目建设", level=2)
    d.add_paragraph(
        "龙马物流园建设全面提速，山东港口内陆港在龙马物流园正式揭牌，洪洞成为第49个内陆港。"
    )
    path = tmp_path / "report.docx"
    d.save(str(path))
    doc = load_document(path)
    assert doc.meta["format"] == "docx"
    assert "山东港口内陆港" in doc.text and "#" not in doc.text
    assert [(h[2], h[3]) for h in doc.meta["headings"]] == [
        ("洪洞县2024年工作报告", "md1"),
        ("一、项目建设", "md2"),
    ]


def test_html_text_and_title(tmp_path: Path) -> None:
    html = (
        "<html><head><title>绛县两会特别报道</title><style>p{}</style></head><body>"
        "<nav>首页 | 新闻</nav><h1>2025年工作安排</h1><p>推动绛县经济持续向好，"
        "扩大有效需求。</p><script>var x=1;</script></body></html>"
    )
    path = tmp_path / "news.html"
    path.write_text(html, encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "绛县两会特别报道" and doc.county == "绛县"
    assert "推动绛县经济持续向好" in doc.text
    assert "var x" not in doc.text and "首页" not in doc.text
    assert ["2025年工作安排", "md1"] == doc.meta["headings"][0][2:4]


def test_pdf_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(_tiny_pdf("Hongtong county plan. Logistics park opened."))
    doc = load_document(path)
    assert doc.meta["format"] == "pdf" and "Logistics park opened." in doc.text


def test_broken_manifest_is_reported_and_files_still_load(tmp_path: Path) -> None:
    shutil.copy(DATA / "hongtong_notes.md", tmp_path)
    (tmp_path / "manifest.toml").write_text("[documents\nbroken", encoding="utf-8")
    load = load_corpus(tmp_path)
    assert [d.source for d in load.documents] == ["hongtong_notes.md"]
    assert load.documents[0].county == "洪洞县"  # guessed instead
    assert any("manifest" in e.reason for e in load.errors)


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica, ASCII)."""
    stream = f"BT /F1 12 Tf 40 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_same_file_twice_loads_once() -> None:
    path = DATA / "jiangxian_gbk.txt"
    load = load_corpus([path, str(path), DATA / ".." / "corpus" / "jiangxian_gbk.txt"])
    assert [d.source for d in load.documents] == ["jiangxian_gbk.txt"]
