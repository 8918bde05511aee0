"""HTTP benchmark: /search, /ask and /v1/chat/completions latency over loopback, warm, 1 and
8 concurrent clients.

Starts `rag serve --no-ui` as a subprocess on a free loopback port (so the clients do not
share the server's GIL), warms it, then sends a bounded number of requests per case with
httpx from N threads. Prints p50/p95/mean/throughput/errors per endpoint and concurrency,
the /ask ÷ /search and /v1 ÷ /ask ratios of the same run, and per request the time spent
outside the answer's own computation (client latency minus the server's `timings_ms.total`:
HTTP, JSON, and for /v1 the OpenAI wrapper), which isolates the wrapper's cost from the
noise of the computation. Target: /ask p50 ≤ 60 ms with one client, no errors with 8,
the /v1 wrapper under a few ms.

Usage:
    python eval/bench/bench_http.py                          # over ./index (run `rag index`)
    python eval/bench/bench_http.py --index-dir /tmp/idx --requests 80 --clients 1 8
    python eval/bench/bench_http.py --num-threads 2          # torch/OpenMP threads per call
    python eval/bench/bench_http.py --api-concurrency 0      # no limit on queries at once
    python eval/bench/bench_http.py --repeat 20              # repeated questions (cache hits)
    python eval/bench/bench_http.py --no-wrapper             # skip the in-process wrapper cost
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
V1 = "/v1/chat/completions"
MODEL = os.environ.get("RAG_OPENAI_MODEL", "govdoc-rag")

# Questions rotated through (the eval set's, when present)
FALLBACK = ["龙马物流园进展如何？", "洪洞县2024年地区生产总值增长目标是多少？",
            "绛县2025年有哪些重点工作？", "洪洞县“十四五”时期交通建设有哪些规划？"]


def questions(limit: int = 1000) -> list[str]:
    path = ROOT / "eval" / "qa.jsonl"
    if not path.exists():
        return FALLBACK
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    qs = [r["question"] for r in rows if not r.get("history")]
    return qs[:limit] or FALLBACK


class QuestionSource:
    """Hands out questions. Fresh mode never repeats one (the index caches query vectors,
    so a repeat skips the encoder): past the eval set it appends a counter."""

    def __init__(self, qs: list[str], repeat: int | None) -> None:
        self.qs = qs if repeat is None else qs[:repeat]
        self.fresh = repeat is None
        self.i = 0
        self.lock = threading.Lock()

    def next(self) -> str:
        with self.lock:
            i, self.i = self.i, self.i + 1
        q = self.qs[i % len(self.qs)]
        rounds = i // len(self.qs)
        return f"{q}（{rounds}）" if self.fresh and rounds else q


# The server: `rag serve --no-ui` in its own process
def _auth() -> dict[str, str]:
    # /v1 sits behind RAG_API_KEY when one is set
    key = os.environ.get("RAG_API_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(index_dir: Path, num_threads: int, concurrency: int | None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir.resolve()),
           "RAG_NUM_THREADS": str(num_threads), "GRADIO_ANALYTICS_ENABLED": "False"}
    if concurrency is not None:
        env["RAG_API_CONCURRENCY"] = str(concurrency)
    cmd = [sys.executable, "-c", "from rag.cli import main; main()", "serve", "--no-ui",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=tempfile.gettempdir())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"server did not start:\n{log.read()[-3000:]}")
            try:
                health = httpx.get(f"{url}/health", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        if health["status"] != "ok":
            raise SystemExit(f"no usable index at {index_dir}: {health['message']}")
        print(f"server {url}: {health['documents']} documents, {health['chunks']} chunks, "
              f"encoder {health['encoder']}, num_threads={num_threads}, "
              f"api_concurrency={'default' if concurrency is None else concurrency}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        Path(log.name).unlink(missing_ok=True)


# One case: N requests to one endpoint from C client threads
@dataclass
class Result:
    endpoint: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    outside_ms: list[float] = field(default_factory=list)  # latency - server compute
    errors: int = 0
    wall_s: float = 0.0

    def pct(self, p: float, xs: list[float] | None = None) -> float:
        xs = sorted(self.latencies_ms if xs is None else xs)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


ENDPOINTS = ("/search", "/ask", V1)


def _request(http: httpx.Client, endpoint: str, q: str) -> httpx.Response:
    if endpoint == "/ask":
        return http.post("/ask", json={"question": q})
    if endpoint == V1:
        return http.post(V1, json={"model": MODEL, "messages": [{"role": "user", "content": q}]})
    return http.get("/search", params={"q": q})


def _server_ms(endpoint: str, r: httpx.Response) -> float | None:
    # The server's own compute time for this request (timings_ms.total)
    try:
        data = r.json()
        timings = data["rag"]["timings_ms"] if endpoint == V1 else data["timings_ms"]
        return float(timings["total"])
    except (ValueError, KeyError, TypeError):
        return None


def run_case(url: str, endpoint: str, clients: int, total: int, qs: QuestionSource) -> Result:
    res = Result(endpoint, clients)
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=60, headers=_auth()) as http:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                server = None
                try:
                    r = _request(http, endpoint, qs.next())
                    ms = (time.perf_counter() - t0) * 1000
                    ok = r.status_code == 200
                    server = _server_ms(endpoint, r) if ok else None
                except httpx.HTTPError:
                    ms, ok = (time.perf_counter() - t0) * 1000, False
                with lock:
                    res.latencies_ms.append(ms)
                    if server is not None:
                        res.outside_ms.append(ms - server)
                    res.errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    res.wall_s = time.perf_counter() - t0
    return res


def wrapper_cost(index_dir: Path, n_questions: int = 20, reps: int = 200) -> None:
    """In-process, free of HTTP and compute noise: what /ask and /v1 each do to one answer
    after computing it (response model, JSON; for /v1 also the Markdown and the completion
    object), median µs over `reps` repetitions of `n_questions` real answers."""
    from rag.api.openai_schemas import ChatCompletion
    from rag.api.routers.openai_compat import completion
    from rag.api.schemas import AskResponse
    from rag.service import RAGService
    from rag.settings import Settings

    svc = RAGService(Settings(index_dir=index_dir, llm_base_url=None, llm_model=None))
    answers = [svc.ask(q).to_dict() for q in questions()[:n_questions]]
    head = {"id": "chatcmpl-x", "created": 0, "model": MODEL}

    def ask_out(a: dict[str, object]) -> bytes:
        return AskResponse.model_validate(a).model_dump_json().encode()

    def v1_out(a: dict[str, object]) -> bytes:
        body = completion(head, a, 10)
        return ChatCompletion.model_validate(body).model_dump_json().encode()

    def median_us(fn: Callable[[dict[str, object]], bytes]) -> float:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for a in answers:
                fn(a)
            times.append((time.perf_counter() - t0) / len(answers) * 1e6)
        return statistics.median(times)

    median_us(ask_out), median_us(v1_out)  # warm
    ask_us, v1_us = median_us(ask_out), median_us(v1_out)
    print(f"\nafter the answer is computed, per request (in process, {len(answers)} answers, "
          f"median of {reps}): /ask response {ask_us:.0f} µs, /v1 completion {v1_us:.0f} µs "
          f"(wrapper {v1_us - ask_us:+.0f} µs; /v1 leaves out the passages /ask returns)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, default=ROOT / "index")
    ap.add_argument("--requests", type=int, default=60, help="requests per endpoint and case")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds per case")
    ap.add_argument("--num-threads", type=int, default=1, help="RAG_NUM_THREADS for the server")
    ap.add_argument("--repeat", type=int, default=None, metavar="N",
                    help="cycle through only N questions (query-vector cache hits); "
                         "default: every request a question not asked before")
    ap.add_argument("--api-concurrency", type=int, default=None,
                    help="RAG_API_CONCURRENCY for the server (0 = no limit)")
    ap.add_argument("--no-wrapper", action="store_true",
                    help="skip the in-process /ask vs /v1 serialisation measurement")
    args = ap.parse_args()

    qs = QuestionSource(questions(), args.repeat)
    mode = "fresh questions" if args.repeat is None else f"{args.repeat} repeated questions"
    server = serve(args.index_dir, args.num_threads, args.api_concurrency)
    with server as url, httpx.Client(base_url=url, headers=_auth()) as http:
        for _ in range(args.warmup):  # warm: jieba, encoder, answerer caches, connections
            for ep in ENDPOINTS:
                _request(http, ep, qs.next())
        # Alternate the endpoints in rounds (A B C, C B A, …) so machine noise hits all alike
        merged: dict[tuple[str, int], Result] = {}
        per_round = max(1, args.requests // args.rounds)
        for c in args.clients:
            for rnd in range(args.rounds):
                order = ENDPOINTS if rnd % 2 == 0 else ENDPOINTS[::-1]
                for ep in order:
                    part = run_case(url, ep, c, per_round, qs)
                    acc = merged.setdefault((ep, c), Result(ep, c))
                    acc.latencies_ms += part.latencies_ms
                    acc.outside_ms += part.outside_ms
                    acc.errors += part.errors
                    acc.wall_s += part.wall_s
        results = [merged[(ep, c)] for c in args.clients for ep in ENDPOINTS]

    print(f"\n{mode}, {args.requests} requests per endpoint and client count")
    print(f"{'endpoint':<22}{'clients':>8}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}"
          f"{'req/s':>8}{'errors':>8}{'outside p50':>13}")
    for r in results:
        print(f"{r.endpoint:<22}{r.clients:>8}{len(r.latencies_ms):>6}{r.pct(50):>9.1f}"
              f"{r.pct(95):>9.1f}{statistics.fmean(r.latencies_ms):>9.1f}"
              f"{len(r.latencies_ms) / r.wall_s:>8.1f}{r.errors:>8}"
              f"{r.pct(50, r.outside_ms):>13.1f}")
    print("(outside p50: client latency minus the server's timings_ms.total: HTTP, JSON, any "
          "wrapper and, with several clients, the wait for a compute slot)")
    print()
    by = {(r.endpoint, r.clients): r for r in results}
    for c in args.clients:
        a, s, v = by[("/ask", c)], by[("/search", c)], by[(V1, c)]
        print(f"/ask ÷ /search at {c} client(s): p50 {a.pct(50) / s.pct(50):.2f}×, "
              f"p95 {a.pct(95) / s.pct(95):.2f}×")
        print(f"/v1 ÷ /ask at {c} client(s): p50 {v.pct(50) / a.pct(50):.2f}×, "
              f"p95 {v.pct(95) / a.pct(95):.2f}×; outside compute p50 "
              f"{v.pct(50, v.outside_ms):.1f} vs {a.pct(50, a.outside_ms):.1f} ms "
              f"(wrapper {v.pct(50, v.outside_ms) - a.pct(50, a.outside_ms):+.1f} ms)")
    one = by.get(("/ask", 1))
    if one:
        verdict = "meets" if one.pct(50) <= 60 else "misses"
        print(f"target /ask p50 ≤ 60 ms with 1 client: {one.pct(50):.1f} ms ({verdict})")
    most = max(args.clients)
    errs = sum(by[(ep, most)].errors for ep in ENDPOINTS)
    print(f"errors with {most} clients: {errs}")
    if not args.no_wrapper:
        wrapper_cost(args.index_dir)


if __name__ == "__main__":
    main()
