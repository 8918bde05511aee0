"""Large files: ingestion time grows linearly, files over RAG_MAX_UPLOAD_MB are refused by name."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rag.corpus import chunk_document, load_corpus, load_document
from rag.corpus.splitter import split_span
from rag.exceptions import DocumentLoadError
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _generated(path: Path, chars: int) -> Path:
    """The bundled documents repeated to `chars` characters (real headings, real sentences)."""
    base = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("corpus/*.txt")))
    path.write_text(("\n\n".join([base] * (chars // len(base) + 1)))[:chars], encoding="utf-8")
    return path


def _ingest_seconds(path: Path) -> float:
    t0 = time.perf_counter()
    doc = load_document(path, entry={"title": "T"})
    chunks = chunk_document(doc, Settings())
    assert chunks and all(doc.text[c.start : c.end] == c.text for c in chunks)
    return time.perf_counter() - t0


def test_ingestion_is_linear_in_size(tmp_path: Path) -> None:
    small = _ingest_seconds(_generated(tmp_path / "small.txt", 150_000))
    large = _ingest_seconds(_generated(tmp_path / "large.txt", 600_000))
    # 4x the text: linear is ~4x; the quadratic splitter took ~16x
    assert large < 8 * small + 0.5, (small, large)


def test_splitter_with_many_headings_is_linear() -> None:
    text = "".join(f"标题{i}\n正文第{i}句话写在这里。" for i in range(40_000))
    glue = []
    pos = 0
    for i in range(40_000):
        glue.append((pos, pos + len(f"标题{i}")))
        pos += len(f"标题{i}\n正文第{i}句话写在这里。")
    t0 = time.perf_counter()
    windows = split_span(text, 0, len(text), target=450, max_chars=600, overlap=60, glue=glue)
    assert time.perf_counter() - t0 < 5
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    # a heading never ends a window: it stays with the sentence after it
    assert all(not text[a:b].endswith(tuple(f"标题{i}" for i in range(3))) for a, b in windows)


def test_file_over_the_limit_is_refused_by_name(tmp_path: Path) -> None:
    big = _generated(tmp_path / "big.txt", 400_000)  # ~1.1 MB
    good = tmp_path / "good.txt"
    good.write_text("洪洞县2025年工作安排\n\n推动经济持续向好，群众生活改善。", encoding="utf-8")
    with pytest.raises(DocumentLoadError) as err:
        load_document(big, max_mb=1)
    message = str(err.value)
    assert "big.txt" in message and "1.1 MB" in message and "1 MB" in message
    assert "RAG_MAX_UPLOAD_MB" in message and "超过上限" in message
    assert load_document(big, max_mb=2).text  # under a larger limit it loads


def test_setting_limits_a_whole_folder_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.settings import get_settings

    _generated(tmp_path / "big.txt", 400_000)
    (tmp_path / "good.txt").write_text("绛县2025年工作安排\n\n推动经济向好。", encoding="utf-8")
    monkeypatch.setenv("RAG_MAX_UPLOAD_MB", "0.5")
    get_settings.cache_clear()
    try:
        load = load_corpus(tmp_path)
    finally:
        monkeypatch.delenv("RAG_MAX_UPLOAD_MB")
        get_settings.cache_clear()
    assert [d.source for d in load.documents] == ["good.txt"]
    assert len(load.errors) == 1 and "big.txt" in str(load.errors[0])
    assert "0.5 MB" in load.errors[0].reason
