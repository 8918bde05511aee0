"""/search: ranked passages for a query, with metadata filters."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from rag.api.bounded import query_cost, run_bounded
from rag.api.deps import ServiceDep, only_params, query_filters
from rag.api.schemas import ErrorResponse, SearchResponse

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
async def search(
    request: Request,
    service: ServiceDep,
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
    filters = query_filters(county, year, source)

    def work() -> tuple[list[Any], dict[str, list[str]]]:
        return service.search(query, top_k=k, filters=filters), service.expansions(query)

    hits, expansions = await run_bounded(request, work, cost=query_cost(query))
    return {
        "query": query,
        "top_k": k,
        "filters": filters or {},
        "expansions": expansions,
        "hits": [h.to_dict() for h in hits],
        "timings_ms": {"total": round((time.perf_counter() - t0) * 1000, 2)},
    }
