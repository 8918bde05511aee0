"""/v1: an OpenAI-compatible chat API over the knowledge base (chat.completions, models).

The knowledge base is one model (`Settings.openai_model`, "govdoc-rag"). The last user
message is the question, earlier user/assistant turns the history for follow-ups; the reply
is the cited answer in Markdown with a sources block, the structured citations in
`message.citations` and the answer's verdict in `rag`. `usage` counts characters.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from rag.answer.models import Message
from rag.api.auth import require_key
from rag.api.bounded import query_cost, run_bounded
from rag.api.deps import ServiceDep, get_app_settings
from rag.api.errors import method_message, status_for, user_message
from rag.api.markdown import answer_markdown, rewritten_line, sources_markdown, strip_sources
from rag.api.openai_errors import OpenAIHTTPError, OpenAIRoute, validation_message
from rag.api.openai_schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    ModelCard,
    ModelList,
    OpenAIErrorResponse,
)
from rag.api.schemas import Filters
from rag.api.streaming import answer_events
from rag.exceptions import RAGError
from rag.settings import Settings

__all__ = ["completion", "router"]

log = logging.getLogger("rag.api")

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute,
                   dependencies=[Depends(require_key)])

_STARTED = int(time.time())
_RESET = "\n\n（以上内容已撤回，以下为核对后的回答 / withdrawn; the checked answer follows）\n\n"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorResponse, "description": "请求无效 (invalid request)"},
    401: {"model": OpenAIErrorResponse, "description": "缺少或错误的密钥 (missing or wrong key)"},
    404: {"model": OpenAIErrorResponse, "description": "没有这个模型 (unknown model)"},
    503: {"model": OpenAIErrorResponse,
          "description": "索引未建立或损坏，或请求超时 (no/damaged index, or past the deadline)"},
}


def _card(settings: Settings) -> dict[str, Any]:
    return {"id": settings.openai_model, "object": "model", "created": _STARTED,
            "owned_by": "govdoc-rag"}


def _check_model(model: str, settings: Settings) -> None:
    if model != settings.openai_model:
        raise OpenAIHTTPError(
            404, f"模型「{model}」不存在，可用的模型：{settings.openai_model} "
                 f"(the model '{model}' does not exist; available: {settings.openai_model})",
            code="model_not_found", param="model")


# GET /v1/models: the knowledge base, as the one model
@router.get("/models", response_model=ModelList, responses=_ERRORS, summary="模型列表 (models)")
def list_models(request: Request) -> dict[str, Any]:
    """The knowledge base as an OpenAI model (chat front-ends list it in their model menu)."""
    return {"object": "list", "data": [_card(get_app_settings(request))]}


@router.get("/models/{model_id}", response_model=ModelCard, responses=_ERRORS,
            summary="模型 (one model)")
def get_model(model_id: str, request: Request) -> dict[str, Any]:
    """The model card, or 404 `model_not_found`."""
    settings = get_app_settings(request)
    _check_model(model_id, settings)
    return _card(settings)


# The request: question, history (with each turn's place in `messages`), filters
def _conversation(body: ChatCompletionRequest) -> tuple[str, list[Message], list[str]]:
    # The last user message asks; earlier user/assistant turns are the history
    if not body.messages:
        raise OpenAIHTTPError(400, "messages 不能为空 (messages must not be empty)",
                              param="messages")
    last = body.messages[-1]
    if last.role != "user":
        raise OpenAIHTTPError(
            400, f"最后一条消息必须来自 user，收到 {last.role} "
                 f"(the last message must be a user message, got '{last.role}')",
            param=f"messages.{len(body.messages) - 1}.role")
    history: list[Message] = []
    names: list[str] = []  # how a history error names the turn: messages[j]
    for j, m in enumerate(body.messages[:-1]):
        if m.role == "user":
            history.append(Message("user", m.text()))
        elif m.role == "assistant":
            history.append(Message("assistant", strip_sources(m.text())))
        else:
            continue
        names.append(f"messages[{j}]")
    return last.text(), history, names


def _filters(body: ChatCompletionRequest) -> dict[str, Any] | None:
    # `filters` in the body (the SDK's extra_body), or `metadata.filters` (object or JSON text)
    filters = body.filters.as_dict() if body.filters else None
    raw = (body.metadata or {}).get("filters")
    if raw is None:
        return filters
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
        meta = Filters.model_validate(parsed).as_dict()
    except json.JSONDecodeError as exc:
        raise OpenAIHTTPError(400, "metadata.filters 不是合法的 JSON (metadata.filters is not "
                                   "valid JSON)", param="metadata.filters") from exc
    except ValidationError as exc:
        errors = [{**e, "loc": ("filters", *e["loc"])} for e in exc.errors()]
        raise OpenAIHTTPError(400, "；".join(validation_message(e) for e in errors),
                              param="metadata.filters", code="invalid_value") from exc
    return {**(meta or {}), **(filters or {})} or None


def _head(request: Request, model: str) -> dict[str, Any]:
    rid = getattr(request.state, "request_id", None) or uuid.uuid4().hex[:16]
    return {"id": f"chatcmpl-{rid}", "created": int(time.time()), "model": model}


def _usage(prompt_chars: int, content: str) -> dict[str, int]:
    return {"prompt_tokens": prompt_chars, "completion_tokens": len(content),
            "total_tokens": prompt_chars + len(content)}


def _extra(answer: dict[str, Any]) -> dict[str, Any]:
    keys = ("answerable", "direct_answer", "confidence", "rewritten_question", "notes",
            "timings_ms")
    return {k: answer[k] for k in keys if k in answer}


# POST /v1/chat/completions
@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}}},
    summary="对话补全，OpenAI 兼容 (chat completions, OpenAI-compatible)",
)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, service: ServiceDep
) -> Any:
    """The cited answer to the last user message, as a `chat.completion` (or its chunks as
    server-sent events with `stream: true`, ending with `data: [DONE]`).

    Bounded as `/ask` is: the history is checked (`RAG_MAX_HISTORY_*`), the work runs under
    the compute gate by its cost, and past `RAG_REQUEST_TIMEOUT_S` the answer is a 503."""
    settings = get_app_settings(request)
    if body.n != 1:
        raise OpenAIHTTPError(400, f"只支持 n=1，收到 n={body.n} (only n=1 is supported)",
                              param="n", code="unsupported_value")
    _check_model(body.model, settings)
    question, turns, names = _conversation(body)
    filters = _filters(body)
    q = service.check_question(question)
    service.check_top_k(body.top_k)
    history = service.check_history(turns, names)  # what is read, bounded and cleaned
    prompt_chars = len(q) + sum(len(m.content) for m in history or ())
    cost = query_cost(q, history)
    head = _head(request, body.model)

    if body.stream:
        # Retrieval and (extractive) answering happen before the first event, under the gate
        events = await run_bounded(
            request, lambda: answer_events(service, q, top_k=body.top_k, filters=filters,
                                           history=history), cost=cost)
        usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _stream(events, head, prompt_chars, usage), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    answer = await run_bounded(
        request, lambda: service.ask(q, top_k=body.top_k, filters=filters,
                                     history=history).to_dict(), cost=cost)
    return completion(head, answer, prompt_chars)


def completion(head: dict[str, Any], answer: dict[str, Any], prompt_chars: int
               ) -> dict[str, Any]:
    """The `chat.completion` object for an `Answer.to_dict()`.

    Example:
        >>> ans = {"answer": "没有找到。", "answerable": False, "citations": []}
        >>> completion({"id": "c1", "created": 0, "model": "govdoc-rag"}, ans, 4)["usage"]
        {'prompt_tokens': 4, 'completion_tokens': 5, 'total_tokens': 9}
    """
    content = answer_markdown(answer)
    message = {"role": "assistant", "content": content, "refusal": None,
               "citations": answer["citations"]}
    return {**head, "object": "chat.completion",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop",
                         "logprobs": None}],
            "usage": _usage(prompt_chars, content), "rag": _extra(answer)}


# Streaming: chat.completion.chunk events
def _sse(obj: dict[str, Any]) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _stream(events: Iterator[dict[str, Any]], head: dict[str, Any], prompt_chars: int,
            include_usage: bool) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        usage = {"usage": None} if include_usage else {}
        return _sse({**head, "object": "chat.completion.chunk", "choices": [choice], **usage,
                     **extra})

    yield chunk({"role": "assistant", "content": ""})
    content, final = "", None
    try:
        for ev in events:
            kind = ev.get("type")
            text = ""
            if kind == "rewritten":
                text = rewritten_line(ev.get("question"))
            elif kind == "sentence":
                text = str(ev.get("text", ""))
            elif kind == "reset":
                text = _RESET
            elif kind == "citations":
                sources = sources_markdown(ev.get("citations") or [])
                text = f"\n\n{sources}" if sources else ""
            elif kind == "done":
                final = ev.get("answer") or {}
            if text:
                content += text
                yield chunk({"content": text})
    except RAGError as exc:
        yield _sse({"error": {"message": user_message(exc), "type": "server_error",
                              "param": None, "code": str(status_for(exc))}})
        return
    except Exception:
        log.exception("stream failed [%s]", head["id"])
        yield _sse({"error": {"message": f"服务器内部错误 (internal server error, {head['id']})",
                              "type": "server_error", "param": None, "code": "internal_error"}})
        return
    final = final or {}
    yield chunk({"citations": final.get("citations", [])}, "stop", rag=_extra(final))
    if include_usage:
        yield _sse({**head, "object": "chat.completion.chunk", "choices": [],
                    "usage": _usage(prompt_chars, content)})
    yield "data: [DONE]\n\n"


# Anything else under /v1: 405 for a known path with another method, else OpenAI's 404
@router.api_route("/{path:path}",
                  methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
                  include_in_schema=False, response_model=None)
def unknown_url(path: str, request: Request) -> Any:
    allowed = _methods_at(request.url.path)
    if allowed:
        allow = ", ".join(sorted(allowed - {"HEAD"}))
        raise OpenAIHTTPError(405, method_message(request.method, allow),
                              code="method_not_allowed", headers={"Allow": allow})
    raise OpenAIHTTPError(
        404, f"没有这个接口 {request.method} /v1/{path}，可用：/v1/chat/completions、/v1/models "
             f"(invalid URL {request.method} /v1/{path})", code="unknown_url")


def _methods_at(path: str) -> set[str]:
    # The methods the /v1 routes (this catch-all aside) take at `path`
    methods: set[str] = set()
    for route in router.routes:
        if (isinstance(route, APIRoute) and route.endpoint is not unknown_url
                and route.path_regex.match(path)):
            methods |= route.methods or set()
    return methods
