"""/documents writes: upload, delete, edit metadata; and each document's chunks (read)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import Message, Receive

from rag.api.auth import WriteDep
from rag.api.deps import ServiceDep
from rag.api.kb_schemas import (
    ChunksResponse,
    DeleteResponse,
    PatchRequest,
    PatchResponse,
    UploadResponse,
)
from rag.api.schemas import ErrorResponse
from rag.exceptions import DocumentNotFoundError, IndexError_
from rag.kb import JobQueue, commit_staged, find_stored, remove_document, set_entry, stage_files
from rag.kb.store import discard, staging_dir
from rag.service import RAGService

__all__ = ["get_jobs", "router"]

router = APIRouter(tags=["documents"])

_MB = 1024 * 1024
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "缺少或错误的 API 密钥 (missing or wrong key)"},
    403: {"model": ErrorResponse, "description": "未设置密钥且非本机 (no key set, not loopback)"},
    404: {"model": ErrorResponse, "description": "没有这个文档 (unknown document)"},
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_WRITE_ERRORS,
    409: {"model": ErrorResponse, "description": "同名文件已存在 (exists: send replace=true)"},
    413: {"model": ErrorResponse, "description": "文件或请求过大 (over a size budget)"},
    415: {"model": ErrorResponse, "description": "类型不符 (content is not the named type)"},
    422: {"model": ErrorResponse, "description": "文件名不安全、压缩炸弹、无法解析 (unsafe)"},
}
_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["files"],
            "properties": {"files": {"type": "array",
                                     "items": {"type": "string", "format": "binary"}}},
        }}},
    }
}


def get_jobs(request: Request) -> JobQueue:
    """The app's indexing-job queue (created with the app; made here for bare apps)."""
    jobs: JobQueue | None = getattr(request.app.state, "jobs", None)
    if jobs is None:
        service: RAGService = request.app.state.service
        jobs = JobQueue(service.settings, on_built=service.refresh,
                        encoder=service.loaded_encoder)
        request.app.state.jobs = jobs
    return jobs


def _too_large(message: str) -> HTTPException:
    return HTTPException(413, message)


