"""Per-file budgets: hostile files are refused fast, by name and limit, while good files index."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.corpus.budgets import check_file, html_shape
from rag.corpus.pipeline import load_corpus
from rag.exceptions import FileTooLargeError, FileTypeError, UnsafeFileError
from rag.settings import Settings
from tests.kb_helpers import TINY, docx_bytes, nested_html, random_bytes, zip_bomb_docx


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> Path:
    """The tiny corpus plus one file of each hostile kind, and one good .docx."""
    corpus = tmp_path / "corpus"
    shutil.copytree(TINY, corpus)
    (corpus / "nested.html").write_bytes(nested_html(100_000))
    (corpus / "huge.txt").write_bytes(("很长的文本。" * 200_000).encode())  # 3.6 MB
    zip_bomb_docx(corpus / "bomb.docx")
    (corpus / "random.pdf").write_bytes(random_bytes())
    (corpus / "random.docx").write_bytes(random_bytes())
    (corpus / "good.docx").write_bytes(docx_bytes())
    return corpus


SETTINGS = Settings(max_upload_mb=2.0)
EXPECTED = {  # file -> (error class, words its message must carry)
    "nested.html": (UnsafeFileError, ["100002", "RAG_MAX_HTML_DEPTH"]),
    "huge.txt": (FileTooLargeError, ["3.4 MB", "RAG_MAX_UPLOAD_MB"]),
    "bomb.docx": (UnsafeFileError, ["150 MB", "RAG_MAX_UNZIP_MB"]),
    "random.pdf": (FileTypeError, ["%PDF-"]),
    "random.docx": (FileTypeError, ["zip"]),
}


def test_loader_refuses_each_hostile_file_fast(hostile_corpus: Path) -> None:
    t0 = time.perf_counter()
    loaded = load_corpus(hostile_corpus, SETTINGS)
    seconds = time.perf_counter() - t0
    assert seconds < 20, f"hostile files took {seconds:.1f} s"  # nested HTML alone was 458 s
    errors = {Path(e.path).name: e for e in loaded.errors}
    assert set(errors) == set(EXPECTED)
    for name, (cls, words) in EXPECTED.items():
        assert isinstance(errors[name], cls), (name, errors[name])
        assert name in str(errors[name]) and all(w in str(errors[name]) for w in words), str(
            errors[name])
    assert {d.source for d in loaded.documents} == {p.name for p in TINY.glob("*.txt")} | {
        "good.docx"}


def test_rag_index_skips_hostile_files_and_indexes_the_rest(
    hostile_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.cli import app
    from rag.index.hybrid import HybridIndex
    from rag.settings import get_settings

    index_dir = tmp_path / "index"
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "none")  # BM25 only: fast, still a real index
    monkeypatch.setenv("RAG_MAX_UPLOAD_MB", "2")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index", "--corpus", str(hostile_corpus),
                                          "--index-dir", str(index_dir), "--no-progress"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    for name, (_, words) in EXPECTED.items():
        line = next(ln for ln in result.output.splitlines() if name in ln)
        assert "跳过" in line and all(w in result.output for w in words), line
    index = HybridIndex.load(Settings(index_dir=index_dir, embedding_model="none"))
    assert {d.source for d in index.documents.values()} == {
        p.name for p in TINY.glob("*.txt")} | {"good.docx"}


def test_text_and_html_within_budget_pass(tmp_path: Path) -> None:
    ok = tmp_path / "ok.html"
    ok.write_text("<html><body>" + "<p>段落" * 5000 + "</body></html>", encoding="utf-8")
    check_file(ok, Settings())  # 5000 sibling <p> are not nesting
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(("绛县工作报告。" * 20000).encode("gb18030"))  # sample cut mid-character
    check_file(gbk, Settings())
    assert html_shape(b"<ul><li>a<li>b</ul><table><tr><td>1<td>2<tr><td>3</table>") == (3, 9)


def test_element_count_and_pdf_pages(tmp_path: Path) -> None:
    flat = tmp_path / "flat.html"
    flat.write_bytes(b"<html><body>" + b"<span>x</span>" * 3000 + b"</body></html>")
    with pytest.raises(FileTooLargeError, match="RAG_MAX_HTML_ELEMENTS"):
        check_file(flat, Settings(max_html_elements=1000))
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(5):
        writer.add_blank_page(100, 100)
    pdf = tmp_path / "five.pdf"
    with pdf.open("wb") as f:
        writer.write(f)
    check_file(pdf, Settings(max_pdf_pages=5))
    with pytest.raises(FileTooLargeError, match="RAG_MAX_PDF_PAGES") as err:
        check_file(pdf, Settings(max_pdf_pages=4))
    assert "five.pdf" in str(err.value) and "5" in str(err.value)


def test_zip_ratio(tmp_path: Path) -> None:
    bomb = zip_bomb_docx(tmp_path / "small-bomb.docx", inflated_mb=20)  # under the size cap
    with pytest.raises(UnsafeFileError, match="RAG_MAX_ZIP_RATIO"):
        check_file(bomb, Settings())
    check_file(bomb, Settings(max_zip_ratio=100_000))


def test_text_too_long_to_chunk_and_embed_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(TINY, corpus)
    (corpus / "long.txt").write_text("第一段正文内容。\n\n" * 20_000, encoding="utf-8")  # 200k
    t0 = time.perf_counter()
    loaded = load_corpus(corpus, Settings(max_doc_chars=100_000))
    assert time.perf_counter() - t0 < 30
    (err,) = loaded.errors
    assert isinstance(err, FileTooLargeError) and "long.txt" in str(err)
    assert "RAG_MAX_DOC_CHARS" in str(err) and "100000" in str(err)
    assert len(loaded.documents) == 3
