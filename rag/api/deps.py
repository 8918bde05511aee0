"""FastAPI dependencies: the shared RAGService and strict query parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError

from rag.api.runtime import ComputeGate
from rag.service import RAGService
from rag.settings import Settings

__all__ = [
    "GateDep",
    "ServiceDep",
    "get_app_settings",
    "get_gate",
    "get_service",
    "only_params",
    "query_filters",
]


def get_service(request: Request) -> RAGService:
    """The service the app was created with (tests may use `app.dependency_overrides`).

    Example:
        >>> from fastapi import Depends
        >>> def route(svc: RAGService = Depends(get_service)): ...
    """
    service: RAGService = request.app.state.service
    return service


# The annotation routes use: `service: ServiceDep`
ServiceDep = Annotated[RAGService, Depends(get_service)]


def get_gate(request: Request) -> ComputeGate:
    """The app's limit on queries computed at once."""
    gate: ComputeGate = request.app.state.gate
    return gate


GateDep = Annotated[ComputeGate, Depends(get_gate)]


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def only_params(*allowed: str) -> Callable[[Request], None]:
    """A dependency rejecting query parameters outside `allowed` (typos become 422, not ignored).

    Example:
        >>> from fastapi import Depends
        >>> dep = Depends(only_params("q", "top_k"))
    """
    allowed_set = frozenset(allowed)

    def check(request: Request) -> None:
        unknown = [k for k in request.query_params if k not in allowed_set]
        if unknown:
            errors: list[dict[str, Any]] = [
                {"loc": ("query", k), "type": "unknown_param", "msg": "unknown parameter"}
                for k in unknown
            ]
            raise RequestValidationError(errors)

    return check


def query_filters(
    county: str | None, year: int | None, source: str | None
) -> dict[str, Any] | None:
    """The filters of a GET request's query string (a bad value is a 422, as in a body).

    Example:
        >>> query_filters("洪洞县", None, None)
        {'county': '洪洞县'}
    """
    from pydantic import ValidationError

    from rag.api.schemas import Filters

    try:
        return Filters(county=county, year=year, source=source).as_dict()
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e.get("loc", ()))} for e in exc.errors()]
        raise RequestValidationError(errors) from exc
