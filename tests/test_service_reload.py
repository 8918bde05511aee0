"""A running service picks up a newer index on disk without a restart, and survives a bad one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from rag.index.build import build_index
from rag.service import RAGService
from rag.settings import Settings

NEW_DOC = "洪洞县2026年新闻\n\n太岳山航空飞行营地建成开放，首批滑翔伞爱好者入驻营地。\n"


@pytest.fixture()
def live(tmp_path: Path, tiny_corpus_dir: Path, tiny_settings: Settings, tiny_index) -> Settings:
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_dir, corpus)
    shutil.copytree(tiny_settings.index_dir, tmp_path / "index")  # the session's tiny build
    return tiny_settings.model_copy(update={
        "corpus_dir": corpus, "index_dir": tmp_path / "index", "index_reload_s": 0.05})


def _top_text(service: RAGService, query: str) -> str:
    return service.search(query, top_k=1)[0].chunk.text


def test_a_new_build_is_swapped_in(live: Settings, encoder) -> None:
    service = RAGService(live, encoder=encoder)
    first = service.index
    assert "飞行营地" not in _top_text(service, "太岳山航空飞行营地")
    (live.corpus_dir / "hongtong_2026_news.txt").write_text(NEW_DOC, encoding="utf-8")
    assert build_index(live, encoder=encoder, progress=False).embedded > 0
    time.sleep(0.1)
    assert "飞行营地" in _top_text(service, "太岳山航空飞行营地")
    assert service.index is not first and len(service.index.documents) == 4
    assert service.index.encoder is first.encoder  # the model is not loaded again


def test_a_broken_build_keeps_the_loaded_index(live: Settings, encoder,
                                               caplog: pytest.LogCaptureFixture) -> None:
    service = RAGService(live, encoder=encoder)
    loaded = service.index
    (live.index_dir / "manifest.json").write_text("{not json", encoding="utf-8")
    time.sleep(0.1)
    with caplog.at_level("WARNING", logger="rag.service"):
        assert "龙马物流园" in _top_text(service, "龙马物流园")
    assert service.index is loaded
    assert "did not load" in caplog.text and "rag index" in caplog.text


def test_reload_off_and_injected_index_are_never_swapped(live: Settings, tiny_index,
                                                         encoder) -> None:
    off = RAGService(live.model_copy(update={"index_reload_s": 0}), encoder=encoder)
    injected = RAGService(live, index=tiny_index)
    loaded = off.index
    (live.corpus_dir / "hongtong_2026_news.txt").write_text(NEW_DOC, encoding="utf-8")
    build_index(live, encoder=encoder, progress=False)
    time.sleep(0.1)
    assert off.index is loaded and injected.index is tiny_index
    assert len(off.index.documents) == 3
