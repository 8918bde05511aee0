"""Output schemas of the MCP tools (clients see them as each tool's `outputSchema`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from rag.api.schemas import CitationOut, DocumentOut

__all__ = ["AskResult", "DocumentsResult", "PassageResult", "SearchPassage", "SearchResult"]


class SearchPassage(BaseModel):
    """One retrieved passage with its citation label."""

    n: int
    chunk_id: str
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
    citation: str = Field(description="[n] 《标题》 › 章节 (文件 起–止) — cite as [n]")


class SearchResult(BaseModel):
    """Ranked passages for a query."""

    query: str
    top_k: int
    filters: dict[str, str | int]
    passages: list[SearchPassage]


class AskResult(BaseModel):
    """A cited answer, or `answerable: false` when the documents do not say."""

    answer: str = Field(description="每句带 [n] 引用的回答 (answer with [n] markers)")
    answerable: bool
    direct_answer: str = ""
    confidence: float = 0.0
    citations: list[CitationOut]
    rewritten_question: str | None = None
    notes: list[str] = Field(default_factory=list)


class DocumentsResult(BaseModel):
    """Every indexed document."""

    count: int
    documents: list[DocumentOut]


class PassageResult(BaseModel):
    """A passage or document span with the heading path of its section."""

    chunk_id: str | None
    doc_id: str
    source: str
    title: str
    county: str
    year: int | None
    heading_path: list[str]
    start: int
    end: int
    text: str
