"""The MCP server, driven by the real `mcp` client SDK: over stdio (`rag mcp`) and over
streamable HTTP at /mcp of `rag serve`."""

from __future__ import annotations

import asyncio
import json
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from rag_server import rag_env, rag_serve, serve_app

from rag.api import create_app
from rag.mcp.server import build_server
from rag.service import RAGService
from rag.settings import Settings

KEY = "mcp-test-key"
TOOLS = {"search", "ask", "list_documents", "get_passage"}
QUESTION = "龙马物流园进展如何？"
LONG = ("洪洞，2024年，" * 1000)[:8000]  # one history message of 8,000 characters

Session = Callable[[Client], Awaitable[Any]]


def _run(connect: Callable[[], AbstractAsyncContextManager[Client]], body: Session) -> Any:
    # One client session, one coroutine of calls
    async def main() -> Any:
        async with connect() as client:
            return await body(client)

    return asyncio.run(main())


async def _call(client: Client, tool: str, args: dict[str, Any]) -> Any:
    return await client.call_tool(tool, args)


def _text(result: Any) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


# What every transport must show: four tools with schemas, cited search and ask results
async def _tools_and_answers(client: Client) -> dict[str, Any]:
    listed = await client.list_tools()
    out: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
    out["search"] = await _call(client, "search", {"query": "龙马物流园", "top_k": 3})
    out["ask"] = await _call(client, "ask", {"question": QUESTION})
    return out


def _check_tools_and_answers(out: dict[str, Any]) -> None:
    tools = out["tools"]
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.description and any("\u4e00" <= ch <= "\u9fff" for ch in t.description)
        assert any(w in t.description for w in ("Search", "Ask", "List", "Get"))
        assert t.input_schema["type"] == "object" and t.output_schema
    search_in = tools["search"].input_schema
    assert search_in["required"] == ["query"]
    assert set(search_in["properties"]) == {"query", "top_k", "filters"}
    fprops = search_in["properties"]["filters"]["anyOf"][0]["properties"]
    assert set(fprops) == {"county", "year", "source"}
    assert set(tools["ask"].input_schema["properties"]) == {"question", "history", "top_k",
                                                           "filters"}
    assert set(tools["get_passage"].input_schema["properties"]) == {"chunk_id", "doc_id",
                                                                   "start", "end"}
    assert "citations" in tools["ask"].output_schema["properties"]
    # search: passages with citation labels
    s = out["search"]
    assert not s.is_error
    first = s.structured_content["passages"][0]
    assert first["n"] == 1 and "龙马物流园" in first["text"]
    assert first["citation"].startswith("[1] 《洪洞县2024年政府工作报告解读》")
    assert first["citation"] in _text(s)
    # ask: the cited answer with its citations
    a = out["ask"]
    assert not a.is_error
    data = a.structured_content
    assert data["answerable"] is True and "[1]" in data["answer"]
    assert {"direct_answer", "confidence"} <= set(data)
    cit = data["citations"][0]
    assert cit["n"] == 1 and cit["quote"] in cit["text"] and "龙马物流园" in cit["text"]
    assert _text(a).startswith(data["answer"]) and "**来源 (sources)**" in _text(a)


# Bad arguments: a tool error with a readable message, and the server goes on answering
BAD_CALLS: list[tuple[str, dict[str, Any], list[str]]] = [
    ("search", {"query": "龙马物流园", "top_k": 0}, ["top_k 必须在 1 到"]),
    ("search", {"query": "龙马物流园", "filters": {"city": "绛县"}},
     ["未知的筛选条件「city」", "unknown filter"]),
    ("search", {"query": "   "}, ["问题不能为空", "empty"]),
    ("search", {"query": "龙马物流园", "top_k": "many"}, ["top_k", "valid integer"]),
    ("search", {}, ["query", "Field required"]),
    ("ask", {"question": QUESTION, "history": [{"role": "robot", "content": "x"}]},
     ["history[0]", "role"]),
    # Bounded as /ask is: history limits, strict integers
    ("ask", {"question": "那绛县呢？", "history": [{"role": "user", "content": LONG}]},
     ["历史消息 history[0] 过长：8000 字，上限 500 字", "history[0] has 8000 characters"]),
    ("ask", {"question": "那绛县呢？",
             "history": [{"role": "assistant", "content": "好" * 2000}] * 5},
     ["对话历史过长", "the limit is 8000"]),
    ("search", {"query": "龙马物流园", "top_k": "5"}, ["top_k", "valid integer"]),
    ("search", {"query": "龙马物流园", "top_k": True}, ["top_k", "valid integer"]),
    ("get_passage", {}, ["chunk_id", "doc_id"]),
    ("get_passage", {"chunk_id": "nope"}, ["没有这个段落", "unknown chunk id"]),
    ("get_passage", {"doc_id": "hongtong_2024_report.txt", "start": 5, "end": 10**6},
     ["偏移无效", "out of range"]),
]


