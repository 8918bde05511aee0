"""`rag search`: the ranked passages for a question, as text or JSON."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from rag.cli import app
from rag.exceptions import RAGError


@app.command("search")
def search_command(
    question: Annotated[str, typer.Argument(help="The question, e.g. 龙马物流园进展如何")],
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", help="Passages to show")] = None,
    county: Annotated[str | None, typer.Option("--county", help="e.g. 绛县 or 洪洞")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Document year, e.g. 2024")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Source file name")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list")] = False,
) -> None:
    """Search the index: fused dense + BM25 ranking with per-channel scores.

    Exit codes: 0 ok, 2 bad input or no index (run `rag index`).
    """
    from rag.service import RAGService
    from rag.settings import get_settings

    filters: dict[str, Any] = {
        k: v for k, v in {"county": county, "year": year, "source": source}.items() if v
    }
    try:
        service = RAGService(get_settings())
        hits = service.search(question, top_k=top_k, filters=filters or None)
        expansions = service.expansions(question)
    except RAGError as exc:
        Console(stderr=True).print(f"[red]错误 (error):[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc

    if as_json:
        rows = [_row(h) for h in hits]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    out = Console()
    if expansions:
        added = "；".join(f"{w} → {'、'.join(s)}" for w, s in expansions.items())
        out.print(f"[dim]同义扩展 (synonyms added): {added}[/dim]", highlight=False)
    if not hits:
        out.print("没有找到相关段落 (no passages found)")
    for h in hits:
        chans = "  ".join(f"{k}={v:.3f}" for k, v in h.scores.items())
        out.print(f"[bold]{h.rank}.[/bold] {h.score:.4f}  {h.chunk.source}  [dim]{chans}[/dim]",
                  highlight=False)
        out.print(f"   [cyan]{h.chunk.heading}[/cyan]", highlight=False)
        out.print(f"   {h.chunk.text[:200]}{'…' if len(h.chunk.text) > 200 else ''}\n",
                  highlight=False)


def _row(hit: Any) -> dict[str, Any]:
    c = hit.chunk
    return {"rank": hit.rank, "id": c.id, "source": c.source, "title": c.title,
            "county": c.county, "year": c.year, "heading_path": c.heading_path, "text": c.text,
            "start": c.start, "end": c.end, "score": hit.score, "scores": hit.scores}
