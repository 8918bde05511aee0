"""The MCP server: the knowledge base as four tools (search, ask, list_documents, get_passage)."""

# No `from __future__ import annotations`: the SDK reads these signatures at run time.
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, WithJsonSchema

from rag import __version__
from rag.api.errors import user_message
from rag.api.markdown import answer_markdown, citation_place
from rag.api.runtime import ComputeGate
from rag.exceptions import RAGError
from rag.mcp import tools
from rag.mcp.models import AskResult, DocumentsResult, PassageResult, SearchResult
from rag.service import RAGService

__all__ = ["build_server"]

log = logging.getLogger("rag.mcp")

_INSTRUCTIONS = (
    "政务文档知识库（县政府工作报告、规划、通知）。先用 ask 得到带 [n] 引用的回答；需要原文时用 "
    "search 或 get_passage。回答时保留 [n] 引用并注明来源。\n"
    "A knowledge base of Chinese county government documents. Use `ask` for a cited answer, "
    "`search` for ranked passages, `get_passage` for exact text, `list_documents` for what is "
    "indexed. Keep the [n] markers and name the sources when you answer."
)

# Argument schemas: shown to the agent; values are checked by rag.mcp.tools (bilingual errors)
_FILTERS_SCHEMA = {
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "county": {"type": "string", "description": "县名，如 洪洞县 (county)"},
                "year": {"type": "integer", "description": "文档年份 (document year)"},
                "source": {"type": "string", "description": "文件名 (file name)"},
            },
            "additionalProperties": False,
        },
        {"type": "null"},
    ],
    "default": None,
    "description": "元数据筛选 (metadata filters), e.g. {\"county\": \"绛县\", \"year\": 2025}",
}
_HISTORY_SCHEMA = {
    "anyOf": [
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"role": {"enum": ["user", "assistant"]},
                               "content": {"type": "string"}},
                "required": ["role", "content"],
            },
        },
        {"type": "null"},
    ],
    "default": None,
    "description": "之前的对话，用于追问 (earlier turns, for follow-ups like 「那绛县呢？」)",
}

FiltersArg = Annotated[dict[str, Any] | None, WithJsonSchema(_FILTERS_SCHEMA)]
HistoryArg = Annotated[list[dict[str, Any]] | None, WithJsonSchema(_HISTORY_SCHEMA)]
# Strict integers, as on the HTTP API ("5" and true are not numbers)
TopK = Annotated[int | None, Field(strict=True,
                                   description="返回段落数，1–50，默认 5 (passages, 1-50)")]

_READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _call(fn: Callable[[], dict[str, Any]], render: Callable[[dict[str, Any]], str]
          ) -> CallToolResult:
    # Run a tool; a rag error becomes a tool error (isError) with a readable message
    try:
        data = fn()
    except RAGError as exc:
        raise ToolError(user_message(exc)) from exc
    return _result(data, render)


async def _bounded(work: Awaitable[dict[str, Any]], render: Callable[[dict[str, Any]], str]
                   ) -> CallToolResult:
    # The same for a query tool (gate, deadline): past the deadline too, a tool error
    try:
        data = await work
    except RAGError as exc:
        raise ToolError(user_message(exc)) from exc
    return _result(data, render)


def _result(data: dict[str, Any], render: Callable[[dict[str, Any]], str]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=render(data))],
                          structured_content=data)


# Text versions of the results (what an agent reads)
def _search_text(data: dict[str, Any]) -> str:
    if not data["passages"]:
        return "没有找到相关段落 (no passages found)"
    return "\n\n".join(f"{p['citation']}\n{p['text']}" for p in data["passages"])


def _documents_text(data: dict[str, Any]) -> str:
    lines = [f"{data['count']} 个文档 (documents):"]
    lines += [f"- {d['doc_id']} {d['source']} 《{d['title']}》 {d['county']} {d['year'] or ''} "
              f"({d['chars']} 字, {d['chunks']} 段)" for d in data["documents"]]
    return "\n".join(lines)


def _passage_text(data: dict[str, Any]) -> str:
    where = citation_place(data)
    return f"{where} ({data['source']} {data['start']}–{data['end']})\n\n{data['text']}"


