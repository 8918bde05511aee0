"""`rag index`: build or update the index of the corpus folder (incremental, atomic)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from rag.cli import app
from rag.exceptions import RAGError

if TYPE_CHECKING:
    from rag.index.build import BuildReport
    from rag.settings import Settings


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
    from rag.settings import get_settings

    err = Console(stderr=True)
    settings = get_settings()
    update: dict[str, object] = {
        k: v for k, v in {"corpus_dir": corpus, "index_dir": index_dir}.items() if v
    }
    # Indexing is a batch job: give the encoder every core (queries keep num_threads)
    update["num_threads"] = settings.index_threads or os.cpu_count() or 1
    settings = settings.model_copy(update=update)
    report = run_build(settings, rebuild=rebuild, progress=progress, err=err)
    print_report(report, err)


def run_build(settings: Settings, rebuild: bool, progress: bool, err: Console) -> BuildReport:
    """build_index with a line saying what is happening first (the encoder load and the
    corpus read are silent otherwise); exit 2 on an error."""
    from rag.index.build import build_index
    from rag.index.manifest import manifest_stamp

    first = rebuild or manifest_stamp(settings.index_dir) is None
    what = "首次建索引，嵌入全部段落 (first build: every chunk is embedded)" if first else \
        "更新索引，只嵌入新的段落 (update: only new chunks are embedded)"
    err.print(f"正在读取 {settings.corpus_dir} 并加载编码器… {what}", highlight=False,
              soft_wrap=True)
    try:
        return build_index(settings, rebuild=rebuild, progress=progress)
    except RAGError as exc:
        err.print(f"[red]错误 (error):[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc


def print_report(report: BuildReport, err: Console) -> None:
    """Skipped files by name with the reason, what changed, the summary."""
    from rag.kb.jobs import split_error

    for message in report.errors:
        e = split_error(message)
        err.print(f"[yellow]跳过 (skipped)[/yellow] {e['file'] or ''}: {e['message']}",
                  highlight=False, soft_wrap=True)
    for name, docs in (("added", report.added), ("changed", report.changed),
                       ("removed", report.removed)):
        if docs and not report.noop:
            err.print(f"  {name}: {', '.join(docs)}", highlight=False, soft_wrap=True)
    Console().print(f"{report.summary()}\n→ {report.index_dir}", highlight=False,
                    soft_wrap=True)
