"""/ask: a cited answer (POST JSON, GET for quick use, POST /ask/stream as SSE)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sse_starlette import EventSourceResponse

from rag.answer.models import Message
from rag.api.bounded import query_cost, run_bounded
from rag.api.deps import ServiceDep, only_params, query_filters
from rag.api.errors import status_for, user_message
from rag.api.schemas import AskRequest, AskResponse, ErrorResponse
from rag.api.streaming import answer_events
from rag.exceptions import RAGError

__all__ = ["router"]

log = logging.getLogger("rag.api")

router = APIRouter(tags=["ask"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "问题无效 (invalid request)"},
    503: {"model": ErrorResponse,
          "description": "索引未建立或损坏，或请求超时 (no/damaged index, or past the deadline)"},
    500: {"model": ErrorResponse, "description": "内部错误 (internal error, with request id)"},
}


def _history(body: AskRequest) -> list[Message] | None:
    return [Message(role=m.role, content=m.content) for m in body.history] or None


# POST /ask: the main entry point
@router.post("/ask", response_model=AskResponse, responses=_ERRORS, summary="提问 (ask)")
async def ask(body: AskRequest, request: Request, service: ServiceDep) -> dict[str, Any]:
    """Answer a question with [n] citations, or `answerable: false` when the documents don't say."""
    q = service.check_question(body.question)
    service.check_top_k(body.top_k)
    history = service.check_history(_history(body))
    ans = await run_bounded(
        request,
        lambda: service.ask(q, top_k=body.top_k, filters=body.filters.as_dict(), history=history),
        cost=query_cost(q, history),
    )
    return ans.to_dict()


# GET /ask?q=...: the same from a browser or curl
@router.get(
    "/ask",
    response_model=AskResponse,
    responses=_ERRORS,
    summary="提问，GET 形式 (ask via query string)",
    dependencies=[Depends(only_params("q", "top_k", "county", "year", "source"))],
)
async def ask_get(
    request: Request,
    service: ServiceDep,
    q: Annotated[str, Query(description="问题 (the question)", examples=["龙马物流园进展如何？"])],
    top_k: Annotated[int | None, Query(description="段落数 (passages)")] = None,
    county: Annotated[str | None, Query(description="县名 (county)")] = None,
    year: Annotated[int | None, Query(description="年份 (year)")] = None,
    source: Annotated[str | None, Query(description="文件名 (file name)")] = None,
) -> dict[str, Any]:
    """`GET /ask?q=龙马物流园进展如何` — the answer for a question in the query string."""
    question = service.check_question(q)
    service.check_top_k(top_k)
    filters = query_filters(county, year, source)
    ans = await run_bounded(
        request, lambda: service.ask(question, top_k=top_k, filters=filters),
        cost=query_cost(question),
    )
    return ans.to_dict()


# POST /ask/stream: server-sent events
@router.post(
    "/ask/stream",
    responses={**_ERRORS, 200: {"content": {"text/event-stream": {}}}},
    summary="流式提问 (ask, server-sent events)",
)
async def ask_stream(
    body: AskRequest, request: Request, service: ServiceDep
) -> EventSourceResponse:
    """The answer as SSE: `sentence`/`token` events, then `citations`, then `done` with the
    same JSON `/ask` returns. Errors before the first event are normal HTTP errors; later
    ones arrive as an `error` event."""
    q = service.check_question(body.question)
    service.check_top_k(body.top_k)
    history = service.check_history(_history(body))
    # Retrieval and (extractive) answering happen before the first event, under the gate
    events = await run_bounded(
        request,
        lambda: answer_events(service, q, top_k=body.top_k, filters=body.filters.as_dict(),
                              history=history),
        cost=query_cost(q, history),
    )
    rid = getattr(request.state, "request_id", None)
    return EventSourceResponse(_sse(events, rid), ping=15)


def _sse(events: Iterator[dict[str, Any]], rid: str | None) -> Iterator[dict[str, str]]:
    # Event name = the event's type; data = its JSON
    try:
        for ev in events:
            yield {"event": str(ev.get("type", "message")), "data": _json(ev)}
    except RAGError as exc:
        err = {"type": "error", "status": status_for(exc), "detail": user_message(exc),
               "request_id": rid}
        yield {"event": "error", "data": _json(err)}
    except Exception:
        log.exception("stream failed [request_id=%s]", rid)
        err = {"type": "error", "status": 500, "request_id": rid,
               "detail": f"服务器内部错误，请求编号 {rid} (internal server error)"}
        yield {"event": "error", "data": _json(err)}


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