def build_server(service: RAGService, *, gate: ComputeGate | None = None,
                 timeout_s: float | None = None, warm_up: bool = False) -> MCPServer:
    """An MCPServer whose tools answer from `service`; `search` and `ask` are bounded as
    `/ask` is (compute gate by cost, deadline, history limits).

    Args:
        service: the shared RAGService (its index loads on first use).
        gate: the API's ComputeGate, so MCP queries share the server's limit (HTTP);
            default a gate of its own (`RAG_API_CONCURRENCY`, stdio).
        timeout_s: the deadline of a query tool; default `RAG_REQUEST_TIMEOUT_S`.
        warm_up: load the index and pay first-call costs in the background at start (stdio).

    Example:
        >>> server = build_server(RAGService())
        >>> server.name
        'govdoc-rag'
    """

    settings = service.settings
    if gate is None:
        gate = ComputeGate(settings.api_concurrency, heavy_cost=settings.heavy_query_chars)
    timeout = settings.request_timeout_s if timeout_s is None else timeout_s

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        threading.Thread(target=_warm, args=(service,), daemon=True).start()
        yield None

    # The SDK calls logging.basicConfig(); a handler held on the root meanwhile makes that a
    # no-op, so the caller's logging stays as it was
    root, hold = logging.getLogger(), logging.NullHandler()
    root.addHandler(hold)
    try:
        mcp = MCPServer("govdoc-rag", title="政务文档问答 govdoc-rag", version=__version__,
                        instructions=_INSTRUCTIONS, lifespan=lifespan if warm_up else None)
    finally:
        root.removeHandler(hold)

    @mcp.tool(annotations=_READ_ONLY, description=(
        "检索政务文档，返回按相关度排序的原文段落，每段带引用标签 [n]《标题》›章节（文件 起–止）。"
        "Search the government documents: ranked passages, each with a citation label and "
        "its chunk_id (for get_passage)."))
    async def search(
        query: Annotated[str, Field(description="查询，如「龙马物流园」(query)")],
        top_k: TopK = None,
        filters: FiltersArg = None,
    ) -> Annotated[CallToolResult, SearchResult]:
        return await _bounded(tools.search(service, query, top_k, filters, gate, timeout),
                              _search_text)

    @mcp.tool(annotations=_READ_ONLY, description=(
        "就政务文档提问，返回每句带 [n] 引用的回答、直接答案和引文；资料中没有时如实说明"
        "（answerable=false）。Ask a question: a cited answer (every sentence has [n]), the "
        "direct answer and the citations with exact quotes; declines when the documents do "
        "not say."))
    async def ask(
        question: Annotated[str, Field(description="问题，如「龙马物流园进展如何？」(question)")],
        history: HistoryArg = None,
        top_k: TopK = None,
        filters: FiltersArg = None,
    ) -> Annotated[CallToolResult, AskResult]:
        return await _bounded(
            tools.ask(service, question, history, top_k, filters, gate, timeout),
            answer_markdown)

    @mcp.tool(annotations=_READ_ONLY, description=(
        "列出已索引的文档（doc_id、文件名、标题、县、年份）。"
        "List the indexed documents (doc_id, file, title, county, year, size)."))
    def list_documents() -> Annotated[CallToolResult, DocumentsResult]:
        return _call(lambda: tools.list_documents(service), _documents_text)

    @mcp.tool(annotations=_READ_ONLY, description=(
        "取原文：按 chunk_id（来自 search），或按 doc_id/文件名加字符偏移 start、end（如引文的 "
        "quote_start、quote_end），返回原文和所在章节路径。Get exact text: by chunk_id, or by "
        "doc_id (or file name) with character offsets start/end; returns the text and its "
        "heading path."))
    def get_passage(
        chunk_id: Annotated[str | None, Field(description="段落 id (from search)")] = None,
        doc_id: Annotated[str | None, Field(description="文档 id 或文件名 (doc id or file)")]
        = None,
        start: Annotated[int | None, Field(strict=True, description="起始偏移 (start offset)")]
        = None,
        end: Annotated[int | None, Field(strict=True, description="结束偏移，不含 (end offset)")]
        = None,
    ) -> Annotated[CallToolResult, PassageResult]:
        return _call(lambda: tools.get_passage(service, chunk_id, doc_id, start, end),
                     _passage_text)

    return mcp


def _warm(service: RAGService) -> None:
    # Load the index and pay first-call costs; a missing index is reported by each tool call
    try:
        service.warm_up()  # loads the index first
        log.info("index loaded for MCP")
    except RAGError as exc:
        log.warning("index not available: %s", exc)
    except Exception:
        log.exception("warming up the index failed")
