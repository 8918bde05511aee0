"""Chunking benchmark: time to load + chunk the corpus, chunk size distribution, and (with
--quality) BM25 hit@k of the chunks vs fixed 350-character windows, all in one process.

Ingestion throughput: load + normalise + chunk of generated 5, 10 and 20 MB text files (the
bundled documents repeated), in MB/s next to the bundled corpus in the same run; a linear
pipeline keeps the MB/s flat as the size doubles.

Usage:
    python eval/bench/bench_chunking.py             # timing + distribution + throughput
    python eval/bench/bench_chunking.py --quality   # also BM25 hit@k per chunking variant
    python eval/bench/bench_chunking.py --sizes 5 10 20 50   # other sizes (MB; 0 = none)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rag.corpus import (  # noqa: E402
    CHUNKER_VERSION,
    Document,
    chunk_document,
    load_corpus,
    load_document,
)
from rag.settings import Settings  # noqa: E402

_WS = re.compile(r"\s+")


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    """Median wall time in ms over `repeat` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def windows(docs: list[Document], size: int = 350) -> list[tuple[str, str]]:
    """Baseline chunking: fixed windows of `size` characters, (source, text)."""
    return [(d.source, d.text[i : i + size]) for d in docs for i in range(0, len(d.text), size)]


# Timing and distribution
def bench_speed(corpus: Path, settings: Settings, repeat: int) -> list[Document]:
    load_ms, load = timed(lambda: load_corpus(corpus), repeat)
    docs = load.documents
    chunk_ms, chunks = timed(lambda: [chunk_document(d, settings) for d in docs], repeat)
    base_ms, _ = timed(lambda: windows(docs), repeat)
    chars = sum(len(d.text) for d in docs)
    total = load_ms + chunk_ms
    n = sum(len(c) for c in chunks)
    print(f"chunker {CHUNKER_VERSION}: {len(docs)} documents, {chars} characters, {n} chunks")
    print(f"load+normalise+headings {load_ms:8.1f} ms")
    print(f"chunk                   {chunk_ms:8.1f} ms")
    print(f"total                   {total:8.1f} ms  ({chars / total * 1000:,.0f} chars/s)")
    ratio = total / base_ms
    print(f"baseline fixed windows  {base_ms:8.2f} ms  (ratio total/baseline {ratio:,.0f}x)")
    print("\n| doc | chunks | min | p25 | median | p75 | max | <60 |")
    print("|-----|--------|-----|-----|--------|-----|-----|-----|")
    for d, cs in zip(docs, chunks, strict=True):
        lens = sorted(len(c.text) for c in cs)
        q = statistics.quantiles(lens, n=4) if len(lens) > 1 else [lens[0]] * 3
        print(
            f"| {d.source[:3]} | {len(cs):6d} | {lens[0]:3d} | {q[0]:3.0f} | {q[1]:6.0f} "
            f"| {q[2]:3.0f} | {lens[-1]:3d} | {sum(x < 60 for x in lens):3d} |"
        )
    return docs