def _limited(receive: Receive, limit: int) -> Receive:
    """`receive` that stops a body past `limit` bytes (before it is spooled to disk)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(
                    f"请求过大：超过 {limit / _MB:.0f} MB (RAG_MAX_UPLOAD_MB × "
                    f"RAG_MAX_UPLOAD_FILES) (request body over {limit / _MB:.0f} MB)")
        return message

    return wrapped


# Upload
@router.post(
    "/documents", response_model=UploadResponse, status_code=202, responses=_UPLOAD_ERRORS,
    openapi_extra=_MULTIPART, summary="上传文档 (upload documents)",
)
async def upload(request: Request, _: WriteDep, replace: bool = False) -> dict[str, Any]:
    """Store one or many files (multipart field `files`) and index them in the background.

    Every file is checked first (safe name, size, type by content, zip bombs, HTML depth,
    a trial parse); if any fails nothing is stored and the answer names the file and the
    limit. A name already stored is refused (409) unless `replace=true`. Poll the job
    with `GET /jobs/{id}`; the loaded index keeps answering until the new one swaps in."""
    settings = request.app.state.settings
    per_file = int(settings.max_upload_mb * _MB)
    limit = per_file * max(1, settings.max_upload_files) + _MB
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(
            f"请求过大：{int(declared) / _MB:.1f} MB，上限 {limit / _MB:.0f} MB "
            f"(RAG_MAX_UPLOAD_MB × RAG_MAX_UPLOAD_FILES) (request is over the limit)")
    bounded = Request(request.scope, _limited(request.receive, limit))
    try:
        form = await bounded.form(max_files=max(1, settings.max_upload_files) + 1,
                                  max_fields=50)
    except HTTPException:
        raise
    except Exception as exc:  # a broken multipart body
        raise HTTPException(
            400, f"无法解析上传内容 (cannot parse the multipart body: {exc})") from exc
    uploads = [v for v in form.getlist("files") if isinstance(v, UploadFile)]
    uploads += [v for k, v in form.multi_items() if k != "files" and isinstance(v, UploadFile)]
    if not uploads:
        raise HTTPException(422, "没有收到文件：请用 multipart 字段 files 上传 "
                                 "(no files: send them in the multipart field 'files')")
    if len(uploads) > settings.max_upload_files:
        raise _too_large(
            f"文件过多：{len(uploads)} 个，上限 {settings.max_upload_files} 个，可调大 "
            f"RAG_MAX_UPLOAD_FILES ({len(uploads)} files, over the "
            f"{settings.max_upload_files}-file limit)")
    for up in uploads:  # cheap size check before anything is copied
        if up.size is not None and up.size > per_file:
            raise _too_large(
                f"{up.filename}：文件过大：{up.size / _MB:.1f} MB，上限 "
                f"{settings.max_upload_mb:g} MB，可调大 RAG_MAX_UPLOAD_MB "
                f"({up.filename} is over the {settings.max_upload_mb:g} MB limit)")
    try:
        return await run_in_threadpool(_store, request, uploads, replace)
    finally:
        await form.close()


def _store(request: Request, uploads: list[UploadFile], replace: bool) -> dict[str, Any]:
    # Copy to a hidden staging folder, check everything, then rename into the corpus
    settings = request.app.state.settings
    folder = staging_dir(settings)
    try:
        files: list[tuple[str, Path]] = []
        for i, up in enumerate(uploads):
            tmp = folder / f"part{i}"
            with tmp.open("wb") as out:
                up.file.seek(0)
                shutil.copyfileobj(up.file, out, 1024 * 1024)
            files.append((up.filename or "", tmp))
        staged = stage_files(files, settings, replace=replace)
        names = commit_staged(staged, settings)
    finally:
        discard(folder)
    job = get_jobs(request).submit("add", names)
    return {
        "files": [{"name": s.name, "chars": s.chars, "replaced": s.replaces} for s in staged],
        "job": job.to_dict(),
    }


# Delete
def _sources(service: RAGService) -> dict[str, str]:
    try:
        return {d.doc_id: d.source for d in service.index.documents.values()}
    except IndexError_:
        return {}


@router.delete(
    "/documents/{doc_id}", response_model=DeleteResponse, status_code=202,
    responses=_WRITE_ERRORS, summary="删除文档 (delete a document)",
)
def delete(doc_id: str, request: Request, service: ServiceDep, _: WriteDep) -> dict[str, Any]:
    """Remove the file from the corpus folder (and its manifest entry), then re-index in
    the background: the document stops being cited once the job is done.

    `doc_id` may also be the file name."""
    sources = _sources(service)
    source = find_stored(doc_id, service.settings, sources)
    if source is None:
        raise DocumentNotFoundError(f"没有这个文档：{doc_id} (unknown document id)")
    removed = remove_document(source, service.settings, indexed=source in sources.values())
    job = get_jobs(request).submit("remove", [source])
    doc = next((k for k, v in sources.items() if v == source), Path(source).stem)
    return {"doc_id": doc, "source": source, "file_removed": removed, "job": job.to_dict()}


# Edit metadata
@router.patch(
    "/documents/{doc_id}", response_model=PatchResponse, status_code=202,
    responses=_WRITE_ERRORS, summary="修改文档信息 (edit title, county, year, kind)",
)
def patch(doc_id: str, body: PatchRequest, request: Request, service: ServiceDep,
          _: WriteDep) -> dict[str, Any]:
    """Write the fields into the document's `corpus/manifest.toml` entry and re-index it."""
    sources = _sources(service)
    source = find_stored(doc_id, service.settings, sources)
    if source is None:
        raise DocumentNotFoundError(f"没有这个文档：{doc_id} (unknown document id)")
    fields = body.model_dump(exclude_unset=True)
    if not fields:
        raise HTTPException(422, "没有要修改的字段：title、county、year、kind "
                                 "(nothing to change: send title, county, year or kind)")
    entry = set_entry(Path(service.settings.corpus_dir), source, fields)
    job = get_jobs(request).submit("update", [source])
    doc = next((k for k, v in sources.items() if v == source), Path(source).stem)
    return {"doc_id": doc, "source": source, "entry": entry, "job": job.to_dict()}


# Chunks (read)
@router.get(
    "/documents/{doc_id}/chunks", response_model=ChunksResponse,
    responses={404: _WRITE_ERRORS[404], 503: {"model": ErrorResponse,
                                              "description": "索引未建立 (no index)"}},
    summary="文档切分 (how a document was cut)",
)
def chunks(doc_id: str, service: ServiceDep) -> dict[str, Any]:
    """The document's chunks in order, with heading paths, offsets and lengths."""
    index = service.index
    docs = index.documents
    doc = docs.get(doc_id) or next((d for d in docs.values() if d.source == doc_id), None)
    if doc is None:
        raise DocumentNotFoundError(f"没有这个文档：{doc_id} (unknown document id)")
    rows = sorted((c for c in index.chunks.values() if c.doc_id == doc.doc_id),
                  key=lambda c: (c.ordinal, c.start))
    out = [{"id": c.id, "ordinal": c.ordinal, "heading_path": c.heading_path,
            "chars": len(c.text), "start": c.start, "end": c.end, "text": c.text} for c in rows]
    return {"doc_id": doc.doc_id, "source": doc.source, "title": doc.title, "count": len(out),
            "chunks": out}
