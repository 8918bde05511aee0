"""PDF text layer -> paragraphs, without running headers, footers and page numbers.

A line is a running header or footer when it stands among the first or last lines of most
pages (digits ignored, so `第 3 页` and `第 4 页` are the same line); page numbers
(`- 3 -`, `3/12`, `第3页 共12页`) go too. Lines that fill the column and do not end a sentence
are joined with the next, also across a page break.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from rag.corpus.cjk import ends_sentence
from rag.exceptions import DocumentLoadError

__all__ = ["read_pdf", "page_paragraphs"]

_PAGE_NUMBER = re.compile(
    r"^[\s\-—–_·•()（）\[\]]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:[/／]\s*\d{1,4}|共\s*\d{1,4}\s*页)?"
    r"[\s\-—–_·•()（）\[\]]*$|^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_EDGE = 2  # lines at the top and bottom of a page that may be running furniture
_HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条篇]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)])"
)


def read_pdf(data: bytes, path: str = "") -> tuple[str, dict[str, Any]]:
    """Raw text of a PDF's text layer, one paragraph per block.

    Raises:
        DocumentLoadError: the PDF has no text layer (a scan).
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    pages = [(page.extract_text() or "") for page in reader.pages]
    if not any(p.strip() for p in pages):
        raise DocumentLoadError(path, "PDF has no text layer (scanned images need OCR first)")
    paragraphs, furniture = page_paragraphs(pages)
    title = ""
    meta = reader.metadata
    if meta is not None and meta.title:
        title = str(meta.title).strip()
    info: dict[str, Any] = {
        "encoding": "pdf",
        "pages": len(pages),
        "structured": True,
        "title_candidates": [title] if title else [],
    }
    if furniture:
        info["furniture"] = furniture
    return "\n\n".join(paragraphs), info


def page_paragraphs(pages: list[str]) -> tuple[list[str], list[str]]:
    """Paragraphs of the pages' text and the furniture lines removed.

    Example:
        >>> pages = ["某县报告\\n一、回顾\\n今年经济运行平稳，生产总值\\n增长五。\\n- 1 -",
        ...          "某县报告\\n二、安排\\n明年目标是增长六。\\n- 2 -"]
        >>> paragraphs, furniture = page_paragraphs(pages)
        >>> paragraphs
        ['一、回顾', '今年经济运行平稳，生产总值增长五。', '二、安排', '明年目标是增长六。']
        >>> furniture
        ['某县报告', '- 1 -', '某县报告', '- 2 -']
    """
    page_lines = [[" ".join(x.split()) for x in p.split("\n")] for p in pages]
    page_lines = [[x for x in lines if x] for lines in page_lines]
    repeated = _running_lines(page_lines)
    furniture: list[str] = []
    kept: list[list[str]] = []
    for lines in page_lines:
        out = []
        for n, line in enumerate(lines):
            edge = n < _EDGE or n >= len(lines) - _EDGE
            if edge and (_PAGE_NUMBER.match(line) or _key(line) in repeated):
                furniture.append(line)
            else:
                out.append(line)
        kept.append(out)
    lines = [x for page in kept for x in page]
    if not lines:
        return [], furniture
    long_lines = sorted(len(x) for x in lines)
    width = long_lines[int(0.9 * (len(long_lines) - 1))]
    full = max(8, int(0.85 * width))
    paragraphs: list[str] = []
    current: list[str] = []
    for n, line in enumerate(lines):
        current.append(line)
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        wraps = len(line) >= full and not ends_sentence(line, line=True) and nxt
        if not wraps or _HEADING_START.match(nxt):
            paragraphs.append(_join(current))
            current = []
    if current:
        paragraphs.append(_join(current))
    return paragraphs, furniture


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines at a page edge on at least half of the pages (and two or more)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = {
            _key(x)
            for x in lines[:_EDGE] + lines[-_EDGE:]
            if not ends_sentence(x) and not _HEADING_START.match(x)  # body text, a heading
        }
        counts.update(edges)
    need = max(2, int(0.5 * len(pages) + 0.5))
    return {k for k, n in counts.items() if n >= need and k}


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.replace(" ", ""))


def _join(parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        latin = out[-1:].isascii() and out[-1:].isalnum() and part[:1].isascii()
        out += (" " if latin else "") + part
    return out
