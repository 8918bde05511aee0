"""`rag chunks`: show how documents are cut into chunks, as text or JSON lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from rag.cli import app


@app.command("chunks")
def chunks_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per chunk per line")
    ] = False,
    preview: Annotated[int, typer.Option("--preview", help="Characters of text to show")] = 80,
) -> None:
    """Load documents and print their chunks with heading paths.

    Unreadable files are reported on stderr; the exit code is 1 only when nothing loaded.
    """
    from rag.corpus import chunk_document, load_corpus
    from rag.settings import get_settings

    settings = get_settings()
    load = load_corpus(files or settings.corpus_dir)
    err = Console(stderr=True)
    for exc in load.errors:
        err.print(
            f"[red]无法读取 (cannot read):[/red] {escape(exc.path)}: {escape(exc.reason)}",
            highlight=False,
        )
    if not load.documents:
        err.print("没有可用的文档 (no documents loaded)")
        raise typer.Exit(1)

    out = Console(soft_wrap=True)
    for doc in load.documents:
        chunks = chunk_document(doc, settings)
        if as_json:
            for c in chunks:
                sys.stdout.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
            continue
        out.print(
            f"[bold]{escape(doc.source)}[/bold]  {escape(doc.title)}  "
            f"{escape(doc.county)} {doc.year or ''}  {len(chunks)} chunks",
            highlight=False,
        )
        for c in chunks:
            text = " ".join(c.text.split())
            more = "…" if len(text) > preview else ""
            out.print(
                f"  [cyan]#{c.ordinal}[/cyan] [{c.start}:{c.end}] {len(c.text)}字  "
                f"[green]{escape(c.heading)}[/green]\n    {escape(text[:preview])}{more}",
                highlight=False,
            )
