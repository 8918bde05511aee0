"""`rag ask "问题"`: a cited answer (or an honest abstention) on the terminal, or as /ask JSON."""

from __future__ import annotations

import json
from typing import Any

import typer

from rag.cli import app

__all__ = ["ask"]


def _filters(county: str | None, year: int | None, source: str | None) -> dict[str, Any] | None:
    f = {k: v for k, v in (("county", county), ("year", year), ("source", source)) if v}
    return f or None


def short_direct(direct: str, quote: str) -> bool:
    """Whether the direct answer is worth showing apart: a short span, not the quote itself."""
    ends = "。；;，,"
    return bool(direct) and len(direct) <= 40 and direct.rstrip(ends) != quote.rstrip(ends)


def _print_answer(ans: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    con = Console(highlight=False)
    if ans.rewritten_question:
        con.print(f"[dim]（按上下文理解为：{escape(ans.rewritten_question)}）[/dim]")
    if ans.answerable and short_direct(ans.direct_answer, ans.citations[0].quote):
        con.print(f"[bold]{escape(ans.direct_answer)}[/bold]")
    con.print(escape(ans.answer))
    if ans.citations:
        con.print("\n[bold]来源 (sources)[/bold]")
        for c in ans.citations:
            where = " › ".join([c.title, *[h for h in c.heading_path if h != c.title]])
            span = f"{c.source} {c.quote_start}-{c.quote_end}"
            con.print(f"[{c.n}] {escape(where)}  [dim]({escape(span)})[/dim]")
            for q in c.quotes or [{"quote": c.quote}]:
                con.print(f"    「{escape(str(q['quote']))}」")
    elif ans.passages:
        con.print("\n[bold]最接近的资料 (closest passages)[/bold]")
        for i, h in enumerate(ans.passages[:3], 1):
            text = h.chunk.text.replace("\n", " ")
            con.print(f"{i}. {escape(h.chunk.title)} › {escape(h.chunk.heading)}")
            con.print(f"    {escape(text[:120])}{'…' if len(text) > 120 else ''}")
    for note in ans.notes:
        if not note.startswith(("abstained", "llm")):
            con.print(f"[yellow]{escape(note)}[/yellow]")


@app.command()
def ask(
    question: str = typer.Argument(..., help="问题, e.g. 「龙马物流园进展如何？」"),
    as_json: bool = typer.Option(False, "--json", help="Print the /ask JSON (Answer.to_dict())"),
    top_k: int | None = typer.Option(None, "--top-k", "-k", help="Passages to use and show"),
    county: str | None = typer.Option(None, "--county", help="Only this county, e.g. 洪洞县"),
    year: int | None = typer.Option(None, "--year", help="Only documents of this year"),
    source: str | None = typer.Option(None, "--source", help="Only this source file"),
) -> None:
    """Answer a question from the indexed documents, every sentence cited [n]."""
    from rag.exceptions import IndexError_, QueryError, RAGError
    from rag.service import RAGService

    svc = RAGService()
    try:
        ans = svc.ask(question, top_k=top_k, filters=_filters(county, year, source))
    except IndexError_ as e:
        hint = "" if "rag index" in str(e) else "\n请先运行 `rag index` (run `rag index` first)."
        typer.echo(f"索引不可用 (index unavailable): {e}{hint}", err=True)
        raise typer.Exit(2) from e
    except QueryError as e:
        typer.echo(f"问题无效 (invalid request): {e}", err=True)
        raise typer.Exit(2) from e
    except RAGError as e:
        typer.echo(f"出错了 (error): {e}", err=True)
        raise typer.Exit(1) from e
    if as_json:
        typer.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(ans)
