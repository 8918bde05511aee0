"""`rag mcp`: the MCP server over stdio, for desktop clients (Claude Desktop, Cursor, Cline)."""

from __future__ import annotations

import typer

from rag.cli import app

__all__ = ["mcp"]


@app.command()
def mcp(
    log_level: str = typer.Option("warning", "--log-level", help="Log level (logs go to stderr)"),
) -> None:
    """Serve the tools search, ask, list_documents and get_passage over stdin/stdout (MCP).

    Settings come from RAG_* variables (RAG_INDEX_DIR points at the built index). Stdout
    carries only the protocol; every log line goes to stderr.

    Example: {"command": "rag", "args": ["mcp"], "env": {"RAG_INDEX_DIR": "/path/index"}}
    """
    import logging
    import sys

    from rag.api.runtime import configure_threads
    from rag.mcp.server import build_server
    from rag.service import RAGService
    from rag.settings import get_settings

    # stderr only: stdout is the protocol channel
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    settings = get_settings()
    configure_threads(settings)
    server = build_server(RAGService(settings), warm_up=True)
    server.run("stdio")
