"""`rag index`: build or update the index of the corpus folder (incremental, atomic)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rag.cli import app
from rag.exceptions import RAGError


@app.command("index")
def index_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Start over: re-chunk and re-embed everything")
    ] = False,
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Corpus folder (default RAG_CORPUS_DIR)")
    ] = None,
    index_dir: Annotated[
        Path | None, typer.Option("--index-dir", help="Index folder (default RAG_INDEX_DIR)")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show the embedding progress bar")
    ] = True,
) -> None:
    """Index new and changed documents, drop removed ones; `--rebuild` starts over.

    Exit codes: 0 ok (files that failed to load are listed), 2 error.
    """
    from rag.index.build import build_index
    from rag.settings import get_settings

    err = Console(stderr=True)
    settings = get_settings()
    update: dict[str, object] = {
        k: v for k, v in {"corpus_dir": corpus, "index_dir": index_dir}.items() if v
    }
    # Indexing is a batch job: give the encoder every core (queries keep num_threads)
    update["num_threads"] = settings.index_threads or os.cpu_count() or 1
    settings = settings.model_copy(update=update)
    try:
        report = build_index(settings, rebuild=rebuild, progress=progress)
    except RAGError as exc:
        err.print(f"[red]错误 (error):[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    for message in report.errors:
        err.print(f"[yellow]跳过 (skipped):[/yellow] {message}", highlight=False)
    for name, docs in (("added", report.added), ("changed", report.changed),
                       ("removed", report.removed)):
        if docs and not report.noop:
            err.print(f"  {name}: {', '.join(docs)}", highlight=False)
    Console().print(f"{report.summary()}\n→ {report.index_dir}", highlight=False)
