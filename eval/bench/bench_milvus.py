"""Milvus vs embedded store on eval/qa.jsonl: hit@k / MRR@10 per channel and fused, and search
latency, both stores measured in one run over the same chunks and vectors.

The Milvus side is Milvus Lite (a local .db file) unless --uri names a server. Passages are
embedded once and the vectors reused for every build (an in-process cache), so the runs
differ only in the store. Both word-channel variants are built: Milvus's own jieba analyzer
over the text ("jieba", the default) and our jieba terms sent pre-split ("client").

Usage:
    python eval/bench/bench_milvus.py                   # temp dirs, Milvus Lite
    python eval/bench/bench_milvus.py --uri http://127.0.0.1:19530 --token root:Milvus
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_retrieval import HEADER, evaluate, fmt, load_questions, percentile  # noqa: E402

from rag.index.build import build_index  # noqa: E402
from rag.index.hybrid import HybridIndex  # noqa: E402
from rag.settings import Settings  # noqa: E402


class CachingEncoder:
    """The real encoder, with passages embedded once per text for every build of the run."""

    def __init__(self, real: Any) -> None:
        self.real, self.name, self.dim = real, real.name, real.dim
        self.cache: dict[str, np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in texts if t not in self.cache]
        if todo:
            for t, v in zip(todo, self.real.embed_passages(todo), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts]) if texts else np.empty((0, self.dim))


def seed(enc: CachingEncoder, index_dir: Path) -> int:
    """Fill the passage cache from a built index's embedding cache (same encoder only)."""
    from rag.index.keys import embedding_key
    from rag.index.storage import read_chunks, read_embeddings

    if not (index_dir / "embeddings.npy").exists():
        return 0
    stored = read_embeddings(index_dir)
    for c in read_chunks(index_dir):
        vec = stored.get(embedding_key(enc.name, c.index_text))
        if vec is not None:
            enc.cache[c.index_text] = vec
    return len(enc.cache)


def channel_table(name: str, index: HybridIndex, questions: list[dict[str, Any]],
                  n: int) -> dict[str, dict[str, float]]:
    """Per-channel and fused figures of one index; returns them by row name."""
    cache = [index.rank_channels(q["query"], n=n) for q in questions]
    rows: dict[str, dict[str, float]] = {}
    for ch in sorted({c for channels, _ in cache for c in channels}):
        rows[f"{ch} alone"] = evaluate(index, questions, cache, boosts=(0.0, 0.0),
                                       weights={ch: 1.0})
    rows["fused (defaults)"] = evaluate(index, questions, cache)
    s = index.settings  # does the bigram channel still add to dense + words?
    rows["fused without bigrams"] = evaluate(index, questions, cache, weights={
        "dense": s.weight_dense, "bm25_word": s.weight_bm25_word})
    for row, m in rows.items():
        print(fmt(f"{name}: {row}", m))
    return rows


def latency(index: HybridIndex, questions: list[dict[str, Any]], suffix: str) -> list[float]:
    for i in range(5):  # warm-up on other strings
        index.search(f"预热问题{i}：全县经济发展情况", top_k=5)
    out = []
    for q in questions:
        t = time.perf_counter()
        index.search(q["query"] + suffix, top_k=5)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--dataset", type=Path, default=ROOT / "eval" / "qa.jsonl")
    ap.add_argument("--uri", default=None, help="Milvus URI (default: a Lite file in a temp dir)")
    ap.add_argument("--token", default=None)
    ap.add_argument("--bank-index", type=Path, default=ROOT / "index",
                    help="a built embedded index whose stored vectors seed the passage cache")
    ap.add_argument("--variants", default="jieba,client",
                    help="word-channel variants to build (RAG_MILVUS_WORD_ANALYZER values)")
    args = ap.parse_args()
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)

    from rag.encoders import get_encoder

    tmp = tempfile.TemporaryDirectory(prefix="bench-milvus-")
    work = Path(tmp.name)
    base = Settings(corpus_dir=args.corpus, index_dir=work / "index")
    enc = CachingEncoder(get_encoder(base))
    seeded = seed(enc, args.bank_index)
    questions = load_questions(args.dataset)
    uri = args.uri or str(work / "milvus.db")
    print(f"{len(questions)} answerable questions; Milvus at {uri}; {seeded} passage vectors "
          f"reused from {args.bank_index}\n")

    # Embedded first (it fills the passage cache), then one Milvus collection per variant
    t = time.perf_counter()
    rep = build_index(base, encoder=enc, progress=False)
    print(f"embedded build: {rep.summary()} ({time.perf_counter() - t:.1f} s)")
    indexes: dict[str, HybridIndex] = {"embedded": HybridIndex.load(base, encoder=enc)}
    for variant in [v for v in args.variants.split(",") if v]:
        ms = base.model_copy(update={"store": "milvus", "milvus_uri": uri,
                                     "milvus_token": args.token,
                                     "milvus_collection": f"bench_{variant}",
                                     "milvus_word_analyzer": variant})
        t = time.perf_counter()
        rep = build_index(ms, encoder=enc, rebuild=True, progress=False)
        print(f"milvus build ({variant}): {rep.summary()} ({time.perf_counter() - t:.1f} s)")
        indexes[f"milvus/{variant}"] = HybridIndex.load(ms, encoder=enc)
    caps = getattr(indexes.get("milvus/jieba") or list(indexes.values())[-1], "capabilities", {})
    print(f"capabilities measured: {caps}\n")

    # Quality, every index, same questions and fusion settings
    print(HEADER)
    figures = {name: channel_table(name, idx, questions, base.candidates)
               for name, idx in indexes.items()}
    emb = figures["embedded"]["fused (defaults)"]
    print("\nfused (defaults) vs embedded, hit@5 / MRR@10:")
    for name, rows in figures.items():
        m = rows["fused (defaults)"]
        print(f"  {name:<16} {m['hit@5']:.3f} / {m['mrr@10']:.3f}   "
              f"(delta {m['hit@5'] - emb['hit@5']:+.3f} / {m['mrr@10'] - emb['mrr@10']:+.3f})")

    # Latency of the full fused search, warm, one client; the embedded store is the baseline
    print("\nsearch latency (fused, top 5, warm, one client):")
    for n, (name, idx) in enumerate(indexes.items()):
        lat = latency(idx, questions, "。" * (n + 1))
        print(f"  {name:<16} p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms")
    tmp.cleanup()


if __name__ == "__main__":
    main()
