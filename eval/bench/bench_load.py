"""Load benchmark: a normal question's latency behind 8 clients sending maximum-length ones.

Starts `rag serve --no-ui` as a subprocess on a free loopback port (bench_http's server),
then in one run:

1. baseline: normal questions (the eval set's) one at a time on the idle server;
2. load: `--heavy` client threads send distinct maximum-length questions
   (`RAG_MAX_QUESTION_CHARS`, default 500, cut from the corpus) to /ask without pause,
   while one client sends the same normal questions again (prefixed, so the encoder's
   query cache does not help) and records their latency;
3. hostile: the heavy clients send an 8,000-character history message instead (refused).

Prints p50/p95 per phase, the heavy clients' throughput and status codes, and the
normal question's p95 under load ÷ its baseline. Target: p95 under load < 1 s.

Usage:
    python eval/bench/bench_load.py                       # over ./index (run `rag index`)
    python eval/bench/bench_load.py --index-dir /tmp/idx --heavy 8 --normal 30
    python eval/bench/bench_load.py --env RAG_API_CONCURRENCY=1 --env RAG_ENCODER_INSTANCES=1
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import ROOT, questions, serve  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `xs` in the same unit."""
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] if s else float("nan")


def corpus_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))


def heavy_question(text: str, n: int, rng: random.Random, i: int) -> str:
    # A distinct maximum-length question cut from the documents (a real worst case)
    start = rng.randrange(0, max(1, len(text) - n))
    tail = f"（{i}）是多少？"
    return text[start : start + n - len(tail)].replace("\n", "") + tail


def timed_normal(url: str, qs: list[str]) -> tuple[list[float], Counter[int]]:
    lat, codes = [], Counter[int]()
    with httpx.Client(timeout=60) as c:
        for q in qs:
            t0 = time.perf_counter()
            r = c.post(f"{url}/ask", json={"question": q})
            lat.append((time.perf_counter() - t0) * 1000)
            codes[r.status_code] += 1
    return lat, codes


def run_heavy(url: str, clients: int, make: object, stop: threading.Event,
              out: list[tuple[float, int]], lock: threading.Lock) -> list[threading.Thread]:
    def loop(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(timeout=120) as c:
            i = 0
            while not stop.is_set():
                body = make(rng, k * 100000 + i)  # type: ignore[operator]
                i += 1
                t0 = time.perf_counter()
                try:
                    status = c.post(f"{url}/ask", json=body).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    out.append(((time.perf_counter() - t0) * 1000, status))

    threads = [threading.Thread(target=loop, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    return threads


def phase(url: str, name: str, clients: int, make: object, normal: list[str],
          base_p95: float) -> None:
    stop, lock = threading.Event(), threading.Lock()
    heavy: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    threads = run_heavy(url, clients, make, stop, heavy, lock)
    time.sleep(2.0)  # let the queue fill
    lat, codes = timed_normal(url, normal)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    wall = time.perf_counter() - t0
    hl = [ms for ms, _ in heavy]
    hcodes = Counter(code for _, code in heavy)
    print(f"\n{name}: {clients} clients")
    print(f"  heavy   n={len(hl):4d}  {len(hl) / wall:5.1f} req/s  p50 {pct(hl, 50):7.0f} ms  "
          f"p95 {pct(hl, 95):7.0f} ms  status {dict(hcodes)}")
    print(f"  normal  n={len(lat):4d}  p50 {pct(lat, 50):7.0f} ms  p95 {pct(lat, 95):7.0f} ms  "
          f"max {max(lat):7.0f} ms  status {dict(codes)}  "
          f"(p95 {pct(lat, 95) / base_p95:.1f}x baseline; target < 1000 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, default=ROOT / "index")
    ap.add_argument("--heavy", type=int, default=8, help="clients sending long questions")
    ap.add_argument("--normal", type=int, default=30, help="normal questions timed per phase")
    ap.add_argument("--chars", type=int, default=500, help="length of a heavy question")
    ap.add_argument("--num-threads", type=int, default=1)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = ap.parse_args()
    for item in args.env:
        k, _, v = item.partition("=")
        os.environ[k] = v
    text = corpus_text()
    qs = questions()[: args.normal]
    with serve(args.index_dir, args.num_threads, None) as url:
        settings = {k: v for k, v in os.environ.items() if k.startswith("RAG_")}
        print(f"settings from env: {settings or 'defaults'}")
        timed_normal(url, ["龙马物流园进展如何？"] * 3)  # warm
        base, _ = timed_normal(url, qs)
        bp95 = pct(base, 95)
        print(f"\nbaseline (idle server): normal n={len(base)}  p50 {pct(base, 50):.0f} ms  "
              f"p95 {bp95:.0f} ms")
        phase(url, f"load: distinct {args.chars}-character questions", args.heavy,
              lambda rng, i: {"question": heavy_question(text, args.chars, rng, i)},
              [f"请问{q}" for q in qs], bp95)
        phase(url, "hostile: an 8,000-character history message", args.heavy,
              lambda rng, i: {"question": "那绛县呢？", "history": [
                  {"role": "user", "content": heavy_question(text, 8000, rng, i)}]},
              [f"请教{q}" for q in qs], bp95)
        print(f"\nmedian baseline {statistics.median(base):.0f} ms")


if __name__ == "__main__":
    main()
