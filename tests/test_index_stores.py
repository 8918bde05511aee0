"""Dense (FAISS) and keyword (bm25s) stores: exactness, add/remove, filters, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.stores import BM25Store, FaissStore
from rag.text import WordTokenizer, bigram_tokenize


def _vectors(n: int, d: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _brute(vecs: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> tuple[list, np.ndarray]:
    scores = vecs @ q
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order].tolist(), scores[order]


def test_flat_faiss_equals_brute_force_numpy() -> None:
    vecs, ids = _vectors(500, 64), np.arange(1000, 1500, dtype=np.int64)
    store = FaissStore(64)
    store.add(ids, vecs)
    for q in _vectors(20, 64, seed=1):
        got_ids, got_scores = store.search(q, 10)
        want_ids, want_scores = _brute(vecs, ids, q, 10)
        assert got_ids.tolist() == want_ids
        assert np.allclose(got_scores, want_scores, atol=1e-5)


def test_flat_faiss_filter_equals_brute_force_on_the_subset() -> None:
    vecs, ids = _vectors(300, 32), np.arange(300, dtype=np.int64) * 7
    store = FaissStore(32)
    store.add(ids, vecs)
    allowed = ids[::3]
    q = _vectors(1, 32, seed=5)[0]
    got, _ = store.search(q, 5, allowed=allowed)
    want, _ = _brute(vecs[::3], allowed, q, 5)
    assert got.tolist() == want


def test_hnsw_recall_against_brute_force() -> None:
    vecs, ids = _vectors(2000, 32), np.arange(2000, dtype=np.int64)
    store = FaissStore(32, kind="hnsw")
    store.add(ids, vecs)
    found = 0
    for q in _vectors(20, 32, seed=2):
        want, _ = _brute(vecs, ids, q, 10)
        found += len(set(store.search(q, 10)[0].tolist()) & set(want))
    assert found / 200 >= 0.9


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_remove_and_add_without_rebuild(kind: str, tmp_path: Path) -> None:
    vecs, ids = _vectors(50, 16), np.arange(50, dtype=np.int64)
    store = FaissStore(16, kind=kind)
    store.add(ids, vecs)
    q = vecs[7]
    assert store.search(q, 1)[0].tolist() == [7]
    store.remove(np.array([7]))
    assert 7 not in store.search(q, 10)[0].tolist() and len(store) == 49
    store.save(tmp_path / "d")
    loaded = FaissStore.load(tmp_path / "d")
    assert 7 not in loaded.search(q, 10)[0].tolist()
    loaded.add(np.array([99]), vecs[7:8])
    assert loaded.search(q, 1)[0].tolist() == [99]


def test_bm25_store_ranks_filters_and_persists(tmp_path: Path) -> None:
    tok = WordTokenizer(["龙马物流园"])
    store = BM25Store(tok)
    texts = ["龙马物流园正式揭牌，成为第49个内陆港。", "绛县新建农村幼儿园3所。", "物流产业发展。"]
    store.index(np.array([10, 20, 30]), texts)
    ids, scores = store.search("龙马物流园进展如何", 3)
    assert ids[0] == 10 and scores[0] > 0
    assert store.search("龙马物流园", 3, allowed=np.array([20]))[0].tolist() == []
    assert store.search("的 了 吗", 3)[0].tolist() == []  # stopwords only
    store.save(tmp_path / "kw")
    loaded = BM25Store.load(tmp_path / "kw", tok)
    assert loaded.search("龙马物流园", 1)[0].tolist() == [10]
    assert np.allclose(loaded.score("龙马物流园", np.array([10, 30])), store.score(
        "龙马物流园", np.array([10, 30])))


def test_word_tokenizer_keeps_domain_words_whole() -> None:
    tok = WordTokenizer(["龙马物流园", "三码", "四地一城"])
    assert "龙马物流园" in tok("龙马物流园进展如何？")
    assert "三码" in tok("“三码”联办是什么")
    assert "四地一城" in tok("洪洞打造四地一城")
    assert "什么" not in tok("三码是什么") and "？" not in tok("进展如何？")


def test_bigram_tokenizer() -> None:
    assert bigram_tokenize("绛县，2025年") == ["绛县", "2025", "年"]
