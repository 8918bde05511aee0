"""Request and response models of the HTTP API (the OpenAPI schema at /docs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from rag.text.hygiene import surrogate_at

__all__ = [
    "FILTER_KEYS",
    "AskRequest",
    "AskResponse",
    "CitationOut",
    "DocumentOut",
    "DocumentsResponse",
    "DocumentText",
    "ErrorResponse",
    "Filters",
    "HealthResponse",
    "MessageIn",
    "PassageOut",
    "SearchResponse",
    "Text",
]

# The metadata fields a request may filter on
FILTER_KEYS = ("county", "year", "source")


def _valid_unicode(text: str) -> str:
    # A lone surrogate ("\ud800" in JSON) is not text: 422 before any model sees it
    pos = surrogate_at(text)
    if pos is not None:
        raise PydanticCustomError(
            "invalid_unicode", "lone surrogate U+{code} at character {pos}",
            {"code": f"{ord(text[pos]):04X}", "pos": pos + 1},
        )
    return text


# Every string a request carries; request models are strict (no "5" for 5, no true for 1)
Text = Annotated[str, AfterValidator(_valid_unicode)]
_STRICT = ConfigDict(extra="forbid", strict=True)


class Filters(BaseModel):
    """Metadata filters; any other key is rejected with 422.

    Example:
        >>> Filters(county="洪洞县").as_dict()
        {'county': '洪洞县'}
    """

    model_config = _STRICT

    county: Text | None = Field(None, description="县名，如 洪洞县 (county)", examples=["洪洞县"])
    year: int | None = Field(None, description="年份 (document year)", examples=[2024])
    source: Text | None = Field(None, description="文件名 (document file name)")

    def as_dict(self) -> dict[str, Any] | None:
        """The filters that are set, or None when none are."""
        d = {k: v for k, v in self.model_dump().items() if v not in (None, "")}
        return d or None


class MessageIn(BaseModel):
    """One earlier chat turn."""

    model_config = _STRICT

    role: Literal["user", "assistant"]
    content: Text


class AskRequest(BaseModel):
    """A question, optionally with filters and the chat so far.

    Example:
        >>> AskRequest(question="龙马物流园进展如何？").top_k is None
        True
    """

    model_config = _STRICT

    question: Text = Field(
        ..., description="问题 (the question)", examples=["龙马物流园进展如何？"]
    )
    top_k: int | None = Field(None, description="检索段落数，默认 5 (passages to retrieve)")
    filters: Filters = Field(default_factory=Filters)
    history: list[MessageIn] = Field(default_factory=list, description="之前的对话 (chat history)")


class PassageOut(BaseModel):
    """A retrieved passage (a chunk with its scores)."""

    id: str
    doc_id: str
    source: str
    title: str
    county: str
    year: int | None
    heading_path: list[str]
    text: str
    start: int
    end: int
    score: float
    rank: int
    scores: dict[str, float]


class CitationOut(BaseModel):
    """The passage behind marker [n] and the exact sentence quoted from it."""

    n: int
    chunk_id: str
    source: str
    title: str
    county: str
    year: int | None
    heading_path: list[str]
    text: str
    quote: str
    quote_start: int
    quote_end: int
    quotes: list[dict[str, Any]] = Field(
        default_factory=list, description="该段落被引用的每一句 {quote, quote_start, quote_end}"
    )


class AskResponse(BaseModel):
    """A cited answer, or `answerable: false` with the closest passages."""

    answer: str
    answerable: bool
    direct_answer: str = Field(
        "", description="直接答案：首条引文中回答问题的最短片段 (the shortest span that answers)"
    )
    confidence: float = Field(
        0.0, description="可回答的置信度 0–1 (calibrated probability that the documents answer)"
    )
    citations: list[CitationOut]
    passages: list[PassageOut]
    rewritten_question: str | None = None
    timings_ms: dict[str, float]
    notes: list[str] = Field(default_factory=list)


class SearchResponse(BaseModel):
    """Ranked passages for a query."""

    query: str
    top_k: int
    filters: dict[str, Any]
    expansions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="同义扩展：语料中没有的词 → 补充的近义词 (synonyms added, e.g. 马路 → 街道)",
    )
    hits: list[PassageOut]
    timings_ms: dict[str, float]


class DocumentOut(BaseModel):
    """One indexed document."""

    doc_id: str
    source: str
    title: str
    county: str
    year: int | None
    kind: str
    chars: int
    chunks: int
    status: str = Field(
        "indexed", description="indexed, indexing, pending (stored, not indexed yet), error "
        "(could not be loaded: see `error`) or removing"
    )
    error: str | None = Field(None, description="为什么无法载入 (why the file failed to load)")


class DocumentsResponse(BaseModel):
    """Every indexed document."""

    count: int
    documents: list[DocumentOut]


class DocumentText(BaseModel):
    """A document's normalised text (citation offsets point into it)."""

    doc_id: str
    source: str
    title: str
    text: str


class HealthResponse(BaseModel):
    """Whether the server can answer, and over what."""

    status: Literal["ok", "no_index", "stale_index", "damaged_index", "error"]
    index_loaded: bool
    encoder: str | None
    documents: int
    chunks: int
    message: str | None = None
    damaged_files: list[str] = Field(
        default_factory=list, description="损坏的索引文件 (index files failing their checksum)"
    )
    version: str


class ErrorResponse(BaseModel):
    """Every error body: a message a person can read, and the request id."""

    detail: str
    error: str
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None
    files: list[str] | None = Field(None, description="损坏的索引文件 (damaged index files)")
