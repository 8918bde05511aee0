"""The OpenAI-compatible /v1 API, driven by the real `openai` SDK against `rag serve`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from openai.types.chat import ChatCompletion
from rag_server import rag_env, rag_serve, serve_app

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
    rewritten = (r.model_extra or {})["rag"]["rewritten_question"]
    assert rewritten and "绛县" in rewritten
    content = r.choices[0].message.content or ""
    assert content.startswith(f"*（按上下文理解为：{rewritten}）*")
    cits = (r.choices[0].message.model_extra or {})["citations"]
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


# Bounded as /ask is (issue 13): history limits, clean text, strict types, 405, the deadline
LONG = ("洪洞，2024年，" * 1000)[:8000]


def test_long_history_message_is_refused_naming_it(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "system", "content": "You are a helpful assistant."},
                           {"role": "user", "content": LONG},
                           {"role": "assistant", "content": "好"},
                           {"role": "user", "content": "那绛县呢？"}]
    for stream in (False, True):
        t0 = time.perf_counter()
        with pytest.raises(openai.BadRequestError) as err:
            client.chat.completions.create(model=MODEL, messages=messages, stream=stream)
        assert time.perf_counter() - t0 < 1.0
        msg = err.value.message
        assert "历史消息 messages[1] 过长：8000 字，上限 500 字" in msg, msg
        assert "messages[1] has 8000 characters, the limit is 500" in msg
        assert err.value.code == "invalid_value"
    # Too much history in all (assistant turns may be longer, up to RAG_MAX_HISTORY_CHARS)
    many: list[Any] = [{"role": "assistant", "content": "好" * 2000} for _ in range(5)]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=MODEL, messages=[*many, {"role": "user", "content": "那绛县呢？"}])
    assert "对话历史过长" in err.value.message and "8000" in err.value.message
    assert _ask(client).choices[0].message.content  # the server goes on answering


def _raw(client: openai.OpenAI, body: str) -> Any:
    # A JSON body the SDK would not encode itself (a lone surrogate is an escape in JSON
    # text, as a browser's JSON.stringify sends it), still sent and parsed by the SDK
    return client.post("/chat/completions", cast_to=ChatCompletion, content=body.encode(),
                       options={"headers": {"Content-Type": "application/json"}})


@pytest.mark.parametrize(("message", "param"), [
    ('{"role": "user", "content": "\\ud800"}', "messages.0.content"),
    ('{"role": "user", "content": "龙马物流园\\udfff进展"}', "messages.0.content"),
    ('{"role": "user", "content": [{"type": "text", "text": "\\ud83d"}]}',
     "messages.0.content.0.text"),
])
def test_lone_surrogate_is_a_bad_request(client: openai.OpenAI, message: str, param: str
                                         ) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        _raw(client, f'{{"model": "{MODEL}", "messages": [{message}]}}')
    assert err.value.param == param
    assert "无效的 Unicode" in err.value.message and "invalid Unicode" in err.value.message
    assert err.value.code == "invalid_value"


def test_lone_surrogate_elsewhere_is_a_bad_request(client: openai.OpenAI) -> None:
    user = '{"role": "user", "content": "那绛县呢？"}'
    bodies = {
        "messages.0.content": f'{{"model": "{MODEL}", "messages": [{{"role": "user", '
                              f'"content": "\\ud800"}}, {{"role": "assistant", "content": '
                              f'"好"}}, {user}]}}',
        "model": f'{{"model": "\\ud800", "messages": [{user}]}}',
        "filters.county": f'{{"model": "{MODEL}", "messages": [{user}], '
                          f'"filters": {{"county": "\\ud800"}}}}',
    }
    for param, body in bodies.items():
        with pytest.raises(openai.BadRequestError) as err:
            _raw(client, body)
        assert err.value.param == param and "Unicode" in err.value.message, param
    # metadata.filters as JSON text: the surrogate is inside the text
    meta = json.dumps({"filters": '{"county": "\\ud800"}'})
    with pytest.raises(openai.BadRequestError) as err:
        _raw(client, f'{{"model": "{MODEL}", "messages": [{user}], "metadata": {meta}}}')
    assert err.value.param == "metadata.filters" and "Unicode" in err.value.message


def test_control_characters_are_cleaned(client: openai.OpenAI) -> None:
    r = _ask(client, "龙马物流园\x00进展\x07如何？")
    assert "[1]" in (r.choices[0].message.content or "")
    assert r.model_extra["rag"]["answerable"] is True


@pytest.mark.parametrize(("field", "value"), [
    ("top_k", "5"), ("top_k", True), ("n", True), ("stream", "true"), ("temperature", "0.5"),
    ("model", 5),
])
def test_strict_types(client: openai.OpenAI, field: str, value: Any) -> None:
    body: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": QUESTION}],
                            field: value}
    with pytest.raises(openai.BadRequestError) as err:
        _raw(client, json.dumps(body))
    assert err.value.param == field and field in err.value.message
    assert "invalid parameter" in err.value.message


def test_message_content_of_the_wrong_type_names_it(client: openai.OpenAI) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": 5}]}
    with pytest.raises(openai.BadRequestError) as err:
        _raw(client, json.dumps(body))
    assert err.value.param == "messages.0.content"
    assert "必须是文本或内容片段列表" in err.value.message
    assert "string or a list" in err.value.message


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("GET", "/v1/chat/completions", "POST"), ("PUT", "/v1/chat/completions", "POST"),
    ("DELETE", "/v1/chat/completions", "POST"), ("OPTIONS", "/v1/chat/completions", "POST"),
    ("POST", "/v1/models", "GET"), ("PATCH", "/v1/models", "GET"),
    ("DELETE", "/v1/models/govdoc-rag", "GET"),
])
def test_wrong_method_is_405_in_the_openai_shape(base_url: str, method: str, path: str,
                                                 allow: str) -> None:
    r = httpx.request(method, f"{base_url}{path}", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 405, r.text
    assert r.headers["allow"] == allow
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error" and err["code"] == "method_not_allowed"
    assert f"不支持 {method} 方法，请用 {allow}" in err["message"]
    assert "not allowed" in err["message"]
    # Unknown paths stay 404, the key is checked first
    assert httpx.request(method, f"{base_url}/v1/nope",
                         headers={"Authorization": f"Bearer {KEY}"}).status_code == 404
    assert httpx.request(method, f"{base_url}{path}").status_code == 401


def test_past_the_deadline_is_503_in_the_openai_shape_and_frees_the_slot(
    tiny_settings: Settings, tiny_index: Any, encoder: Any
) -> None:
    settings = tiny_settings.model_copy(update={"request_timeout_s": 0.5, "api_concurrency": 1})
    app = create_app(service=RAGService(settings, index=tiny_index, encoder=encoder), ui=False)
    gate = app.state.gate
    held: list[Any] = []
    try:
        with serve_app(app) as url:  # started (and warmed up) first, then every encoder busy
            sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0)
            held = [encoder._take() for _ in range(encoder._max)]
            for i, stream in enumerate((False, True)):
                t0 = time.perf_counter()
                with pytest.raises(openai.InternalServerError) as err:
                    _ask(sdk, f"绛县的农业发展超时测试问题{i}？", stream=stream)
                assert time.perf_counter() - t0 < 3.0
                e = err.value
                assert e.status_code == 503 and e.code == "timeout"
                assert isinstance(e.body, dict) and e.body["type"] == "server_error"
                assert "请求超时：超过 0.5 秒" in e.message and "0.5 s" in e.message
                assert e.response.headers["retry-after"] == "1"
                assert gate.in_use == 0 and gate.waiting == 0  # its slot is free again
            for m in held:
                encoder._free.put(m)
            held = []
            r = _ask(sdk)  # the next request succeeds
            assert "[1]" in (r.choices[0].message.content or "")
            chunks = list(_ask(sdk, stream=True))
            assert chunks[-1].choices[0].finish_reason == "stop"
    finally:
        for m in held:
            encoder._free.put(m)
