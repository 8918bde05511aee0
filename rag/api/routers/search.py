"""/search: ranked passages for a query, with metadata filters."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from rag.api.deps import GateDep, ServiceDep, only_params
from rag.api.schemas import ErrorResponse, Filters, SearchResponse

__all__ = ["router"]

router = APIRouter(tags=["search"])


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={
        422: {"model": ErrorResponse, "description": "参数无效 (invalid request)"},
        503: {"model": ErrorResponse, "description": "索引未建立 (no index: run `rag index`)"},
    },
    summary="检索段落 (search passages)",
    dependencies=[Depends(only_params("q", "top_k", "county", "year", "source"))],
)
def search(
    service: ServiceDep,
    gate: GateDep,
    q: Annotated[str, Query(description="查询 (query)", examples=["龙马物流园"])],
    top_k: Annotated[int | None, Query(description="段落数 (passages)")] = None,
    county: Annotated[str | None, Query(description="县名 (county)")] = None,
    year: Annotated[int | None, Query(description="年份 (year)")] = None,
    source: Annotated[str | None, Query(description="文件名 (file name)")] = None,
) -> dict[str, Any]:
    """`GET /search?q=龙马物流园&top_k=5&county=洪洞县` — hybrid retrieval, no answer."""
    t0 = time.perf_counter()
    query = service.check_question(q)
    k = service.check_top_k(top_k)
    filters = Filters(county=county, year=year, source=source).as_dict()
    with gate.slot():
        hits = service.search(query, top_k=k, filters=filters)
    return {
        "query": query,
        "top_k": k,
        "filters": filters or {},
        "expansions": service.expansions(query),
        "hits": [h.to_dict() for h in hits],
        "timings_ms": {"total": round((time.perf_counter() - t0) * 1000, 2)},
    }
