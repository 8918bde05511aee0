"""What the MCP tools do, over a RAGService: plain functions returning dicts (no MCP here).

Bad arguments raise `rag.exceptions.QueryError` (or `FilterError`) with a message in Chinese
and English; `rag.mcp.server` turns every `RAGError` into a tool error. `search` and `ask`
are bounded as `/ask` is: checked history, the compute gate by cost, the request deadline
(`DeadlineError` past `RAG_REQUEST_TIMEOUT_S`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rag.answer.models import Message
from rag.api.bounded import query_cost, run_gated
from rag.api.markdown import citation_place
from rag.api.openai_errors import validation_message
from rag.api.schemas import Filters
from rag.exceptions import FilterError, QueryError
from rag.text.hygiene import clean_input

if TYPE_CHECKING:
    from rag.api.runtime import ComputeGate
    from rag.service import RAGService

__all__ = ["MAX_PASSAGE_CHARS", "ask", "check_filters", "get_passage", "list_documents",
           "search"]

MAX_PASSAGE_CHARS = 5000  # longest span get_passage returns


def check_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Validate `{county, year, source}`; an unknown key or bad value raises FilterError.

    Example:
        >>> check_filters({"county": "绛县"})
        {'county': '绛县'}
    """
    if filters is None:
        return None
    if not isinstance(filters, dict):
        raise FilterError('filters 必须是对象，如 {"county": "绛县"} (filters must be an object)')
    try:
        return Filters.model_validate(filters).as_dict()
    except ValidationError as exc:
        errors = [{**e, "loc": ("filters", *e["loc"])} for e in exc.errors()]
        raise FilterError("；".join(validation_message(e) for e in errors)) from exc


def _history(history: list[dict[str, Any]] | None) -> list[Message] | None:
    out: list[Message] = []
    for i, turn in enumerate(history or []):
        role = turn.get("role") if isinstance(turn, dict) else None
        content = turn.get("content") if isinstance(turn, dict) else None
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise QueryError(f"history[{i}] 应为 {{\"role\": \"user\"|\"assistant\", \"content\": "
                             f"文本}} (history[{i}] must be {{role: user|assistant, content}})")
        out.append(Message(role, content))
    return out or None


def _label(n: int, d: dict[str, Any], start: int, end: int) -> str:
    return f"[{n}] {citation_place(d)} ({d['source']} {start}–{end})"


async def search(service: RAGService, query: str, top_k: int | None = None,
                 filters: dict[str, Any] | None = None, gate: ComputeGate | None = None,
                 timeout_s: float | None = None) -> dict[str, Any]:
    """Ranked passages, each with a citation label `[n] 《title》 › section (file start–end)`.

    Example:
        >>> anyio.run(lambda: search(svc, "龙马物流园", top_k=3))["passages"][0]["citation"]
        ... # doctest: +SKIP
        '[1] 《洪洞县2024年政府工作报告解读》 › 一、2023年工作回顾 (hongtong_2024_report.txt 0-190)'
    """
    q = service.check_question(query)
    k = service.check_top_k(top_k)
    f = check_filters(filters)
    hits = await run_gated(gate, timeout_s, lambda: service.search(q, top_k=k, filters=f),
                           cost=query_cost(q), label="MCP search")
    passages = []
    for n, h in enumerate(hits, 1):
        d = h.to_dict()
        passages.append({
            "n": n, "chunk_id": d["id"], "doc_id": d["doc_id"], "source": d["source"],
            "title": d["title"], "county": d["county"], "year": d["year"],
            "heading_path": d["heading_path"], "text": d["text"], "start": d["start"],
            "end": d["end"], "score": round(float(d["score"]), 4),
            "citation": _label(n, d, d["start"], d["end"]),
        })
    return {"query": q, "top_k": k, "filters": f or {}, "passages": passages}


