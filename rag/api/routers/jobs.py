"""/jobs: background indexing jobs (state, chunks embedded of total, errors per file)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from rag.api.kb_schemas import JobOut, JobsResponse
from rag.api.routers.kb import get_jobs
from rag.api.schemas import ErrorResponse

__all__ = ["router"]

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=JobsResponse, summary="索引任务 (indexing jobs)")
def jobs(request: Request) -> dict[str, Any]:
    """Recent indexing jobs, newest first."""
    return {"jobs": [j.to_dict() for j in get_jobs(request).jobs()]}


@router.get(
    "/jobs/{job_id}", response_model=JobOut,
    responses={404: {"model": ErrorResponse, "description": "没有这个任务 (unknown job)"}},
    summary="索引任务进度 (job progress)",
)
def job(job_id: str, request: Request) -> dict[str, Any]:
    """State (queued, running, done, failed), chunks embedded so far of the total, and the
    files that could not be loaded with the reason in plain words."""
    found = get_jobs(request).get(job_id)
    if found is None:
        raise HTTPException(404, f"没有这个任务：{job_id} (unknown job id)")
    return found.to_dict()
