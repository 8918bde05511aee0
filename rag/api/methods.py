"""405 for a wrong method on an API path, even with the chat page mounted at "/"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, NoReturn

from fastapi import FastAPI, HTTPException
from fastapi.routing import APIRoute

from rag.api.schemas import ErrorResponse

__all__ = ["install_method_guard"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def install_method_guard(app: FastAPI) -> None:
    """For every API path, answer the methods it does not take with 405 and `Allow`.

    Call after the API routers are included and before the page is mounted at "/":
    without it, a `PUT /ask` falls through to the mount and gets the page's 404.

    Example:
        >>> app = FastAPI()
        >>> @app.get("/x", response_model=None)
        ... def x() -> None: ...
        >>> install_method_guard(app)
        >>> sorted(r.methods for r in app.routes if getattr(r, "path", "") == "/x")[0]
        {'GET'}
    """
    allowed: dict[str, set[str]] = {}
    for path, methods in _api_routes(app.router.routes, ""):
        allowed.setdefault(path, set()).update(methods)
    for path, methods in allowed.items():
        others = [m for m in _METHODS if m not in methods]
        if not others:
            continue
        allow = ", ".join(sorted(methods - {"HEAD"}))
        app.add_api_route(path, _refuse(allow), methods=others, include_in_schema=False,
                          response_model=ErrorResponse)


def _api_routes(routes: list[Any], prefix: str) -> Iterator[tuple[str, set[str]]]:
    # (path, methods) of every API route, also inside included routers (FastAPI may keep
    # those as one lazily flattened entry per router)
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods or ())
            continue
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _api_routes(inner.routes, prefix + getattr(context, "prefix", ""))


def _refuse(allow: str) -> Callable[[], Awaitable[NoReturn]]:
    # One handler per path, closed over its Allow header (no parameters a client could set)
    async def not_allowed() -> NoReturn:
        raise HTTPException(405, "Method Not Allowed", headers={"Allow": allow})

    return not_allowed
