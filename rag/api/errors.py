"""Turn rag.exceptions and request validation errors into HTTP responses (only here)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.exceptions import (
    ConfigError,
    DeadlineError,
    DocumentExistsError,
    DocumentLoadError,
    DocumentNotFoundError,
    EncoderError,
    FileTooLargeError,
    FileTypeError,
    IndexCorruptError,
    IndexError_,
    IndexMissingError,
    IndexStaleError,
    JobBusyError,
    LLMError,
    QueryError,
    RAGError,
    UnsafeFileError,
)

__all__ = [
    "INDEX_MISSING_MESSAGE",
    "error_body",
    "install_error_handlers",
    "method_message",
    "status_for",
    "user_message",
]

log = logging.getLogger("rag.api")

INDEX_MISSING_MESSAGE = "索引尚未建立，请先运行 `rag index` (no index yet: run `rag index` first)"
INDEX_STALE_MESSAGE = "索引已过期，请重新运行 `rag index` (index is stale: run `rag index`)"
JSON_INVALID_MESSAGE = "请求体不是合法的 JSON (invalid JSON body)"

# Most specific first: the first matching class decides the status
_STATUS: list[tuple[type[RAGError], int]] = [
    (QueryError, 422),
    (FileTooLargeError, 413),
    (FileTypeError, 415),
    (UnsafeFileError, 422),
    (DocumentLoadError, 422),
    (DocumentExistsError, 409),
    (DocumentNotFoundError, 404),
    (JobBusyError, 409),
    (IndexMissingError, 503),
    (IndexStaleError, 503),
    (IndexError_, 503),
    (EncoderError, 503),
    (DeadlineError, 503),
    (LLMError, 502),
    (ConfigError, 500),
    (RAGError, 500),
]


def status_for(exc: RAGError) -> int:
    """The HTTP status of a rag error.

    Example:
        >>> status_for(QueryError("x"))
        422
    """
    return next(code for cls, code in _STATUS if isinstance(exc, cls))


def user_message(exc: RAGError) -> str:
    """What a person should read for this error (Chinese, English in parentheses)."""
    text = str(exc)
    if isinstance(exc, IndexMissingError) and "rag index" not in text:
        return f"{INDEX_MISSING_MESSAGE}: {text}" if text else INDEX_MISSING_MESSAGE
    if isinstance(exc, IndexStaleError) and "rag index" not in text:
        return f"{INDEX_STALE_MESSAGE}: {text}" if text else INDEX_STALE_MESSAGE
    return text or type(exc).__name__


def method_message(method: str, allow: str) -> str:
    """The 405 message: which methods the path takes.

    Example:
        >>> method_message("PUT", "POST")
        '不支持 PUT 方法，请用 POST (method PUT not allowed; use POST)'
    """
    use = allow or "GET"
    return f"不支持 {method} 方法，请用 {use} (method {method} not allowed; use {use})"


def error_body(request: Request, detail: str, error: str, **extra: Any) -> dict[str, Any]:
    """The JSON body shared by every error response."""
    rid = getattr(request.state, "request_id", None)
    return {"detail": detail, "error": error, "request_id": rid, **extra}


# Validation messages a person understands
def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _explain(err: dict[str, Any]) -> str:
    loc, kind = tuple(err.get("loc", ())), err.get("type", "")
    name = _field(loc)
    if kind == "json_invalid":
        return JSON_INVALID_MESSAGE
    if kind == "invalid_unicode":
        return (f"参数 {name} 含有无效的 Unicode 字符（孤立的代理项）"
                f"(field '{name}' contains invalid Unicode: {err.get('msg', '')})")
    if kind in ("bool_type", "bool_parsing"):
        return f"参数 {name} 必须是 true 或 false (field '{name}' must be a boolean)"
    if kind in ("list_type", "tuple_type"):
        return f"参数 {name} 必须是列表 (field '{name}' must be a list)"
    if kind in ("model_attributes_type", "dict_type", "model_type") and name == "body":
        return "请求体必须是 JSON 对象 (body must be a JSON object)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"参数 {name} 必须是 JSON 对象 (field '{name}' must be an object)"
    if kind == "missing" and name == "body":
        return "缺少请求体 (request body is required)"
    if kind == "missing":
        return f"缺少参数 {name} (missing field '{name}')"
    if kind == "extra_forbidden" and len(loc) >= 3 and loc[-2] == "filters":
        return (
            f"未知的筛选条件「{loc[-1]}」，可用：county、year、source "
            f"(unknown filter key '{loc[-1]}')"
        )
    if kind in ("extra_forbidden", "unknown_param"):
        return f"未知的参数「{loc[-1]}」 (unknown field '{name}')"
    if kind.startswith("int_") or kind == "float_type":
        return f"参数 {name} 必须是整数 (field '{name}' must be an integer)"
    if kind.startswith("string_"):
        return f"参数 {name} 必须是文本 (field '{name}' must be a string)"
    if kind == "literal_error" and name.endswith("role"):
        return f"{name} 只能是 user 或 assistant (role must be 'user' or 'assistant')"
    return f"参数 {name} 无效：{err.get('msg', '')} (invalid field '{name}')"


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": _explain(e)}
        for e in exc.errors()
    ]
    detail = "；".join(dict.fromkeys(e["msg"] for e in errors))
    body = error_body(request, detail, "ValidationError", errors=errors)
    return JSONResponse(body, status_code=422)


async def _rag_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RAGError)
    status = status_for(exc)
    rid = getattr(request.state, "request_id", None)
    if status >= 500 and status != 503:
        log.error("request_id=%s %s: %s", rid, type(exc).__name__, exc, exc_info=exc)
    elif isinstance(exc, IndexError_):  # the service logged the cause once, when loading
        log.debug("request_id=%s %s (%d): %s", rid, type(exc).__name__, status, exc)
    else:
        log.info("request_id=%s %s (%d): %s", rid, type(exc).__name__, status, exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, IndexCorruptError) and exc.files:
        extra["files"] = exc.files
    body = error_body(request, user_message(exc), type(exc).__name__, **extra)
    headers = {"Retry-After": "1"} if isinstance(exc, DeadlineError) else None
    return JSONResponse(body, status_code=status, headers=headers)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = "未找到 (not found)"
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        detail = method_message(request.method, allow)
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        # FastAPI's own message for a body json.loads rejects (e.g. nested too deeply)
        body = error_body(request, f"{JSON_INVALID_MESSAGE}：无法解析，可能嵌套过深 (could not be "
                          "parsed, e.g. nested too deeply)", "ValidationError",
                          errors=[{"loc": ["body"], "type": "json_invalid",
                                   "msg": JSON_INVALID_MESSAGE}])
        return JSONResponse(body, status_code=422)
    body = error_body(request, detail, "HTTPError")
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; unexpected exceptions are handled by RequestIDMiddleware."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(RAGError, _rag_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
