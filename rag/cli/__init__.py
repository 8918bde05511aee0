"""The `rag` command line: index, search, ask, serve, mcp, eval, chunks, add, remove, documents."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Question answering with citations over Chinese government documents.",
    no_args_is_help=True,
    add_completion=False,
)

# Each command lives in its own module and registers itself on `app`.
from rag.cli import chunks_cmd, index_cmd, search_cmd, ask_cmd, serve_cmd, eval_cmd  # noqa: E402,F401,I001
from rag.cli import mcp_cmd  # noqa: E402,F401
from rag.cli import kb_cmd  # noqa: E402,F401


def main() -> None:
    """Entry point of the `rag` script."""
    app()
