"""Question answering with citations over Chinese government documents.

Example:
    >>> from rag import RAGService
    >>> RAGService().ask("龙马物流园进展如何？").answer   # doctest: +SKIP
"""

from __future__ import annotations

from rag.answer.models import Answer, Citation, Message
from rag.corpus.models import Chunk, Document
from rag.exceptions import (
    ConfigError,
    DocumentLoadError,
    EncoderError,
    FilterError,
    IndexMissingError,
    IndexStaleError,
    LLMError,
    QueryError,
    RAGError,
)
from rag.retrieval.models import Hit
from rag.service import RAGService
from rag.settings import Settings, get_settings

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "ConfigError",
    "Document",
    "DocumentLoadError",
    "EncoderError",
    "FilterError",
    "Hit",
    "IndexMissingError",
    "IndexStaleError",
    "LLMError",
    "Message",
    "QueryError",
    "RAGError",
    "RAGService",
    "Settings",
    "get_settings",
]
__version__ = "0.1.0"
