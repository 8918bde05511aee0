"""Hostile requests against a real server on loopback: bounded work, clean text, strict types."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from rag_server import serve_app as live

from rag.answer.rewrite import subject_of
from rag.api import create_app
from rag.encoders.truncate import truncate_query
from rag.service import RAGService
from rag.settings import Settings


def _service(tiny_settings: Settings, tiny_index: Any, encoder: Any, **kw: Any) -> RAGService:
    return RAGService(tiny_settings.model_copy(update=kw), index=tiny_index, encoder=encoder)


@pytest.fixture(scope="module")
def url(tiny_settings: Settings, tiny_index: Any, encoder: Any) -> Iterator[str]:
    with live(create_app(service=_service(tiny_settings, tiny_index, encoder), ui=False)) as u:
        yield u


def _detail(r: httpx.Response) -> str:
    body = r.json()
    assert body["request_id"] and body["error"], body
    return str(body["detail"])


# 1. Bounded work per request
def test_long_history_message_is_refused_while_a_normal_question_answers(url: str) -> None:
    httpx.post(f"{url}/ask", json={"question": "洪洞县空气质量怎么样？"}, timeout=60)  # warm
    long_msg = ("洪洞，2024年，" * 1000)[:8000]
    hostile = {"question": "那绛县呢？", "history": [{"role": "user", "content": long_msg}]}

    def timed(body: dict[str, Any]) -> tuple[httpx.Response, float]:
        t0 = time.perf_counter()
        r = httpx.post(f"{url}/ask", json=body, timeout=60)
        return r, time.perf_counter() - t0

    with ThreadPoolExecutor(2) as pool:
        bad = pool.submit(timed, hostile)
        good = pool.submit(timed, {"question": "龙马物流园进展如何？"})
        (r_bad, t_bad), (r_good, t_good) = bad.result(), good.result()
    assert r_bad.status_code == 422
    assert "history[0]" in _detail(r_bad) and "8000" in _detail(r_bad)
    assert r_good.status_code == 200 and r_good.json()["answerable"]
    assert t_bad < 1.0 and t_good < 1.0, (t_bad, t_good)


def test_history_limits(url: str) -> None:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"第{i}轮：洪洞县的情况"}
             for i in range(40)]  # more than max_history_messages: the oldest are not read
    r = httpx.post(f"{url}/ask", json={"question": "那绛县呢？", "history": turns}, timeout=60)
    assert r.status_code == 200
    long_answer = [{"role": "assistant", "content": "好" * 3001}]
    r = httpx.post(f"{url}/ask", json={"question": "那绛县呢？", "history": long_answer},
                   timeout=60)
    assert r.status_code == 422 and "3000" in _detail(r)
    many = [{"role": "assistant", "content": "好" * 2000} for _ in range(5)]
    r = httpx.post(f"{url}/ask", json={"question": "那绛县呢？", "history": many}, timeout=60)
    assert r.status_code == 422 and "8000" in _detail(r)


def test_subject_of_is_linear_and_unchanged() -> None:
    assert subject_of("洪洞2024年GDP增长目标是多少？") == ("洪洞2024年", "GDP增长目标", "是多少")
    assert subject_of("在洪洞县，2024年的龙马物流园进展") == (
        "在洪洞县，2024年的", "龙马物流园", "进展")
    t0 = time.perf_counter()
    prefix, _, _ = subject_of("洪洞，" * 2700)  # was 15 s: each step rescanned the rest
    assert prefix.startswith("洪洞，") and time.perf_counter() - t0 < 1.0


def test_dense_query_is_truncated_head_and_tail() -> None:
    q = "洪洞县" + "很" * 1000 + "呢？"
    cut = truncate_query(q, 128)
    assert len(cut) == 129 and cut.startswith("洪洞县") and cut.endswith("呢？")
    assert truncate_query("短问题", 200) == "短问题"


def test_deadline_returns_503_and_frees_the_slot(
    tiny_settings: Settings, tiny_index: Any, encoder: Any
) -> None:
    svc = _service(tiny_settings, tiny_index, encoder, request_timeout_s=0.5, api_concurrency=1)
    app = create_app(service=svc, ui=False)
    gate = app.state.gate
    held: list[Any] = []
    try:
        with live(app) as u:  # started (and warmed up) first, then every encoder copy busy
            held = [encoder._take() for _ in range(encoder._max)]
            t0 = time.perf_counter()
            body = {"question": "绛县的农业发展超时测试问题？"}
            r = httpx.post(f"{u}/ask", json=body, timeout=30)
            waited = time.perf_counter() - t0
            assert r.status_code == 503, r.text
            assert r.json()["error"] == "DeadlineError" and "0.5" in _detail(r)
            assert "请求超时" in _detail(r) and r.headers["retry-after"] == "1"
            assert waited < 3.0
            assert gate.in_use == 0 and gate.waiting == 0  # its slot is free again
            for m in held:
                encoder._free.put(m)
            held = []
            ok = httpx.post(f"{u}/ask", json={"question": "龙马物流园进展如何？"}, timeout=30)
            assert ok.status_code == 200 and ok.json()["answerable"]
            s = httpx.get(f"{u}/search", params={"q": "龙马物流园"}, timeout=30)
            assert s.status_code == 200 and s.json()["hits"]
    finally:
        for m in held:
            encoder._free.put(m)


def test_gate_serves_cheap_requests_first() -> None:
    from rag.api.runtime import ComputeGate

    gate = ComputeGate(1)
    first = gate.ticket(0)
    gate.acquire(first)
    order: list[str] = []

    def wait(name: str, cost: float) -> None:
        t = gate.ticket(cost)
        gate.acquire(t, timeout=10)
        order.append(name)
        gate.release(t)

    heavy = [threading.Thread(target=wait, args=(f"heavy{i}", 500)) for i in range(3)]
    for t in heavy:
        t.start()
    time.sleep(0.1)
    light = threading.Thread(target=wait, args=("light", 10))
    light.start()
    time.sleep(0.1)
    gate.release(first)
    for t in [*heavy, light]:
        t.join(10)
    assert order[0] == "light" and sorted(order[1:]) == ["heavy0", "heavy1", "heavy2"]


# 2. Text hygiene and strict types
@pytest.mark.parametrize("body", [
    '{"question": "\\ud800"}',
    '{"question": "龙马物流园\\udfff进展"}',
    '{"question": "那绛县呢？", "history": [{"role": "user", "content": "\\ud800"}]}',
    '{"question": "好", "filters": {"county": "\\ud83d"}}',
])
def test_lone_surrogates_are_422(url: str, body: str) -> None:
    for path in ("/ask", "/ask/stream"):
        r = httpx.post(f"{url}{path}", content=body.encode(),
                       headers={"content-type": "application/json"}, timeout=30)
        assert r.status_code == 422, r.text
        assert "Unicode" in _detail(r) and "无效" in _detail(r)


def test_control_characters_are_cleaned(url: str) -> None:
    r = httpx.post(f"{url}/ask", json={"question": "龙马物流园\x00进展\x07如何？"}, timeout=30)
    assert r.status_code == 200 and r.json()["answerable"]
    s = httpx.get(f"{url}/search", params={"q": "龙马\x00物流园"}, timeout=30)
    assert s.status_code == 200 and s.json()["query"] == "龙马 物流园"
    g = httpx.get(f"{url}/ask", params={"q": "龙马物流园\x1b进展如何"}, timeout=30)
    assert g.status_code == 200


@pytest.mark.parametrize("field,value", [
    ("top_k", "5"), ("top_k", True), ("top_k", 5.5), ("question", 123),
    ("filters", "洪洞"), ("history", "洪洞"),
])
def test_strict_types(url: str, field: str, value: Any) -> None:
    body = {"question": "龙马物流园进展如何？", field: value}
    r = httpx.post(f"{url}/ask", json=body, timeout=30)
    assert r.status_code == 422, r.text
    assert field in _detail(r) and "(" in _detail(r)


def test_strict_nested_types(url: str) -> None:
    r = httpx.post(f"{url}/ask", json={"question": "好", "filters": {"year": "2024"}}, timeout=30)
    assert r.status_code == 422 and "filters.year" in _detail(r)
    r = httpx.post(f"{url}/ask", json={"question": "好", "history": [
        {"role": "user", "content": 5}]}, timeout=30)
    assert r.status_code == 422 and "history.0.content" in _detail(r)
    r = httpx.get(f"{url}/search", params={"q": "好", "top_k": "true"}, timeout=30)
    assert r.status_code == 422 and "top_k" in _detail(r)


@pytest.mark.parametrize("content", ['{"question": ', "[" * 100_000 + "]" * 100_000, "\xff"])
def test_bad_json_is_bilingual(url: str, content: str) -> None:
    r = httpx.post(f"{url}/ask", content=content.encode("utf-8", "surrogateescape"),
                   headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 422, r.text
    assert "JSON" in _detail(r) and "合法" in _detail(r)


def test_wrong_method_is_405_with_the_page_mounted(
    tiny_settings: Settings, tiny_index: Any, encoder: Any
) -> None:
    app = create_app(service=_service(tiny_settings, tiny_index, encoder), ui=True)
    with live(app) as u:
        cases = [("PUT", "/ask", "GET, POST"), ("DELETE", "/search", "GET"),
                 ("POST", "/health", "GET"), ("PATCH", "/ask/stream", "POST"),
                 ("PUT", "/documents", "GET, POST"), ("DELETE", "/documents/x/text", "GET")]
        for method, path, allow in cases:
            r = httpx.request(method, f"{u}{path}", timeout=30)
            assert r.status_code == 405, (method, path, r.status_code)
            assert r.headers["allow"] == allow
            assert "不支持" in _detail(r) and "not allowed" in _detail(r)
        assert httpx.get(f"{u}/health", timeout=30).status_code == 200
        assert httpx.get(f"{u}/", timeout=30).status_code == 200  # the page still serves


def test_gate_keeps_a_slot_open_for_short_questions() -> None:
    from rag.api.runtime import ComputeGate

    gate = ComputeGate(2)
    with gate.slot(cost=500):  # one long question computing
        blocked = gate.ticket(500)
        t = threading.Thread(target=gate.acquire, args=(blocked, 10))
        t.start()
        time.sleep(0.1)
        assert not blocked.held and gate.waiting == 1  # a second long one waits...
        with gate.slot(cost=20, timeout=0.5):  # ...while a short one gets the free slot
            assert gate.in_use == 2
        assert not blocked.held
    t.join(10)
    assert blocked.held  # and it runs once the first long one is done
    gate.release(blocked)
    assert gate.in_use == 0
