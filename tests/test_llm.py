"""LLM generation against a real OpenAI-compatible HTTP server on loopback.

A real LLM is out of reach offline (no weights can be downloaded), so the server below is a
stand-in: a real HTTP server speaking the OpenAI `/chat/completions` format (plain JSON and
SSE streaming) whose "model" answers by quoting the numbered passages it was given. The
model name picks its behaviour: a good cited reply, a reply with unsupported and uncited
sentences, a timeout, an HTTP 500. Everything else (httpx, the prompt, the support check,
the fallback) is the production code path over the real tiny index.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rag.answer.generate import build_messages, finalize, split_reply
from rag.answer.llm import ChatClient, client_from_settings
from rag.answer.pipeline import answer_question, stream_answer
from rag.exceptions import LLMError

QUESTION = "龙马物流园进展如何？"
_PASSAGE = re.compile(r"\[(\d+)\] 《[^》]*》[^\n]*\n(.*?)(?=\n\n\[\d+\] 《|\n\n问题：)", re.S)


def _first_sentences(prompt: str) -> list[tuple[int, str]]:
    out = []
    for n, text in _PASSAGE.findall(prompt):
        m = re.search(r"[^。\n]*龙马物流园[^。\n]*。", text) or re.search(r"[^。\n]+。", text)
        if m:
            out.append((int(n), m.group(0).strip()))
    return out


def _reply(model: str, prompt: str) -> str:
    quotes = _first_sentences(prompt)[:2]
    good = "".join(f"{s}[{n}]" for n, s in quotes)
    if model == "unsupported":
        return good + "洪洞县将于明年建成国际航空枢纽机场。[1]这句话没有标注出处。"
    return good


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        model, prompt = body["model"], body["messages"][-1]["content"]
        self.server.requests.append(body)  # type: ignore[attr-defined]
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        if model == "slow":
            time.sleep(1.5)
        if model == "error":
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "internal error"}}')
            return
        text = _reply(model, prompt)
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(0, len(text), 5):  # small deltas: markers arrive split
                chunk = {"choices": [{"index": 0, "delta": {"content": text[i : i + 5]}}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            return
        data = {"id": "x", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}]}
        raw = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def llm_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def test_good_reply_is_cited_and_checked(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "good", api_key="secret")
    ans = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm)
    assert ans.answerable and "llm" in ans.notes
    assert "[1]" in ans.answer and "龙马物流园" in ans.answer
    for c in ans.citations:
        doc = tiny_index.documents[tiny_index.chunks[c.chunk_id].doc_id]
        assert c.quote in c.text
        assert doc.text[c.quote_start : c.quote_end] == c.quote
    # The prompt carried numbered passages and the rule; the key went as a bearer token
    sent = llm_server.requests[-1]
    assert "[1]" in sent["messages"][-1]["content"] and "标注" in sent["messages"][0]["content"]


def test_unsupported_and_uncited_sentences_are_dropped(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "unsupported")
    ans = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm)
    assert ans.answerable
    assert "国际航空枢纽机场" not in ans.answer and "没有标注出处" not in ans.answer
    assert any("删除 2 个" in n for n in ans.notes)


def test_timeout_falls_back_to_extractive(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "slow", timeout_s=0.3)
    t0 = time.perf_counter()
    ans = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm)
    assert time.perf_counter() - t0 < 1.4
    assert ans.answerable and "[1]" in ans.answer
    assert any("LLM 不可用" in n and "timed out" in n for n in ans.notes)


def test_http_500_falls_back_to_extractive(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "error")
    with pytest.raises(LLMError, match="500"):
        llm.chat([{"role": "user", "content": "你好"}])
    ans = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm)
    plain = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3)
    assert ans.answer == plain.answer
    assert any("HTTP 500" in n for n in ans.notes)


def test_llm_from_settings(llm_server: Any, tiny_index: Any, tiny_settings: Any) -> None:
    s = tiny_settings.model_copy(update={"llm_base_url": _url(llm_server), "llm_model": "good"})
    assert client_from_settings(tiny_settings) is None
    ans = answer_question(QUESTION, tiny_index, s, top_k=3)
    assert "llm" in ans.notes


def test_streaming_llm_matches_answer(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "unsupported")
    events = list(stream_answer(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm))
    assert [e["type"] for e in events][-2:] == ["citations", "done"]
    sentences = [e["text"] for e in events if e["type"] == "sentence"]
    assert sentences and not any("机场" in s for s in sentences)
    final = events[-1]["answer"]
    assert "".join(sentences) == final["answer"]
    ref = answer_question(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm).to_dict()
    for d in (final, ref):
        d.pop("timings_ms")
    assert final == ref


def test_streaming_llm_failure_resets_to_extractive(
    llm_server: Any, tiny_index: Any, tiny_settings: Any
) -> None:
    llm = ChatClient(_url(llm_server), "error")
    events = list(stream_answer(QUESTION, tiny_index, tiny_settings, top_k=3, llm=llm))
    final = events[-1]["answer"]
    assert any("LLM 不可用" in n for n in final["notes"]) and "[1]" in final["answer"]


def test_reply_parsing_and_support_check(tiny_index: Any) -> None:
    hits = tiny_index.search(QUESTION, top_k=2)
    msgs = build_messages(QUESTION, hits)
    assert msgs[0]["role"] == "system" and "[2]" in msgs[1]["content"]
    assert split_reply("甲乙丙丁。[1]戊己庚[2]。") == [("甲乙丙丁。", [1]), ("戊己庚。", [2])]
    quote = re.search(r"[^。\n]*龙马物流园[^。\n]*。", hits[0].chunk.text).group(0)  # type: ignore[union-attr]
    ans, dropped = finalize(f"{quote}[1]完全无关的内容呢。[1]编号超出范围。[9]", hits)
    assert dropped == 2 and ans.answer == f"{quote}[1]"
    assert ans.citations[0].quote == quote
