"""docx -> raw text: heading styles and outline levels as `#`, bold run-ins, tables as rows.

Paragraphs and tables are read in body order. A paragraph is a heading when its style is
a heading style (`Heading 2`, `标题 2`, `Title`) or it (or its style) carries an outline
level; a leading bold run followed by plain text becomes a `**bold**` run-in heading.
The core properties' title is offered as a title candidate after the first heading.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rag.corpus.govmeta import fields_of_cells
from rag.corpus.tables import table_lines

__all__ = ["read_docx"]

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_BAD_CORE_TITLE = re.compile(r"^(?:microsoft word|untitled|无标题|文档\d*|document\d*)", re.I)


def read_docx(data: bytes) -> tuple[str, dict[str, Any]]:
    """Raw text of a .docx file and what was learnt about it.

    Example:
        >>> import docx
        >>> d = docx.Document()
        >>> _ = d.add_heading("某县2024年工作报告", level=1)
        >>> p = d.add_paragraph()
        >>> p.add_run("能源产业转型升级。").bold = True
        >>> _ = p.add_run("煤矿复产。")
        >>> buf = io.BytesIO(); d.save(buf)
        >>> text, info = read_docx(buf.getvalue())
        >>> print(text)
        # 某县2024年工作报告
        <BLANKLINE>
        **能源产业转型升级。**煤矿复产。
        >>> info["title_candidates"]
        ['某县2024年工作报告']
    """
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    headings: list[str] = []
    doc_meta: dict[str, str] = {}
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            level = _heading_level(para)
            if level:
                headings.append(" ".join(text.split()))
                blocks.append("#" * level + " " + " ".join(text.split()))
            else:
                blocks.append(_run_in(para) or text)
        elif child.tag == qn("w:tbl"):
            rows = _rows(Table(child, document))
            meta = fields_of_cells([c for r in rows for c in r])
            if meta:
                doc_meta.update(meta)
                continue
            lines = table_lines(rows)
            if lines:
                blocks.append("\n".join(lines))
    core = (document.core_properties.title or "").strip()
    candidates = [headings[0]] if headings else []
    if core and not _BAD_CORE_TITLE.match(core):
        candidates.append(core)
    info: dict[str, Any] = {
        "encoding": "docx",
        "title_candidates": list(dict.fromkeys(candidates)),
        "structured": True,
    }
    if doc_meta:
        info["doc_meta"] = doc_meta
    return "\n\n".join(blocks), info


def _heading_level(para: Any) -> int:
    """`#` count for a heading paragraph (Title and Heading 1: 1, Heading N: N; outline
    level N-1: N), 0 for body text."""
    style = para.style
    name = (style.name if style is not None else "") or ""
    if name.lower() == "title" or name == "标题":
        return 1
    if m := _HEADING_STYLE.match(name.strip()):
        return max(1, min(6, int(m.group(1))))
    level = _outline_level(para._p)
    while level is None and style is not None:  # the style (or the one it is based on)
        level = _outline_level(style.element)
        style = style.base_style
    return min(6, level + 1) if level is not None and level < 9 else 0


def _outline_level(element: Any) -> int | None:
    from docx.oxml.ns import qn

    ppr = element.find(qn("w:pPr"))
    node = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if node is None:
        return None
    try:
        return int(node.get(qn("w:val")))
    except (TypeError, ValueError):
        return None


def _run_in(para: Any) -> str:
    """`**bold lead**rest` when the paragraph opens with bold runs and goes on in plain text."""
    runs = [r for r in para.runs if r.text]
    lead: list[str] = []
    for n, run in enumerate(runs):
        if not _bold(run, para):
            rest = "".join(r.text for r in runs[n:])
            label = "".join(lead).strip()
            if label and rest.strip() and len(label) <= 80:
                return f"**{label}**{rest.strip()}"
            return ""
        lead.append(run.text)
    label = "".join(lead).strip()
    return f"**{label}**" if label and len(label) <= 40 else ""  # a short bold line: a heading


def _bold(run: Any, para: Any) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    style = para.style
    while style is not None:
        font = getattr(style, "font", None)
        if font is not None and font.bold is not None:
            return bool(font.bold)
        style = style.base_style
    return False


def _rows(table: Any) -> list[list[str]]:
    """Cell texts per row; a merged cell (the same cell object repeated) counts once."""
    rows: list[list[str]] = []
    for row in table.rows:
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if last is not None and cell._tc is last:
                continue
            last = cell._tc
            cells.append(" ".join(cell.text.split()))
        rows.append(cells)
    return rows
