"""Exceptions raised by the rag package.

The class tree::

    RAGError
    ├── ConfigError                 bad setting or unknown name (encoder, fusion method)
    ├── CorpusError
    │   └── DocumentLoadError       one file could not be read or decoded (names the file)
    ├── IndexError_
    │   ├── IndexMissingError       no index on disk yet: run `rag index`
    │   ├── IndexStaleError         built with another encoder or chunker version
    │   └── StoreUnavailableError   the Milvus store cannot be reached or refused a request
    ├── EncoderError                an embedding model is missing or failed
    ├── QueryError                  a question or request the caller must fix
    │   └── FilterError             unknown filter key or bad filter value
    └── LLMError                    the optional LLM endpoint failed or timed out

Only the API layer turns these into HTTP errors.
"""

from __future__ import annotations

__all__ = [
    "RAGError",
    "ConfigError",
    "CorpusError",
    "DocumentLoadError",
    "IndexError_",
    "IndexMissingError",
    "IndexStaleError",
    "StoreUnavailableError",
    "EncoderError",
    "QueryError",
    "FilterError",
    "LLMError",
]


class RAGError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(RAGError):
    """A setting has a value the code cannot use."""


class CorpusError(RAGError):
    """Something is wrong with the document collection."""


class DocumentLoadError(CorpusError):
    """A file could not be read; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


class IndexError_(RAGError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The on-disk index cannot be used."""


class IndexMissingError(IndexError_):
    """No index has been built yet."""


class IndexStaleError(IndexError_):
    """The index was built with another encoder, dimension or chunker version."""


class StoreUnavailableError(IndexError_):
    """The configured store (Milvus) cannot be reached, or it refused a request."""


class EncoderError(RAGError):
    """An embedding model could not be loaded or run."""


class QueryError(RAGError):
    """The request itself is invalid (empty, too long, out of range)."""


class FilterError(QueryError):
    """A metadata filter names an unknown field or has a bad value."""


class LLMError(RAGError):
    """The optional LLM endpoint failed, timed out or answered nonsense."""
