"""Markdown report of an eval run: metric tables, a per-type chart, and the failed questions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rag.evaluation.harness import (
    CMRC_SCALE,
    EXTRA_METRICS,
    LODO_METRICS,
    METRICS,
    EvalRun,
    QuestionResult,
)
from rag.evaluation.metrics import strip_whitespace

__all__ = [
    "write_report",
    "markdown_table",
    "extra_table",
    "lodo_table",
    "extra_columns",
    "lodo_columns",
    "attribution",
    "plot_by_type",
    "format_value",
]

# Credit lines for public datasets, matched on the file name
_ATTRIBUTIONS = {
    "cmrc2018": "Data: CMRC 2018 (Cui et al., \"A Span-Extraction Dataset for Chinese Machine "
    "Reading Comprehension\", EMNLP 2019), CC BY-SA 4.0.",
}

# Metrics drawn in the per-type chart (scores in 0..1)
CHART_METRICS = (
    "hit@5",
    "mrr@10",
    "evidence_recall@5",
    "answer_char_f1",
    "citation_precision",
    "abstain_recall",
)
SNIPPET_CHARS = 80
SHOWN_PASSAGES = 5


def format_value(value: float | int | None, metric: str = "") -> str:
    """How a metric is shown: counts as is, latencies and CMRC scores (x100) with 1 decimal,
    other scores with 3.

    Example:
        >>> format_value(0.91666), format_value(12), format_value(None)
        ('0.917', '12', '—')
        >>> format_value(35.25, "latency_ms_p50"), format_value(18.94, "direct_f1")
        ('35.2', '18.9')
    """
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    wide = metric.startswith("latency") or metric in CMRC_SCALE
    return f"{value:.1f}" if wide else f"{value:.3f}"


def extra_columns(
    overall: dict[str, float | int | None], by_type: dict[str, dict[str, float | int | None]]
) -> list[str]:
    """The extra metrics defined (not None) in some group, in table order.

    Example:
        >>> extra_columns({"false_abstention": 0.1, "direct_f1": None}, {})
        ['false_abstention']
    """
    rows = [overall, *by_type.values()]
    return [k for k in EXTRA_METRICS if any(row.get(k) is not None for row in rows)]


def lodo_columns(overall: dict[str, float | int | None]) -> list[str]:
    """The leave-document-out metrics present in the overall row (none without the option)."""
    return [k for k in LODO_METRICS if k in overall]


def attribution(dataset: str) -> str:
    """The credit line a public dataset's figures carry ("" for other files).

    Example:
        >>> attribution("../shared/cmrc2018/cmrc2018_trial.json").split(" (")[0]
        'Data: CMRC 2018'
        >>> attribution("eval/qa.jsonl")
        ''
    """
    name = Path(dataset).name.lower()
    return next((text for key, text in _ATTRIBUTIONS.items() if key in name), "")


def extra_table(run: EvalRun) -> str:
    """False abstention, answers supported and CMRC-scored spans per group ("" when none is
    defined)."""
    columns = extra_columns(run.overall, run.by_type)
    if not columns:
        return ""
    rows = ["| group | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, row in [("**overall**", run.overall), *run.by_type.items()]:
        rows.append(f"| {name} | " + " | ".join(format_value(row.get(k), k) for k in columns)
                    + " |")
    return "\n".join(rows)


def lodo_table(run: EvalRun) -> str:
    """The leave-document-out metrics as a one-row table ("" without the option)."""
    columns = lodo_columns(run.overall)
    if not columns:
        return ""
    return "\n".join([
        "| " + " | ".join(columns) + " |",
        "|" + "---:|" * len(columns),
        "| " + " | ".join(format_value(run.overall[k], k) for k in columns) + " |",
    ])


def markdown_table(run: EvalRun) -> str:
    """Rows: overall, then each type; columns: every metric (paste-ready for the README)."""
    header = "| group | " + " | ".join(METRICS) + " |"
    rule = "|---|" + "---:|" * len(METRICS)
    rows = [header, rule]
    groups = [("**overall**", run.overall)] + list(run.by_type.items())
    for name, row in groups:
        rows.append(f"| {name} | " + " | ".join(format_value(row[k], k) for k in METRICS) + " |")
    return "\n".join(rows)


def plot_by_type(run: EvalRun, path: Path) -> Path:
    """Grouped bars of the chart metrics per question type, saved as PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = ["overall", *run.by_type]
    rows = [run.overall, *run.by_type.values()]
    width = 0.8 / len(CHART_METRICS)
    fig, ax = plt.subplots(figsize=(max(8.0, 1.1 * len(groups) + 2), 4.5))
    for j, metric in enumerate(CHART_METRICS):
        values = [float(row[metric] or 0.0) for row in rows]
        xs = [i + (j - (len(CHART_METRICS) - 1) / 2) * width for i in range(len(groups))]
        ax.bar(xs, values, width=width, label=metric)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{g}\n(n={row['n']})" for g, row in zip(groups, rows, strict=True)])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title("RAG eval by question type")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(run: EvalRun, path: str | Path, dataset: str = "") -> Path:
    """Write the Markdown report and its chart (`<stem>.png` beside it).

    Example:
        >>> write_report(run, "artifacts/eval-report.md")  # doctest: +SKIP
        PosixPath('artifacts/eval-report.md')
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    chart = plot_by_type(run, out.with_suffix(".png"))
    failed = run.failed()
    meta = run.meta

    # Header and metric tables
    lines = [
        "# Evaluation report",
        "",
        f"- dataset: `{dataset}` ({meta.get('n_questions', len(run.results))} questions)",
        f"- top_k: {meta.get('top_k')}, embedding model: `{meta.get('embedding_model')}`, "
        f"fusion: `{meta.get('fusion')}`, LLM: {'on' if meta.get('llm') else 'off (extractive)'}",
        f"- run: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}, {meta.get('seconds')} s",
        f"- split: {meta.get('split', 'all')}"
        + (", leave-document-out: on" if meta.get("leave_doc_out") else ""),
        *([f"- {attribution(dataset)}"] if attribution(dataset) else []),
        "",
        "Retrieval metrics and answer_char_f1 count answerable questions only; abstention "
        "treats 'the system abstained' as the positive class; latency is wall clock around "
        "`RAGService.ask` (the /ask code path).",
        "",
        markdown_table(run),
        "",
    ]
    extra = extra_table(run)
    if extra:
        lines += ["False abstention is the share of answerable questions declined; "
                  "answers_supported the share of answers with a citation whose passage holds "
                  "the evidence (per answer, where citation_precision pools citations). direct_* "
                  "score `direct_answer` (the answer text when it is empty) with CMRC 2018's "
                  "char-level F1/EM (x100); answer_text_* score the whole answer text without "
                  "[n] markers; direct_filled is the share of answers with a direct span.",
                  "", extra, ""]
    lines += [
        f"![per-type scores]({chart.name})",
        "",
        f"## Failed questions ({len(failed)} of {len(run.results)})",
        "",
    ]
    # One section per failed question, with what was retrieved
    for r in failed:
        lines += _failure_section(r)
    if not failed:
        lines.append("None.")
    if meta.get("leave_doc_out"):
        lines += ["", *_lodo_section(run)]
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return out


def _failure_section(r: QuestionResult) -> list[str]:
    item = r.item
    lines = [f"### {item.id} · {item.type} · {'; '.join(r.failures())}", ""]
    lines.append(f"- question: {item.question}")
    for turn in item.history:
        lines.append(f"- history ({turn.role}): {turn.content}")
    if r.rewritten_question and r.rewritten_question != item.question:
        lines.append(f"- rewritten: {r.rewritten_question}")
    lines.append(f"- reference: {item.answer or '(unanswerable)'} (doc `{item.doc}`)")
    if item.evidence:
        lines.append("- evidence: " + " / ".join(f"「{e}」" for e in item.evidence))
    verdict = "answered" if r.answerable else "abstained"
    lines.append(f"- system ({verdict}, char-F1 {r.f1:.2f}): {_cell(r.answer, 240)}")
    lines.append("")
    if r.passages:
        lines += ["| rank | evidence | source | heading path | snippet |", "|---:|:-:|---|---|---|"]
        for hit, rel in list(zip(r.passages, r.relevant, strict=False))[:SHOWN_PASSAGES]:
            c = hit.chunk
            snippet = _cell(_snippet(c.text, item.evidence), SNIPPET_CHARS)
            lines.append(
                f"| {hit.rank or '?'} | {'✓' if rel else ''} | {c.source} | "
                f"{_heading(c.heading_path)} | {snippet} |"
            )
        lines.append("")
    return lines


def _lodo_section(run: EvalRun) -> list[str]:
    """The leave-document-out metrics and every copy answered though its document was gone."""
    wrong = [r for r in run.copies if r.answerable and not r.item.answerable]
    kept = [r for r in run.copies if r.item.answerable]
    lines = [
        "## Leave-document-out",
        "",
        "Each answerable question that names its document was asked again against the index "
        "without that document; the right behaviour is to decline, unless an evidence string "
        f"is still in another document ({len(kept)} of {len(run.copies)} copies). Abstention "
        "precision/recall count the original questions plus their copies.",
        "",
        lodo_table(run),
        "",
        f"### Copies answered without their document ({len(wrong)} of "
        f"{len(run.copies) - len(kept)})",
        "",
    ]
    if wrong:
        lines += ["| question | removed doc | question text | answer | cited |",
                  "|---|---|---|---|---|"]
    for r in wrong:
        cited = ", ".join(dict.fromkeys(r.cited)) or "—"
        lines.append(f"| {r.copy_of} | {r.item.doc} | {_cell(r.item.question, 60)} | "
                     f"{_cell(r.answer, 120)} | {cited} |")
    if not wrong:
        lines.append("None.")
    failed_kept = [r for r in kept if r.failures()]
    if failed_kept:
        lines += ["", f"### Copies still answerable that failed ({len(failed_kept)})", ""]
        lines += [f"- {r.copy_of}: {'; '.join(r.failures())}" for r in failed_kept]
    return lines


def _snippet(text: str, evidence: tuple[str, ...]) -> str:
    """Around the first evidence string found in the passage, else its opening."""
    flat = strip_whitespace(text)
    for e in evidence:
        i = flat.find(strip_whitespace(e))
        if i >= 0:
            start = max(0, i - 20)
            return ("…" if start else "") + flat[start : start + SNIPPET_CHARS]
    return flat


def _heading(path: list[str], limit: int = 60) -> str:
    """The section path without the document title; the deepest part kept when too long."""
    text = _cell(" › ".join(path[1:] if len(path) > 1 else path), 10_000)
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _cell(text: str, limit: int) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"
