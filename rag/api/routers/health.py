"""/health: always 200; says whether the index is loaded and what it holds."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter

from rag import __version__
from rag.api.deps import ServiceDep
from rag.api.errors import user_message
from rag.api.schemas import HealthResponse
from rag.exceptions import IndexCorruptError, IndexError_, IndexStaleError, RAGError
from rag.service import RAGService

__all__ = ["router", "health_info"]

log = logging.getLogger("rag.api")

router = APIRouter(tags=["health"])


def health_info(service: RAGService) -> dict[str, Any]:
    """The /health body; loads the index if it appeared since start-up.

    Example:
        >>> health_info(svc)["status"]   # doctest: +SKIP
        'ok'
    """
    info: dict[str, Any] = {
        "index_loaded": False,
        "encoder": None,
        "documents": 0,
        "chunks": 0,
        "message": None,
        "damaged_files": [],
        "version": __version__,
    }
    try:
        index = service.index
    except RAGError as exc:
        status = (
            "damaged_index" if isinstance(exc, IndexCorruptError)
            else "stale_index" if isinstance(exc, IndexStaleError)
            else "no_index" if isinstance(exc, IndexError_) else "error"
        )
        info.update(status=status, message=user_message(exc),
                    damaged_files=getattr(exc, "files", []))
        return info
    except Exception as exc:  # still 200: health reports problems, it does not have them
        log.exception("health: loading the index failed")
        info.update(status="error", message=f"索引加载失败 (index failed to load): {exc}")
        return info
    encoder = getattr(index, "encoder", None)
    info.update(
        status="ok",
        index_loaded=True,
        encoder=getattr(encoder, "name", None) or service.settings.embedding_model,
        documents=len(index.documents),
        chunks=len(index.chunks),
    )
    return info


@router.get("/health", response_model=HealthResponse, summary="状态 (health)")
def health(service: ServiceDep) -> dict[str, Any]:
    """Index loaded? Encoder name, document and chunk counts. 200 even without an index."""
    return health_info(service)
