"""`rag eval`: run the evaluation set through /ask's code path, print metrics, gate on floors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from rag.cli import app
from rag.exceptions import IndexError_, RAGError

_DEFAULT_DATASET = Path("eval/qa.jsonl")


@app.command("eval")
def eval_command(
    dataset: Annotated[
        Path,
        typer.Option("--dataset", "-d",
                     help="JSONL evaluation set, or SQuAD-style JSON (CMRC 2018 format)"),
    ] = _DEFAULT_DATASET,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a Markdown report (+ PNG chart)")
    ] = None,
    top_k: Annotated[
        int, typer.Option("--top-k", min=1, help="Passages retrieved per question")
    ] = 10,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Only the first N questions")
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Thresholds file (TOML/JSON); exit 1 when a bound is missed"),
    ] = None,
    split: Annotated[
        str, typer.Option("--split", help="fit, test or all: the half of the set to evaluate")
    ] = "all",
    leave_doc_out: Annotated[
        bool,
        typer.Option("--leave-doc-out",
                     help="Also ask each answerable question without its document (gold: decline)"),
    ] = False,
) -> None:
    """Score retrieval, abstention, answers and citations on an evaluation set.

    Exit codes: 0 ok, 1 a threshold was missed, 2 bad input or no index.
    """
    err = Console(stderr=True, soft_wrap=True)
    try:
        code = _run(dataset, as_json, report, top_k, limit, check, err, split, leave_doc_out)
    except IndexError_ as exc:
        msg = str(exc)
        hint = (
            "" if "rag index" in msg else "\n先运行 `rag index` 建立索引 (run `rag index` first)."
        )
        err.print(f"[red]错误 (error):[/red] {msg}{hint}", highlight=False)
        raise typer.Exit(2) from exc
    except RAGError as exc:
        err.print(f"[red]错误 (error):[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


def _run(
    dataset: Path,
    as_json: bool,
    report: Path | None,
    top_k: int,
    limit: int | None,
    check: Path | None,
    err: Console,
    split: str = "all",
    leave_doc_out: bool = False,
) -> int:
    from rag.evaluation.dataset import load_dataset
    from rag.evaluation.harness import default_normalizer, run_eval
    from rag.evaluation.splits import SPLITS, in_split
    from rag.evaluation.squad import is_squad, load_squad
    from rag.evaluation.thresholds import check_thresholds, load_thresholds
    from rag.service import RAGService
    from rag.settings import get_settings

    # Inputs first, so a typo fails before the index loads
    if split not in SPLITS:
        raise RAGError(f"--split 须为 fit、test 或 all (must be fit, test or all), got {split!r}")
    thresholds = load_thresholds(check) if check is not None else None
    squad = load_squad(dataset) if is_squad(dataset) else None
    items = squad.items if squad is not None else load_dataset(dataset)
    items = [it for it in items if in_split(it.split_key, split)][:limit]
    if not items:
        raise RAGError(f"划分 {split} 中没有问题 (no questions in split {split!r}): {dataset}")
    settings = get_settings()
    if top_k > settings.max_top_k:
        raise RAGError(f"--top-k must be at most {settings.max_top_k} (RAG_MAX_TOP_K)")
    if squad is not None:  # its paragraphs are the corpus: built once into the eval cache
        from rag.evaluation.squad import squad_index_report

        for skipped in squad.skipped:
            err.print(f"[yellow]skipped question[/yellow] {skipped}", highlight=False)
        index, build = squad_index_report(squad, settings, progress=err.is_terminal)
        err.print(f"index of {dataset.name}: {build.summary()}", highlight=False)
        service = RAGService(settings, index=index)
    else:
        service = RAGService(settings)

    # Ask every question, with a progress bar on stderr
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        copies = sum(bool(it.answerable and it.doc) for it in items) if leave_doc_out else 0
        task = progress.add_task("eval", total=len(items) + copies)
        run = run_eval(
            service,
            items,
            top_k=top_k,
            normalizer=default_normalizer(),
            on_result=lambda _r: progress.advance(task),
            split=split,
            leave_doc_out=leave_doc_out,
        )
    run.meta["dataset"] = str(dataset)
    run.meta["format"] = "squad" if squad is not None else "jsonl"
    result = run.to_dict()

    # Output: JSON or a table, then the report
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_table(result, len(run.failed()))
    if report is not None:
        from rag.evaluation.report import write_report

        path = write_report(run, report, dataset=str(dataset))
        err.print(f"report: {path} (chart: {path.with_suffix('.png')})", highlight=False)
    for e in result["errors"]:
        err.print(f"[yellow]question {e['id']} failed:[/yellow] {e['error']}", highlight=False)

    # The quality gate
    if thresholds is None:
        return 0
    problems = check_thresholds(result, thresholds)
    for p in problems:
        err.print(f"[red]FAIL[/red] {p}", highlight=False)
    if not problems:
        err.print(f"[green]all thresholds in {check} met[/green]", highlight=False)
    return 1 if problems else 0


def _print_table(result: dict[str, Any], n_failed: int) -> None:
    from rag.evaluation.harness import METRICS
    from rag.evaluation.report import extra_columns, format_value, lodo_columns

    console = Console() if sys.stdout.isatty() else Console(width=220)
    table = Table(title=f"rag eval · {result['meta']['dataset']}", title_justify="left")
    table.add_column("group")
    for metric in METRICS:
        table.add_column(metric, justify="right")
    rows = [("overall", result["overall"]), *result["by_type"].items()]
    for i, (name, row) in enumerate(rows):
        table.add_row(name, *(format_value(row[m], m) for m in METRICS), end_section=i == 0)
    console.print(table)

    # The extra metrics (false abstention, CMRC-scored spans) and leave-document-out, if any
    extra = extra_columns(result["overall"], result["by_type"])
    if extra:
        more = Table(title="answers: false abstention, CMRC-scored spans (x100)",
                     title_justify="left")
        more.add_column("group")
        for metric in extra:
            more.add_column(metric, justify="right")
        for i, (name, row) in enumerate(rows):
            more.add_row(name, *(format_value(row.get(m), m) for m in extra), end_section=i == 0)
        console.print(more)
    lodo = lodo_columns(result["overall"])
    if lodo:
        left = Table(title="leave-document-out: originals + copies asked without their document",
                     title_justify="left")
        for metric in lodo:
            left.add_column(metric, justify="right")
        left.add_row(*(format_value(result["overall"][m], m) for m in lodo))
        console.print(left)
    meta = result["meta"]
    console.print(
        f"{meta['n_questions']} questions (split: {meta['split']}), top_k={meta['top_k']}, "
        f"{meta['seconds']} s; {n_failed} flagged (see --report)",
        highlight=False,
    )
    attribution = _attribution(str(meta.get("dataset", "")))
    if attribution:
        console.print(attribution, highlight=False)


def _attribution(dataset: str) -> str:
    """The credit line figures from a public dataset must carry."""
    from rag.evaluation.report import attribution

    return attribution(dataset)
