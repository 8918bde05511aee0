"""Exceptions raised by the rag package.

The class tree::

    RAGError
    ├── ConfigError                 bad setting or unknown name (encoder, fusion method)
    ├── CorpusError
    │   ├── DocumentLoadError       one file could not be read or decoded (names the file)
    │   │   ├── FileTooLargeError   over a size, page or element budget (HTTP 413)
    │   │   ├── FileTypeError       content is not what the name says (HTTP 415)
    │   │   └── UnsafeFileError     zip bomb, nesting too deep, unsafe name (HTTP 422)
    │   ├── DocumentExistsError     a stored file of that name exists (replace it explicitly)
    │   ├── DocumentNotFoundError   no document or file with that id
    │   └── JobBusyError            another indexing job is running
    ├── IndexError_
    │   ├── IndexMissingError       no index on disk yet: run `rag index`
    │   ├── IndexStaleError         built with another encoder or chunker version
    │   ├── IndexCorruptError       an index file is damaged or unreadable: run `rag index`
    │   └── StoreUnavailableError   the Milvus store cannot be reached or refused a request
    ├── EncoderError                an embedding model is missing or failed
    ├── QueryError                  a question or request the caller must fix
    │   └── FilterError             unknown filter key or bad filter value
    ├── LLMError                    the optional LLM endpoint failed or timed out
    └── DeadlineError               a request ran past its deadline (RAG_REQUEST_TIMEOUT_S)

Only the API layer turns these into HTTP errors.
"""

from __future__ import annotations

__all__ = [
    "RAGError",
    "ConfigError",
    "CorpusError",
    "DocumentLoadError",
    "FileTooLargeError",
    "FileTypeError",
    "UnsafeFileError",
    "DocumentExistsError",
    "DocumentNotFoundError",
    "JobBusyError",
    "IndexError_",
    "IndexMissingError",
    "IndexStaleError",
    "IndexCorruptError",
    "StoreUnavailableError",
    "EncoderError",
    "QueryError",
    "FilterError",
    "LLMError",
    "DeadlineError",
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


class FileTooLargeError(DocumentLoadError):
    """The file is over a budget (size, pages, elements); the message names the setting."""


class FileTypeError(DocumentLoadError):
    """The file's content does not match its name (a binary named .txt, random bytes .pdf)."""


class UnsafeFileError(DocumentLoadError):
    """The file or its name is hostile: a zip bomb, HTML nested too deep, a path in the name."""


class DocumentExistsError(CorpusError):
    """A file of that name is already stored; it is replaced only when asked to."""


class DocumentNotFoundError(CorpusError):
    """No indexed document or stored file has that id."""


class JobBusyError(CorpusError):
    """Another indexing job is queued or running."""


class IndexError_(RAGError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The on-disk index cannot be used."""


class IndexMissingError(IndexError_):
    """No index has been built yet."""


class IndexStaleError(IndexError_):
    """The index was built with another encoder, dimension or chunker version."""


class IndexCorruptError(IndexError_):
    """An index file does not match its checksum or cannot be read; `files` names them."""

    def __init__(self, message: str, files: list[str] | None = None) -> None:
        super().__init__(message)
        self.files = list(files or [])


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


class DeadlineError(RAGError):
    """A request took longer than its deadline; its work is abandoned at the next check."""
