"""`rag add`, `rag remove`, `rag documents`: the knowledge base from the shell."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from rag.cli import app
from rag.exceptions import RAGError

if TYPE_CHECKING:
    from rag.settings import Settings

_CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder (default RAG_CORPUS_DIR)")]
_IndexOpt = Annotated[
    Path | None, typer.Option("--index-dir", help="Index folder (default RAG_INDEX_DIR)")]
_NoIndexOpt = Annotated[
    bool, typer.Option("--no-index", help="Only change the corpus folder; index later")]


def _settings(corpus: Path | None, index_dir: Path | None) -> Settings:
    from rag.settings import get_settings

    settings = get_settings()
    update: dict[str, object] = {
        k: v for k, v in {"corpus_dir": corpus, "index_dir": index_dir}.items() if v}
    update["num_threads"] = settings.index_threads or os.cpu_count() or 1
    return settings.model_copy(update=update)


def _index(settings: Settings, err: Console) -> None:
    from rag.cli.index_cmd import print_report, run_build

    print_report(run_build(settings, rebuild=False, progress=True, err=err), err)


def _fail(err: Console, exc: Exception) -> typer.Exit:
    err.print(f"[red]错误 (error):[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


def _indexed(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """Documents and chunks of the built index, read from disk (no encoder), or empty."""
    from rag.index import storage

    index_dir = Path(settings.index_dir)
    try:
        docs = {d.doc_id: d for d in storage.read_documents(index_dir)}
        chunks = {c.id: c for c in storage.read_chunks(index_dir)}
    except OSError:
        return {}, {}
    return docs, chunks


@app.command("add")
def add_command(
    files: Annotated[list[Path], typer.Argument(help="Files to add (.txt .md .docx .pdf .html)")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite a stored file of the same name")
    ] = False,
    no_index: _NoIndexOpt = False,
    corpus: _CorpusOpt = None,
    index_dir: _IndexOpt = None,
) -> None:
    """Copy files into the corpus with the upload checks (name, size, type, zip bombs,
    HTML depth, a trial parse), then index them. Nothing is copied unless all pass.

    Exit codes: 0 ok, 2 a file was refused (its name and the limit are printed).
    """
    from rag.kb import commit_staged, stage_files, staging_dir
    from rag.kb.store import discard

    err = Console(stderr=True)
    settings = _settings(corpus, index_dir)
    folder = staging_dir(settings)
    try:
        pairs: list[tuple[str, Path]] = []
        for i, src in enumerate(files):
            if not src.is_file():
                raise _fail(err, RAGError(f"没有这个文件：{src} (no such file)"))
            tmp = folder / f"part{i}"
            shutil.copyfile(src, tmp)
            pairs.append((src.name, tmp))
        try:
            staged = stage_files(pairs, settings, replace=replace)
        except RAGError as exc:
            raise _fail(err, exc) from exc
        for name in commit_staged(staged, settings):
            err.print(f"已加入 (added) {Path(settings.corpus_dir) / name}", highlight=False,
                      soft_wrap=True)
    finally:
        discard(folder)
    if not no_index:
        _index(settings, err)


@app.command("remove")
def remove_command(
    doc_id: Annotated[str, typer.Argument(help="Document id or file name (see `rag documents`)")],
    no_index: _NoIndexOpt = False,
    corpus: _CorpusOpt = None,
    index_dir: _IndexOpt = None,
) -> None:
    """Delete a document's file from the corpus (and its manifest entry), then re-index.

    Exit codes: 0 ok, 2 no such document.
    """
    from rag.kb import find_stored, remove_document

    err = Console(stderr=True)
    settings = _settings(corpus, index_dir)
    docs, _ = _indexed(settings)
    sources = {d.doc_id: d.source for d in docs.values()}
    source = find_stored(doc_id, settings, sources)
    try:
        if source is None:
            from rag.exceptions import DocumentNotFoundError

            raise DocumentNotFoundError(f"没有这个文档：{doc_id} (unknown document id; "
                                        "see `rag documents`)")
        remove_document(source, settings, indexed=source in sources.values())
    except RAGError as exc:
        raise _fail(err, exc) from exc
    err.print(f"已删除 (removed) {source}", highlight=False, soft_wrap=True)
    if not no_index:
        _index(settings, err)


@app.command("documents")
def documents_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    corpus: _CorpusOpt = None,
    index_dir: _IndexOpt = None,
) -> None:
    """Every document: id, title, county, year, chunk count, status (indexed, pending…)."""
    from rich.table import Table

    from rag.kb import catalogue

    settings = _settings(corpus, index_dir)
    docs, chunks = _indexed(settings)
    rows = catalogue(settings, docs, chunks)
    if as_json:
        typer.echo(json.dumps({"count": len(rows), "documents": rows}, ensure_ascii=False,
                              indent=2))
        return
    table = Table("doc_id", "title", "county", "year", "chunks", "status", show_lines=False)
    for r in rows:
        status = r["status"] + (f": {r['error']}" if r.get("error") else "")
        table.add_row(r["doc_id"], (r["title"] or "")[:30], r["county"] or "—",
                      str(r["year"] or "—"), str(r["chunks"]), status)
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} documents · {settings.corpus_dir} → {settings.index_dir}",
                  highlight=False)
