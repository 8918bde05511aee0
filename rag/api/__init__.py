"""HTTP API (FastAPI) over `RAGService`; `create_app()` builds it, `rag serve` runs it.

Example:
    >>> from rag.api import create_app
    >>> app = create_app(ui=False)   # doctest: +SKIP
"""

from __future__ import annotations

from rag.api.app import create_app

__all__ = ["create_app"]