async def _bad_calls(client: Client) -> list[Any]:
    results = [await _call(client, tool, args) for tool, args, _ in BAD_CALLS]
    results.append(await _call(client, "list_documents", {}))  # still alive
    return results


def _check_bad_calls(results: list[Any]) -> None:
    for (tool, args, expect), r in zip(BAD_CALLS, results, strict=False):
        assert r.is_error, (tool, args)
        for part in expect:
            assert part in _text(r), (tool, args, _text(r))
    assert not results[-1].is_error and results[-1].structured_content["count"] == 3


# stdio: `rag mcp` as a desktop client spawns it
def _stdio(index_dir: Path, corpus_dir: Path, errlog: Any = None, mode: str = "legacy"
           ) -> Callable[[], AbstractAsyncContextManager[Client]]:
    env = rag_env(RAG_INDEX_DIR=str(index_dir), RAG_CORPUS_DIR=str(corpus_dir))
    params = StdioServerParameters(command=sys.executable, args=["-m", "rag.cli", "mcp"],
                                   env=env, cwd=str(index_dir.parent))
    if errlog is None:
        return lambda: Client(params, mode=mode)
    return lambda: Client(stdio_client(params, errlog=errlog), mode=mode)


def test_stdio_tools_answers_and_tool_errors(tiny_settings: Settings, tiny_index: Any) -> None:
    connect = _stdio(tiny_settings.index_dir, tiny_settings.corpus_dir)

    async def body(client: Client) -> tuple[dict[str, Any], list[Any], Any, Any]:
        out = await _tools_and_answers(client)
        bad = await _bad_calls(client)
        # get_passage: by chunk id (from search) and by document offsets (from a citation)
        chunk_id = out["search"].structured_content["passages"][0]["chunk_id"]
        by_chunk = await _call(client, "get_passage", {"chunk_id": chunk_id})
        cit = out["ask"].structured_content["citations"][0]
        by_span = await _call(client, "get_passage", {
            "doc_id": cit["source"], "start": cit["quote_start"], "end": cit["quote_end"]})
        return out, bad, by_chunk, (by_span, cit)

    out, bad, by_chunk, (by_span, cit) = _run(connect, body)
    _check_tools_and_answers(out)
    _check_bad_calls(bad)
    passage = out["search"].structured_content["passages"][0]
    assert by_chunk.structured_content["text"] == passage["text"]
    assert by_chunk.structured_content["heading_path"] == passage["heading_path"]
    span = by_span.structured_content
    assert span["text"] == cit["quote"] and span["heading_path"] == cit["heading_path"]
    assert span["doc_id"] and span["chunk_id"] is None


def test_stdio_without_index_is_a_clear_tool_error_and_logs_go_to_stderr(
    tmp_path: Path, tiny_settings: Settings
) -> None:
    errlog_path = tmp_path / "stderr.log"
    with open(errlog_path, "w") as errlog:
        connect = _stdio(tmp_path / "no_index", tiny_settings.corpus_dir, errlog, mode="auto")

        async def body(client: Client) -> list[Any]:
            return [await _call(client, t, a) for t, a in
                    [("ask", {"question": QUESTION}), ("list_documents", {}),
                     ("search", {"query": "龙马物流园"})]]

        results = _run(connect, body)
    for r in results:
        assert r.is_error and "rag index" in _text(r) and "索引" in _text(r)
    assert "index not available" in errlog_path.read_text()  # the log line, on stderr


