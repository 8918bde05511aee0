"""Errors of the /v1 routes in the OpenAI shape, so the `openai` SDK raises its usual classes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.api.errors import status_for, user_message
from rag.api.openai_schemas import UNION_TAGS
from rag.exceptions import DeadlineError, RAGError

__all__ = ["OpenAIRoute", "OpenAIHTTPError", "openai_error", "validation_message"]

log = logging.getLogger("rag.api")

# What the SDK expects in `type`/`code` for each status
_KIND = {400: "invalid_request_error", 401: "invalid_request_error",
         403: "permission_error", 404: "invalid_request_error", 422: "invalid_request_error"}
_CODE = {401: "invalid_api_key", 404: "not_found", 503: "index_unavailable",
         500: "internal_error", 502: "upstream_error"}


class OpenAIHTTPError(Exception):
    """An error a /v1 route raises on purpose, with OpenAI's `code` and `param`.

    Example:
        >>> OpenAIHTTPError(400, "只支持 n=1 (only n=1 is supported)", param="n").status
        400
    """

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers


def openai_error(status: int, message: str, *, code: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON response `{"error": {"message", "type", "param", "code"}}`.

    Example:
        >>> openai_error(404, "no such model", code="model_not_found").status_code
        404
    """
    kind = _KIND.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = {"error": {"message": message, "type": kind, "param": param,
                      "code": code if code is not None else _CODE.get(status)}}
    return JSONResponse(body, status_code=status, headers=headers)


# Validation errors, readable in Chinese and English (OpenAI answers them with 400)
def _param(loc: Sequence[Any]) -> str:
    skip = ("body", "query", "path", *UNION_TAGS)
    return ".".join(str(p) for p in loc if p not in skip) or "body"


def validation_message(err: dict[str, Any]) -> str:
    """One pydantic error as a sentence a person understands.

    Example:
        >>> validation_message({"loc": ("body", "filters", "city"), "type": "extra_forbidden"})
        "未知的筛选条件「city」，可用：county、year、source (unknown filter key 'city')"
    """
    loc, kind = tuple(err.get("loc", ())), str(err.get("type", ""))
    name = _param(loc)
    if kind == "json_invalid":
        return "请求体不是合法的 JSON (invalid JSON body)"
    if kind in ("model_attributes_type", "dict_type") and name == "body":
        return "请求体必须是 JSON 对象 (body must be a JSON object)"
    if kind == "missing":
        return f"缺少参数 {name} (missing required parameter '{name}')"
    if kind == "invalid_unicode":
        return (f"参数 {name} 含有无效的 Unicode 字符（孤立的代理项）"
                f"(parameter '{name}' contains invalid Unicode: {err.get('msg', '')})")
    if kind == "extra_forbidden" and "filters" in loc:
        return (f"未知的筛选条件「{loc[-1]}」，可用：county、year、source "
                f"(unknown filter key '{loc[-1]}')")
    if kind == "literal_error" and name.endswith("role"):
        return (f"{name} 无效：只能是 system、user、assistant 等 "
                f"(invalid role: expected system, user, assistant, developer or tool)")
    return f"参数 {name} 无效：{err.get('msg', '')} (invalid parameter '{name}')"


def _from_exception(request: Request, exc: Exception) -> Response | None:
    # The OpenAI-shaped response for an exception, or None when it is not ours to answer
    if isinstance(exc, OpenAIHTTPError):
        return openai_error(exc.status, exc.message, code=exc.code, param=exc.param,
                            headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        message = "；".join(dict.fromkeys(validation_message(e) for e in errors)) or "invalid"
        where = first.get("type") != "json_invalid" and first.get("loc", ())  # not a position
        return openai_error(400, message, code="invalid_value" if errors else None,
                            param=_param(where) if where else None)
    if isinstance(exc, DeadlineError):  # past RAG_REQUEST_TIMEOUT_S: the slot is free again
        return openai_error(503, user_message(exc), code="timeout",
                            headers={"Retry-After": "1"})
    if isinstance(exc, RAGError):
        status = status_for(exc)
        status = 400 if status == 422 else status
        log.info("%s (%d): %s", type(exc).__name__, status, exc)
        code = "invalid_value" if status == 400 else None
        return openai_error(status, user_message(exc), code=code)
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = dict(exc.headers) if exc.headers else None
        return openai_error(exc.status_code, detail, headers=headers)
    return None


class OpenAIRoute(APIRoute):
    """A route whose errors (validation, key, rag errors, bugs) come out in the OpenAI shape;
    the rest of the API keeps its own error shape.

    Example:
        >>> from fastapi import APIRouter
        >>> router = APIRouter(prefix="/v1", route_class=OpenAIRoute)
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = _from_exception(request, exc)
                if response is not None:
                    return response
                rid = getattr(request.state, "request_id", None)
                log.exception("%s %s failed [request_id=%s]", request.method, request.url.path,
                              rid)
                return openai_error(500, f"服务器内部错误，请求编号 {rid} "
                                         f"(internal server error, request id {rid})")

        return handle