async def ask(service: RAGService, question: str, history: list[dict[str, Any]] | None = None,
              top_k: int | None = None, filters: dict[str, Any] | None = None,
              gate: ComputeGate | None = None, timeout_s: float | None = None
              ) -> dict[str, Any]:
    """The cited answer: `/ask`'s fields without the retrieved passages.

    Example:
        >>> anyio.run(lambda: ask(svc, "龙马物流园进展如何？"))["citations"][0]["n"]
        ... # doctest: +SKIP
        1
    """
    q = service.check_question(question)
    service.check_top_k(top_k)
    f = check_filters(filters)
    turns = service.check_history(_history(history))  # bounded and cleaned, as for /ask
    answer = await run_gated(
        gate, timeout_s,
        lambda: service.ask(q, top_k=top_k, filters=f, history=turns).to_dict(),
        cost=query_cost(q, turns), label="MCP ask")
    keys = ("answer", "answerable", "direct_answer", "confidence", "citations",
            "rewritten_question", "notes")
    return {k: answer.get(k) for k in keys}


def list_documents(service: RAGService) -> dict[str, Any]:
    """Every indexed document (as `GET /documents`)."""
    index = service.index
    per_doc: dict[str, int] = {}
    for c in index.chunks.values():
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    docs = [
        {"doc_id": d.doc_id, "source": d.source, "title": d.title, "county": d.county,
         "year": d.year, "kind": d.kind, "chars": len(d.text), "chunks": per_doc.get(d.doc_id, 0)}
        for d in sorted(index.documents.values(), key=lambda d: d.source)
    ]
    return {"count": len(docs), "documents": docs}


def get_passage(service: RAGService, chunk_id: str | None = None, doc_id: str | None = None,
                start: int | None = None, end: int | None = None) -> dict[str, Any]:
    """A passage by chunk id, or a document span by doc id (or file name) and offsets, with
    the heading path of the section it starts in.

    Example:
        >>> get_passage(svc, doc_id="a.txt", start=68, end=114)["text"]  # doctest: +SKIP
        '龙马物流园建设全面提速，……'
    """
    chunk_id = clean_input(chunk_id, "chunk_id") if chunk_id else chunk_id  # echoed in errors
    doc_id = clean_input(doc_id, "doc_id") if doc_id else doc_id
    index = service.index
    if chunk_id:
        chunk = index.chunks.get(chunk_id)
        if chunk is None:
            raise QueryError(f"没有这个段落：{chunk_id}（用 search 得到 chunk_id）"
                             f"(unknown chunk id '{chunk_id}': take one from search)")
        doc_id, start, end, path = chunk.doc_id, chunk.start, chunk.end, chunk.heading_path
        text = chunk.text
    elif doc_id:
        docs = index.documents
        doc = docs.get(doc_id) or next((d for d in docs.values() if d.source == doc_id), None)
        if doc is None:
            raise QueryError(f"没有这个文档：{doc_id}（用 list_documents 查看）"
                             f"(unknown document '{doc_id}': see list_documents)")
        if start is None or end is None:
            raise QueryError("给出 doc_id 时还需要 start 和 end (doc_id needs start and end)")
        if not 0 <= start < end <= len(doc.text):
            raise QueryError(f"偏移无效：需要 0 ≤ start < end ≤ {len(doc.text)} "
                             f"(offsets out of range: 0 <= start < end <= {len(doc.text)})")
        if end - start > MAX_PASSAGE_CHARS:
            raise QueryError(f"一次最多取 {MAX_PASSAGE_CHARS} 字 "
                             f"(at most {MAX_PASSAGE_CHARS} characters at a time)")
        doc_id, text = doc.doc_id, doc.text[start:end]
        around = [c for c in index.chunks.values()
                  if c.doc_id == doc.doc_id and c.start <= start < c.end]
        path = min(around, key=lambda c: c.end - c.start).heading_path if around else []
        chunk_id = None
    else:
        raise QueryError("请给出 chunk_id，或 doc_id 加 start、end "
                         "(give chunk_id, or doc_id with start and end)")
    doc = index.documents[doc_id]
    return {"chunk_id": chunk_id, "doc_id": doc_id, "source": doc.source, "title": doc.title,
            "county": doc.county, "year": doc.year, "heading_path": list(path),
            "start": start, "end": end, "text": text}