def test_stdio_stdout_carries_only_protocol_lines(
    tmp_path: Path, tiny_settings: Settings, tiny_index: Any
) -> None:
    # Raw JSON-RPC over the pipes: every stdout line must be a protocol message, even while
    # the first question loads jieba and the encoder (which talk on stderr)
    env = rag_env(RAG_INDEX_DIR=str(tiny_settings.index_dir))
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "ask", "arguments": {"question": QUESTION}}},
    ]
    with open(tmp_path / "stderr.log", "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "mcp"], env=env,
                                cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, text=True, encoding="utf-8")
        assert proc.stdin and proc.stdout
        try:
            proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
            proc.stdin.flush()
            lines, deadline = [], time.monotonic() + 240
            while time.monotonic() < deadline:
                ready, _, _ = select.select([proc.stdout], [], [], 1)
                if ready:
                    line = proc.stdout.readline()
                    assert line, "rag mcp closed stdout"
                    lines.append(json.loads(line))  # a stray print would fail here
                    if lines[-1].get("id") == 2:
                        break
        finally:
            proc.kill()
            proc.wait()
    assert [m.get("id") for m in lines if "id" in m] == [1, 2]
    assert all(m["jsonrpc"] == "2.0" for m in lines)
    result = lines[-1]["result"]
    assert not result.get("isError") and "[1]" in result["structuredContent"]["answer"]


# Streamable HTTP: /mcp inside `rag serve`, behind the API key
@pytest.fixture(scope="module")
def base_url(tiny_settings: Settings, tiny_index: Any) -> Iterator[str]:
    env = rag_env(RAG_INDEX_DIR=str(tiny_settings.index_dir),
                  RAG_CORPUS_DIR=str(tiny_settings.corpus_dir), RAG_API_KEY=KEY)
    with rag_serve(env) as url:
        yield url


def _http(url: str, key: str | None, mode: str = "auto"
          ) -> Callable[[], AbstractAsyncContextManager[Client]]:
    headers = {"Authorization": f"Bearer {key}"} if key else None

    @asynccontextmanager
    async def connect() -> AsyncIterator[Client]:
        # The SDK's own HTTP client with the bearer header, closed with the session
        async with create_mcp_http_client(headers=headers) as http:
            transport = streamable_http_client(f"{url}/mcp", http_client=http)
            async with Client(transport, mode=mode) as client:
                yield client

    return connect


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_http_tools_answers_and_tool_errors(base_url: str, mode: str) -> None:
    async def body(client: Client) -> tuple[dict[str, Any], list[Any]]:
        return await _tools_and_answers(client), await _bad_calls(client)

    out, bad = _run(_http(base_url, KEY, mode), body)
    _check_tools_and_answers(out)
    _check_bad_calls(bad)


def test_http_follow_up_and_filters(base_url: str) -> None:
    async def body(client: Client) -> tuple[Any, Any]:
        history = [{"role": "user", "content": "洪洞县地区生产总值增长多少？"},
                   {"role": "assistant", "content": "全县地区生产总值增长6.2%。[1]"}]
        follow = await _call(client, "ask", {"question": "那绛县呢？", "history": history})
        only = await _call(client, "search", {"query": "地区生产总值",
                                              "filters": {"county": "绛县"}})
        return follow, only

    follow, only = _run(_http(base_url, KEY), body)
    assert not follow.is_error and "绛县" in follow.structured_content["rewritten_question"]
    assert {p["county"] for p in only.structured_content["passages"]} == {"绛县"}


