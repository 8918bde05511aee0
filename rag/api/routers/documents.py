"""/documents: what is indexed, and each document's text (for citation views)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from rag.api.deps import ServiceDep
from rag.api.schemas import DocumentsResponse, DocumentText, ErrorResponse

__all__ = ["router"]

router = APIRouter(tags=["documents"])

_503: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "索引未建立 (no index: run `rag index`)"}
}


@router.get(
    "/documents", response_model=DocumentsResponse, responses=_503, summary="文档列表 (documents)"
)
def documents(service: ServiceDep, request: Request) -> dict[str, Any]:
    """Every document with its county, year, chunk count and status: the indexed ones, and
    files stored in the corpus folder that are waiting for (or failed) indexing."""
    from rag.kb.catalogue import catalogue

    index = service.index
    jobs = getattr(request.app.state, "jobs", None)
    docs = catalogue(service.settings, index.documents, index.chunks, jobs)
    return {"count": len(docs), "documents": docs}


@router.get(
    "/documents/{doc_id}/text",
    response_model=DocumentText,
    responses={**_503, 404: {"model": ErrorResponse, "description": "没有这个文档 (unknown id)"}},
    summary="文档全文 (document text)",
)
def document_text(doc_id: str, service: ServiceDep) -> dict[str, Any]:
    """The normalised text that citation `quote_start:quote_end` offsets point into.

    `doc_id` may also be the file name (`source`)."""
    docs = service.index.documents
    doc = docs.get(doc_id) or next((d for d in docs.values() if d.source == doc_id), None)
    if doc is None:
        raise HTTPException(404, f"没有这个文档：{doc_id} (unknown document id)")
    return {"doc_id": doc.doc_id, "source": doc.source, "title": doc.title, "text": doc.text}
