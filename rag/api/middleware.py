"""Request ids: an X-Request-ID on every response and a 500 body that names it."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestIDMiddleware", "new_request_id"]

log = logging.getLogger("rag.api")

HEADER = b"x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET = ("/gradio_api/", "/assets/", "/static/", "/theme.css")  # the page's own traffic


def new_request_id() -> str:
    """A short random id.

    Example:
        >>> len(new_request_id())
        16
    """
    return uuid.uuid4().hex[:16]


def _incoming_id(scope: Scope) -> str:
    # Reuse a caller's id when it is short and harmless, so logs can be joined up
    for name, value in scope.get("headers", []):
        if name == HEADER:
            rid = value.decode("latin-1")
            if _SAFE_ID.match(rid):
                return rid
    return new_request_id()


class RequestIDMiddleware:
    """Pure ASGI middleware (safe with streaming responses).

    Sets `request.state.request_id`, adds `X-Request-ID` to the response, and turns any
    unhandled exception into a 500 JSON body carrying the id (the traceback goes to the
    log, never to the client).

    Example:
        >>> from fastapi import FastAPI
        >>> app = FastAPI(); app.add_middleware(RequestIDMiddleware)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        started, status, t0 = False, 0, time.perf_counter()

        # Stamp the header on whatever response goes out
        async def send_with_id(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                headers = list(message.get("headers", []))
                headers.append((HEADER, rid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("request %s %s failed [request_id=%s]", scope.get("method"),
                          scope.get("path"), rid)
            if started:  # too late for a clean 500; the client sees a cut-off stream
                return
            await _send_500(send, rid)
            status = 500
        finally:
            # One line per request (the traceback, if any, was logged above)
            if not scope.get("path", "").startswith(_QUIET):
                log.info("%s %s %d %.1f ms [request_id=%s]", scope.get("method"),
                         scope.get("path"), status, (time.perf_counter() - t0) * 1000, rid)


async def _send_500(send: Send, rid: str) -> None:
    # A fixed, readable body; the details are only in the log
    import json

    body = json.dumps(
        {
            "detail": f"服务器内部错误，请求编号 {rid} (internal server error, request id {rid})",
            "error": "InternalError",
            "request_id": rid,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (HEADER, rid.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
