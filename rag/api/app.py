"""The FastAPI application: API routes, error handling, request ids, the chat page at /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from rag import __version__
from rag.api.docs import install_docs, swagger_static_dir
from rag.api.errors import install_error_handlers
from rag.api.methods import install_method_guard
from rag.api.middleware import RequestIDMiddleware
from rag.api.routers import ask, documents, health, jobs, kb, openai_compat, search
from rag.api.runtime import ComputeGate, configure_threads, load_index
from rag.kb.jobs import JobQueue
from rag.service import RAGService
from rag.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger("rag.api")

_DESCRIPTION = """
政务文档问答 API：每句回答都带 [n] 引用，指向原文段落；资料中没有答案时如实说明。

Question answering with citations over Chinese government documents.
Errors are JSON `{"detail", "error", "request_id"}`; every response has `X-Request-ID`.
"""


def create_app(
    settings: Settings | None = None,
    service: RAGService | None = None,
    *,
    ui: bool | None = None,
) -> FastAPI:
    """Build the app. The index and encoder load once, at start-up (lifespan).

    Args:
        settings: defaults to `get_settings()` (RAG_* env vars or .env).
        service: a ready `RAGService` (tests pass one over a small index).
        ui: mount the Gradio chat page at "/"; defaults to `settings.ui`.

    Example:
        >>> app = create_app(Settings(index_dir="index"), ui=False)
        >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/ask"))
        ['/ask', '/ask/stream']
    """
    settings = settings or (service.settings if service else get_settings())
    service = service or RAGService(settings)
    configure_threads(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.index_error = await run_in_threadpool(load_index, service)
        async with AsyncExitStack() as stack:
            if app.state.mcp is not None:  # the MCP session manager runs with the app
                await stack.enter_async_context(app.state.mcp.running())
            yield

    offline_docs = swagger_static_dir() is not None
    app = FastAPI(
        title="政务文档问答 govdoc-rag",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None if offline_docs else "/docs",  # local Swagger UI files when installed
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.index_error = None
    app.state.gate = ComputeGate(settings.api_concurrency, heavy_cost=settings.heavy_query_chars)
    app.state.jobs = JobQueue(settings, on_built=service.refresh, encoder=service.loaded_encoder)

    # Errors, request ids, CORS
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestIDMiddleware)

    # API routes first, so they win over the page mounted at "/"
    for module in (ask, search, documents, kb, jobs, health, openai_compat):
        app.include_router(module.router)
    app.state.mcp = _mount_mcp(app, service, settings) if settings.mcp_http else None
    if offline_docs:
        install_docs(app)
    install_method_guard(app)  # after every API route, before the page mounted at "/"

    if settings.ui if ui is None else ui:
        _mount_ui(app, service, app.state.gate)
    return app


def _mount_mcp(app: FastAPI, service: RAGService, settings: Settings) -> Any:
    # The mcp SDK is imported only when /mcp is served
    from rag.mcp.http import mount_mcp

    return mount_mcp(app, service, settings, gate=app.state.gate)


def _mount_ui(app: FastAPI, service: RAGService, gate: ComputeGate) -> None:
    # Gradio is heavy to import: only when the page is wanted
    from ui import mount_ui

    mount_ui(app, service, gate=gate)
