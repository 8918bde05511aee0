"""`rag add`, `rag remove`, `rag documents` over a private copy of the tiny corpus (BM25 only)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.settings import get_settings
from tests.kb_helpers import TINY, docx_bytes, random_bytes


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(TINY, corpus)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "none")  # a real BM25 index, no embedding wait
    get_settings.cache_clear()
    yield corpus, index_dir
    get_settings.cache_clear()


def rag(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def listed(*extra: str) -> dict[str, dict[str, object]]:
    code, out = rag("documents", "--json", *extra)
    assert code == 0, out
    return {d["source"]: d for d in json.loads(out)["documents"]}


def test_add_list_remove(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index_dir = dirs
    src = tmp_path / "翼城蜂业.docx"
    src.write_bytes(docx_bytes())
    code, out = rag("add", str(src))
    assert code == 0, out
    assert (corpus / src.name).is_file() and "已加入" in out and "added" in out
    doc = listed()[src.name]
    assert doc["status"] == "indexed" and int(str(doc["chunks"])) >= 1
    assert doc["title"] == "翼城县2026年特色农业工作要点"
    # The table, too
    code, out = rag("documents")
    assert code == 0 and "翼城蜂业" in out and "indexed" in out
    # Same name again: refused unless --replace
    code, out = rag("add", str(src))
    assert code == 2 and "--replace" in out
    code, out = rag("add", "--replace", str(src))
    assert code == 0, out
    # Remove: file and index entry go
    code, out = rag("remove", "翼城蜂业")
    assert code == 0 and "已删除" in out, out
    assert not (corpus / src.name).exists() and src.name not in listed()
    code, out = rag("remove", "nope")
    assert code == 2 and "没有这个文档" in out


def test_add_refuses_hostile_files_and_copies_nothing(dirs: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    corpus, _ = dirs
    good, bad = tmp_path / "good.txt", tmp_path / "scan.pdf"
    good.write_text("翼城县新建图书馆一座。", encoding="utf-8")
    bad.write_bytes(random_bytes())
    before = sorted(p.name for p in corpus.iterdir())
    code, out = rag("add", str(good), str(bad))
    assert code == 2 and "scan.pdf" in out and "%PDF-" in out
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_documents_shows_pending_files(dirs: tuple[Path, Path]) -> None:
    corpus, _ = dirs
    assert rag("index", "--no-progress")[0] == 0
    (corpus / "later.txt").write_text("稍后索引的文件。", encoding="utf-8")
    docs = listed()
    assert docs["later.txt"]["status"] == "pending" and docs["later.txt"]["chunks"] == 0
    assert docs["hongtong_2024_report.txt"]["status"] == "indexed"


def test_stale_staging_folders_are_cleaned(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    import os

    corpus, _ = dirs
    stale, fresh = corpus / ".upload-crashed", corpus / ".upload-running"
    for d in (stale, fresh):
        d.mkdir()
        (d / "part0").write_bytes(b"x")
    os.utime(stale, (0, 0))
    src = tmp_path / "a.txt"
    src.write_text("翼城县新建图书馆一座。", encoding="utf-8")
    assert rag("add", "--no-index", str(src))[0] == 0
    assert not stale.exists() and fresh.exists() and (corpus / "a.txt").is_file()
