"""Refuse the Gradio endpoints that store files or change state (the page needs none)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["GradioWriteGuard", "ALLOWED_POSTS"]

# What the chat page itself sends: joining the queue, cancelling, resetting a session
ALLOWED_POSTS = ("queue/join", "cancel", "reset")
_BLOCKED_GETS = ("proxy=", "upload_progress")

_MESSAGE = ("此接口已关闭：上传文档请用「文档管理」页或 POST /documents（需 API 密钥） "
            "(this Gradio endpoint is disabled: upload documents through the 文档管理 tab or "
            "POST /documents)")


class GradioWriteGuard:
    """ASGI middleware: under `<mount>/gradio_api/`, only the POSTs the page sends pass.

    `/gradio_api/upload` would let anyone store files on the server (and read them back);
    the management tab uploads through `POST /documents` instead, under the API key and
    the upload budgets. Refused requests get 403 with a message, before any body is read.

    Example:
        >>> from fastapi import FastAPI
        >>> app = FastAPI()
        >>> app.add_middleware(GradioWriteGuard, prefix="/gradio_api/")
    """

    def __init__(self, app: ASGIApp, prefix: str = "/gradio_api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._refused(scope):
            body = json.dumps({"detail": _MESSAGE, "error": "Forbidden", "request_id": None},
                              ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if not path.startswith(self.prefix):
            return False
        rest = path[len(self.prefix):].strip("/")
        method = scope.get("method", "GET")
        if method in ("GET", "HEAD", "OPTIONS"):
            return rest.startswith(_BLOCKED_GETS)
        return rest not in ALLOWED_POSTS