def test_http_without_the_key_is_refused(base_url: str) -> None:
    # The SDK reports the refused connection as an MCPError (inside anyio's exception groups)
    for key in (None, "wrong"):
        with pytest.raises(BaseExceptionGroup) as err:
            _run(_http(base_url, key), lambda c: c.list_tools())
        assert err.value.subgroup(MCPError) is not None
    r = httpx.post(f"{base_url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 401 and "RAG_API_KEY" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


# Bounded as /ask is (issue 13): the deadline, clean text, a long history refused at once
def test_http_long_history_is_refused_at_once_while_a_question_answers(base_url: str) -> None:
    async def body(client: Client) -> tuple[Any, float, Any]:
        t0 = time.perf_counter()
        bad = await _call(client, "ask", {"question": "那绛县呢？",
                                          "history": [{"role": "user", "content": LONG}]})
        took = time.perf_counter() - t0
        return bad, took, await _call(client, "ask", {"question": QUESTION})

    bad, took, good = _run(_http(base_url, KEY), body)
    assert bad.is_error and "8000" in _text(bad) and took < 1.0
    assert not good.is_error and good.structured_content["answerable"] is True


def test_lone_surrogate_is_a_tool_error_in_process(tiny_settings: Settings, tiny_index: Any,
                                                   encoder: Any) -> None:
    # Over a wire the SDKs cannot even encode "\ud800"; in-process it reaches the tools
    server = build_server(RAGService(tiny_settings, index=tiny_index, encoder=encoder))
    calls: list[tuple[str, dict[str, Any]]] = [
        ("ask", {"question": "\ud800"}),
        ("ask", {"question": "那绛县呢？", "history": [{"role": "user", "content": "\ud800"}]}),
        ("search", {"query": "龙马\udfff物流园"}),
        ("search", {"query": "龙马物流园", "filters": {"county": "\ud83d"}}),
        ("get_passage", {"chunk_id": "\ud800"}),
    ]

    async def body(client: Client) -> list[Any]:
        return [await _call(client, tool, args) for tool, args in calls]

    results = _run(lambda: Client(server), body)
    where = ["question", "history[0].content", "question", "filters.county", "chunk_id"]
    for r, name in zip(results, where, strict=True):
        assert r.is_error, name
        assert "无效的 Unicode" in _text(r) and "Unicode" in _text(r) and name in _text(r), (
            name, _text(r))


def test_http_lone_surrogate_on_the_wire_is_a_parse_error(base_url: str) -> None:
    # JSON text with a lone surrogate escape: the SDK refuses the message (JSON-RPC -32700)
    raw = ('{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask", '
           '"arguments": {"question": "\\ud800"}}}')
    r = httpx.post(f"{base_url}/mcp", content=raw.encode(), timeout=30,
                   headers={"Authorization": f"Bearer {KEY}",
                            "Content-Type": "application/json",
                            "Accept": "application/json, text/event-stream",
                            "MCP-Protocol-Version": "2025-06-18"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == -32700
    out = _run(_http(base_url, KEY), lambda c: _call(c, "ask", {"question": QUESTION}))
    assert not out.is_error  # and the server goes on answering


def test_http_past_the_deadline_is_a_tool_error_and_frees_the_slot(
    tiny_settings: Settings, tiny_index: Any, encoder: Any
) -> None:
    settings = tiny_settings.model_copy(update={"request_timeout_s": 0.5, "api_concurrency": 1})
    app = create_app(service=RAGService(settings, index=tiny_index, encoder=encoder), ui=False)
    gate = app.state.gate
    held: list[Any] = []
    try:
        with serve_app(app) as url:  # started (and warmed up) first, then every encoder busy
            held = [encoder._take() for _ in range(encoder._max)]

            async def late(client: Client) -> list[tuple[Any, float]]:
                out = []
                for tool, args in [("ask", {"question": "绛县的农业发展超时测试问题？"}),
                                   ("search", {"query": "绛县农业超时测试"})]:
                    t0 = time.perf_counter()
                    out.append((await _call(client, tool, args), time.perf_counter() - t0))
                return out

            for r, took in _run(_http(url, None), late):
                assert r.is_error and took < 3.0
                assert "请求超时：超过 0.5 秒" in _text(r) and "0.5 s" in _text(r)
                assert gate.in_use == 0 and gate.waiting == 0  # its slot is free again
            for m in held:
                encoder._free.put(m)
            held = []
            ok = _run(_http(url, None), lambda c: _call(c, "ask", {"question": QUESTION}))
            assert not ok.is_error and "[1]" in ok.structured_content["answer"]
    finally:
        for m in held:
            encoder._free.put(m)


def test_stdio_applies_the_deadline(tiny_settings: Settings, tiny_index: Any) -> None:
    # RAG_REQUEST_TIMEOUT_S holds over stdio too: 1 ms is too short for any question
    env = rag_env(RAG_INDEX_DIR=str(tiny_settings.index_dir), RAG_REQUEST_TIMEOUT_S="0.001")
    params = StdioServerParameters(command=sys.executable, args=["-m", "rag.cli", "mcp"],
                                   env=env, cwd=str(tiny_settings.index_dir.parent))

    async def body(client: Client) -> list[Any]:
        return [await _call(client, "ask", {"question": QUESTION}),
                await _call(client, "search", {"query": "龙马物流园"}),
                await _call(client, "list_documents", {})]

    ask, search, docs = _run(lambda: Client(params), body)
    for r in (ask, search):
        assert r.is_error and "请求超时" in _text(r) and "0.001 s" in _text(r), _text(r)
    assert not docs.is_error and docs.structured_content["count"] == 3  # not a query: no gate
