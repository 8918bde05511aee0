"""The OpenAI-compatible /v1 API, driven by the real `openai` SDK against `rag serve`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from rag_server import rag_env, rag_serve

from rag.answer.llm import ChatClient
from rag.api import create_app
from rag.service import RAGService
from rag.settings import Settings

KEY = "test-key-0123"
MODEL = "govdoc-rag"
QUESTION = "龙马物流园进展如何？"


# One real server over the tiny index (tests/conftest.py), with an API key set
@pytest.fixture(scope="module")
def base_url(tiny_settings: Settings, tiny_index: Any) -> Iterator[str]:
    env = rag_env(RAG_INDEX_DIR=str(tiny_settings.index_dir),
                  RAG_CORPUS_DIR=str(tiny_settings.corpus_dir), RAG_API_KEY=KEY)
    with rag_serve(env) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key=KEY, max_retries=0)


def _ask(client: openai.OpenAI, content: str = QUESTION, **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": content}], **kwargs)


# Models
def test_models_list_the_knowledge_base(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == [MODEL]
    assert client.models.retrieve(MODEL).owned_by == "govdoc-rag"
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-4o")
    assert err.value.code == "model_not_found" and "gpt-4o" in err.value.message


# Completions: cited content, structured citations, usage
def test_completion_cites_the_passage(client: openai.OpenAI) -> None:
    r = _ask(client, temperature=0.2, max_tokens=50, top_p=0.9, user="u1", seed=7)
    assert r.object == "chat.completion" and r.model == MODEL and len(r.choices) == 1
    choice = r.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content or ""
    answer, _, sources = content.partition("\n\n**来源 (sources)**\n\n")
    assert "[1]" in answer and "内陆港" in answer
    assert sources.startswith("**[1]** 《洪洞县2024年政府工作报告解读》 › 一、2023年工作回顾")
    assert "`hongtong_2024_report.txt`" in sources and "> 「" in sources
    # The structured citations are /ask's objects
    cits = choice.message.model_extra["citations"]
    assert cits[0]["n"] == 1 and "龙马物流园" in cits[0]["text"]
    assert cits[0]["quote"] in cits[0]["text"] and cits[0]["quote"] in sources
    assert set(cits[0]) >= {"chunk_id", "source", "title", "heading_path", "quote_start",
                            "quote_end", "quotes"}
    extra = r.model_extra["rag"]
    assert extra["answerable"] is True
    assert {"direct_answer", "confidence", "rewritten_question", "timings_ms"} <= set(extra)
    # usage counts characters: the question read, the content written
    assert r.usage is not None
    assert r.usage.prompt_tokens == len(QUESTION)
    assert r.usage.completion_tokens == len(content)
    assert r.usage.total_tokens == len(QUESTION) + len(content)


def test_streaming_completion_gives_the_same_content(client: openai.OpenAI) -> None:
    whole = _ask(client).choices[0].message.content
    chunks = list(_ask(client, stream=True, stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    with_choices = [c for c in chunks if c.choices]
    text = "".join(c.choices[0].delta.content or "" for c in with_choices)
    assert text == whole and "[1]" in text
    assert len([c for c in with_choices if c.choices[0].delta.content]) >= 2  # pieces
    last = with_choices[-1]
    assert last.choices[0].finish_reason == "stop"
    assert "龙马物流园" in last.choices[0].delta.model_extra["citations"][0]["text"]
    assert last.model_extra["rag"]["answerable"] is True
    assert [c.choices[0].finish_reason for c in with_choices[:-1]] == [None] * (
        len(with_choices) - 1)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len(text)


def test_stream_ends_with_done_on_the_wire(base_url: str) -> None:
    body = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{base_url}/v1/chat/completions", json=body, timeout=60,
                      headers={"Authorization": f"Bearer {KEY}"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = [x for x in r.iter_lines() if x]
    assert all(x.startswith("data: ") for x in lines)
    assert lines[-1] == "data: [DONE]"
    first = json.loads(lines[0][6:])
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}


def test_follow_up_through_message_history(client: openai.OpenAI) -> None:
    first = _ask(client, "洪洞县地区生产总值增长多少？").choices[0].message.content
    assert first and "6.2%" in first
    r = client.chat.completions.create(model=MODEL, messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "洪洞县地区生产总值增长多少？"},
        {"role": "assistant", "content": first},  # with its sources block, as front-ends send it
        {"role": "user", "content": [{"type": "text", "text": "那绛县呢？"}]},
    ])
    rewritten = r.model_extra["rag"]["rewritten_question"]
    assert rewritten and "绛县" in rewritten
    content = r.choices[0].message.content or ""
    assert content.startswith(f"*（按上下文理解为：{rewritten}）*")
    cits = r.choices[0].message.model_extra["citations"]
    assert cits and cits[0]["county"] == "绛县" and "[1]" in content


def test_filters_through_extra_body_or_metadata(client: openai.OpenAI) -> None:
    r = _ask(client, "地区生产总值增长多少？", extra_body={"filters": {"county": "绛县"}})
    cits = r.choices[0].message.model_extra["citations"]
    assert cits and {c["county"] for c in cits} == {"绛县"}
    r = _ask(client, "地区生产总值增长多少？",
             metadata={"filters": json.dumps({"county": "洪洞县", "year": 2024})})
    cits = r.choices[0].message.model_extra["citations"]
    assert cits and {(c["county"], c["year"]) for c in cits} == {("洪洞县", 2024)}


# Errors: the SDK's usual exceptions, with messages a person can read
@pytest.mark.parametrize(
    ("kwargs", "expect", "param"),
    [
        ({"n": 2}, ["只支持 n=1", "only n=1"], "n"),
        ({"extra_body": {"filters": {"city": "绛县"}}},
         ["未知的筛选条件「city」", "unknown filter"], "filters.city"),
        ({"metadata": {"filters": "{not json"}}, ["不是合法的 JSON", "not valid JSON"],
         "metadata.filters"),
        ({"messages": [{"role": "user", "content": "  "}]}, ["问题不能为空", "empty"], None),
        ({"messages": [{"role": "user", "content": QUESTION},
                       {"role": "assistant", "content": "好"}]},
         ["最后一条消息必须来自 user", "last message must be a user message"], "messages.1.role"),
        ({"messages": [{"role": "robot", "content": QUESTION}]}, ["role", "invalid role"],
         "messages.0.role"),
        ({"extra_body": {"top_k": 0}}, ["top_k 必须在 1 到", "got 0"], None),
        ({"temperature": "hot"}, ["temperature", "invalid parameter"], "temperature"),
    ],
)
def test_bad_requests_raise_bad_request_error(
    client: openai.OpenAI, kwargs: dict[str, Any], expect: list[str], param: str | None
) -> None:
    args: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}],
                            **kwargs}
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(**args)
    for part in expect:
        assert part in err.value.message
    assert isinstance(err.value.body, dict) and err.value.body["type"] == "invalid_request_error"
    if param:
        assert err.value.param == param


@pytest.mark.parametrize(
    ("body", "expect", "param"),
    [
        ("{not json", "请求体不是合法的 JSON (invalid JSON body)", None),
        ("[1, 2]", "请求体必须是 JSON 对象 (body must be a JSON object)", "body"),
        ('{"model": "govdoc-rag"}', "缺少参数 messages (missing required parameter 'messages')",
         "messages"),
    ],
)
def test_malformed_bodies_are_400_in_the_openai_shape(
    base_url: str, body: str, expect: str, param: str | None
) -> None:
    r = httpx.post(f"{base_url}/v1/chat/completions", content=body,
                   headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": {"message": expect, "type": "invalid_request_error",
                                  "param": param, "code": "invalid_value"}}


def test_unknown_model_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o",
                                       messages=[{"role": "user", "content": QUESTION}])
    assert err.value.code == "model_not_found" and MODEL in err.value.message


def test_missing_or_wrong_key_raises_authentication_error(base_url: str) -> None:
    # The SDK always sends a key (it refuses an empty one): a key that is not RAG_API_KEY
    bad = openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-not-the-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        _ask(bad)
    assert "RAG_API_KEY" in err.value.message and err.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    # No header at all: the same, in OpenAI's error shape
    r = httpx.get(f"{base_url}/v1/models")
    assert r.status_code == 401 and set(r.json()["error"]) == {"message", "type", "param", "code"}


def test_only_v1_errors_take_the_openai_shape(base_url: str) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    r = httpx.post(f"{base_url}/v1/embeddings", json={"input": "x"}, headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_url"
    r = httpx.post(f"{base_url}/ask", json={"question": ""})
    assert r.status_code == 422 and "detail" in r.json() and "error" in r.json()
    assert r.json()["error"] == "QueryError"


def test_no_index_is_a_server_error_naming_rag_index(tmp_path: Any) -> None:
    # In-process app without an index; the SDK talks to it through Starlette's test client
    settings = Settings(index_dir=tmp_path / "index", llm_base_url=None, llm_model=None,
                        mcp_http=False)
    with TestClient(create_app(settings, ui=False)) as http:
        sdk = openai.OpenAI(base_url="http://testserver/v1", api_key="none", http_client=http,
                            max_retries=0)
        with pytest.raises(openai.InternalServerError) as err:
            _ask(sdk)
    assert err.value.status_code == 503 and "rag index" in err.value.message


# An LLM that fails mid-answer: the stream cannot take text back, so it says so and goes on
class _BreaksMidway(BaseHTTPRequestHandler):
    """A real OpenAI-compatible stand-in (no LLM runs offline): one cited sentence quoting
    the first passage, then the connection drops in the middle of the chunked body."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        sentence = "龙马物流园建设全面提速，山东港口内陆港在龙马物流园正式揭牌。[1]园区"
        data = json.dumps({"choices": [{"index": 0, "delta": {"content": sentence}}]},
                          ensure_ascii=False)
        event = f"data: {data}\n\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.write(b"400\r\npartial")  # a chunk that never completes
        self.wfile.flush()
        self.close_connection = True


def test_stream_with_an_llm_failing_midway_withdraws_and_answers(
    tiny_settings: Settings, tiny_index: Any, encoder: Any
) -> None:
    llm_server = ThreadingHTTPServer(("127.0.0.1", 0), _BreaksMidway)
    threading.Thread(target=llm_server.serve_forever, daemon=True).start()
    try:
        llm = ChatClient(f"http://127.0.0.1:{llm_server.server_address[1]}/v1", "m",
                         timeout_s=10)
        service = RAGService(tiny_settings, index=tiny_index, encoder=encoder, llm=llm)
        settings = tiny_settings.model_copy(update={"mcp_http": False})
        with TestClient(create_app(settings, service, ui=False)) as http:
            sdk = openai.OpenAI(base_url="http://testserver/v1", api_key="none",
                                http_client=http, max_retries=0)
            chunks = list(_ask(sdk, stream=True))
    finally:
        llm_server.shutdown()
        llm_server.server_close()
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    generated, _, rest = text.partition("（以上内容已撤回，以下为核对后的回答")
    assert "[1]" in generated and rest, text
    assert "内陆港" in rest and "**来源 (sources)**" in rest
    final = chunks[-1].model_extra["rag"]
    assert any("LLM 不可用" in n for n in final["notes"])