# Quality: BM25 (jieba words + character bigrams, RRF) hit@k of each chunking variant
def bench_quality(docs: list[Document], dataset: Path) -> None:
    import bm25s
    import numpy as np

    from rag.text.tokenizers import WordTokenizer, bigram_tokenize

    rows = [json.loads(x) for x in dataset.read_text(encoding="utf-8").splitlines() if x]
    items = [r for r in rows if r.get("evidence") and r.get("type") != "unanswerable"]
    tokenizers: list[Callable[[str], list[str]]] = [WordTokenizer(), bigram_tokenize]

    def run(name: str, passages: list[tuple[str, str, str]]) -> None:
        fused = np.zeros((len(items), len(passages)))
        for tok in tokenizers:
            bm = bm25s.BM25()
            bm.index([tok(p[1]) or [""] for p in passages], show_progress=False)
            for i, it in enumerate(items):
                ranks = (-bm.get_scores(tok(it["question"]))).argsort().argsort()
                fused[i] += 1.0 / (61 + ranks)
        hits = {1: 0, 3: 0, 5: 0}
        top_len = []
        for i, it in enumerate(items):
            order = (-fused[i]).argsort()[:5]
            ev = [_WS.sub("", e) for e in it["evidence"]]
            ok = [
                passages[j][0] == it["doc"] and any(e in _WS.sub("", passages[j][2]) for e in ev)
                for j in order
            ]
            for k in hits:
                hits[k] += any(ok[:k])
            top_len.append(len(passages[order[0]][2]))
        n = len(items)
        print(
            f"| {name:<28} | {len(passages):6d} | "
            + " | ".join(f"{hits[k] / n:.3f}" for k in hits)
            + f" | {statistics.mean(top_len):7.0f} |"
        )

    print(f"\nBM25 words+bigrams (RRF), {len(items)} answerable questions")
    print("| chunking                     | chunks | hit@1 | hit@3 | hit@5 | top1len |")
    print("|------------------------------|--------|-------|-------|-------|---------|")
    for name, s in (
        ("sections (default)", Settings()),
        ("sections + sibling merge", Settings(chunk_merge_siblings=True)),
        ("sections target 300/max 450", Settings(chunk_target_chars=300, chunk_max_chars=450)),
    ):
        run(name, [(c.source, c.index_text, c.text) for d in docs for c in chunk_document(d, s)])
    run("baseline 350-char windows", [(src, t, t) for src, t in windows(docs)])


# Throughput: generated large files, MB/s per size
def bench_throughput(corpus: Path, settings: Settings, sizes: list[float]) -> None:
    files = sorted(corpus.glob("*.txt"))
    base = "\n\n".join(p.read_text(encoding="utf-8") for p in files)
    secs = chunks = 0.0
    for p in files:
        s, n = run_one(p, settings)
        secs, chunks = secs + s, chunks + n
    base_mb = sum(p.stat().st_size for p in files) / 2**20
    print("\n| input | MB | chunks | seconds | MB/s |")
    print("|-------|---:|-------:|--------:|-----:|")
    print(f"| bundled corpus (baseline) | {base_mb:.2f} | {chunks:.0f} | {secs:.2f} "
          f"| {base_mb / secs:.2f} |")
    per_char = len(base.encode("utf-8")) / len(base)
    with tempfile.TemporaryDirectory() as tmp:
        for mb in sizes:
            path = Path(tmp) / f"generated_{mb:g}mb.txt"
            chars = int(mb * 2**20 / per_char)
            text = ("\n\n".join([base] * (chars // len(base) + 1)))[:chars]
            path.write_text(text, encoding="utf-8")
            size = path.stat().st_size / 2**20
            big = max(settings.max_upload_mb, mb + 1)
            limit = settings.model_copy(update={"max_upload_mb": big})
            s, n = run_one(path, limit)
            print(f"| generated text | {size:.1f} | {n} | {s:.2f} | {size / s:.2f} |")
            path.unlink()


def run_one(path: Path, settings: Settings) -> tuple[float, int]:
    """Seconds and chunks for one file through load + normalise + chunk."""
    t0 = time.perf_counter()
    doc = load_document(path, entry={"title": path.stem}, max_mb=settings.max_upload_mb)
    n = len(chunk_document(doc, settings))
    return time.perf_counter() - t0, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--dataset", type=Path, default=ROOT / "eval" / "qa.jsonl")
    ap.add_argument("--repeat", type=int, default=5, help="timing runs (median is printed)")
    ap.add_argument("--quality", action="store_true", help="also print BM25 hit@k per variant")
    ap.add_argument(
        "--sizes", type=float, nargs="*", default=[5, 10, 20], help="generated file sizes (MB)"
    )
    args = ap.parse_args()
    settings = Settings(corpus_dir=args.corpus)
    docs = bench_speed(args.corpus, settings, args.repeat)
    sizes = [s for s in args.sizes if s > 0]
    if sizes:
        bench_throughput(args.corpus, settings, sizes)
    if args.quality:
        bench_quality(docs, args.dataset)


if __name__ == "__main__":
    main()
