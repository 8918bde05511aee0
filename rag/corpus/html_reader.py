"""HTML -> raw text with Markdown-style headings, citeable table rows, and the page's metadata.

Navigation, headers, footers, scripts and site controls are dropped (named in
`info["furniture"]`); a government metadata table (索引号, 发文机关, 主题分类 …) becomes
`info["doc_meta"]`; `h1`–`h6` become `#` headings, a leading `<strong>` a `**bold**` run-in
heading, other tables one `ROW_MARK` line per row.
"""

from __future__ import annotations

import re
from typing import Any

from rag.corpus.govmeta import fields_of_cells
from rag.corpus.tables import table_lines

__all__ = ["read_html", "clean_page_title"]

_DROP_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "button", "select", "input", "svg", "template"]  # fmt: skip
# id/class words of page furniture: menus, breadcrumbs, share bars, footers
_FURNITURE_ATTR = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|header|head|topbar|top"
    r"|sidebar|side|share|bdshare|toolbar|tools|print|position|location|weizhi|dqwz|copyright"
    r"|banner|search|login|links?|friendlink|qrcode|ewm)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_BLOCKS = ["p", "div", "li", "dt", "dd", "section", "article", "blockquote", "pre", "td", "th",
           "tr", "caption", "figcaption", "center", "ul", "ol", "dl", "main", "table"]  # fmt: skip
_SITE_PART = re.compile(r"(?:网|网站|门户|政府|官网|频道|首页|平台)$")


def read_html(data: bytes, *, by_name: bool = True) -> tuple[str, dict[str, Any]]:
    """Raw text of an HTML page and what was learnt about it.

    Boxes whose class or id names them furniture (`nav`, `footer`, `share` …) are dropped
    (`by_name`); a page whose article sits in such a box, leaving next to no text, is read
    again without that step.

    Example:
        >>> html = '''<html><head><title>报告-某县人民政府网</title></head><body>
        ... <div class="nav">首页 | 政务公开</div>
        ... <table><tr><td>索 引 号：</td><td>1114/2024-01</td>
        ... <td>发文机关：</td><td>某县政府</td></tr></table>
        ... <h1>某县2024年政府工作报告</h1><p><strong>一、回顾。</strong>经济增长5%。</p>
        ... <table><tr><th>指标</th><th>2024年</th></tr>
        ... <tr><td>GDP</td><td>100亿元</td></tr></table>
        ... </body></html>'''.encode()
        >>> text, info = read_html(html)
        >>> print(text.replace("\\ue000", ""))
        # 某县2024年政府工作报告
        <BLANKLINE>
        **一、回顾。**经济增长5%。
        <BLANKLINE>
        指标：GDP｜2024年：100亿元
        >>> info["doc_meta"], info["title_candidates"]
        ({'索引号': '1114/2024-01', '发文机关': '某县政府'}, ['某县2024年政府工作报告'])
    """
    if by_name:  # a page whose article sits in a furniture-named box: read it without that
        text, info = _read(data, True)
        if len(text.strip()) < 40:
            fallback = _read(data, False)
            if len(fallback[0].strip()) > len(text.strip()):
                return fallback
        return text, info
    return _read(data, False)


def _read(data: bytes, by_name: bool) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    furniture: list[str] = []
    for tag in soup(_DROP_TAGS):
        if not tag.decomposed:
            _drop(tag, furniture)
    for tag in list(soup.find_all(class_=True) + soup.find_all(id=True)) if by_name else []:
        if tag.decomposed or tag.name in ("html", "body"):
            continue
        attrs = " ".join([*(tag.get("class") or []), str(tag.get("id") or "")])
        if _FURNITURE_ATTR.search(attrs) and not _holds_article(tag):
            _drop(tag, furniture)
    doc_meta: dict[str, str] = {}
    for table in reversed(soup.find_all("table")):  # innermost first
        if table.decomposed:
            continue
        _replace_table(table, doc_meta)
    headings: list[str] = []
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            label = tag.get_text(" ", strip=True)
            if label:
                headings.append(label)
                tag.insert(0, "\n\n" + "#" * level + " ")
                tag.append("\n\n")
    for tag in soup.find_all(["p", "div", "li", "td"]):
        _mark_run_in(tag)
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    root = soup.body or soup
    for tag in root.find_all(_BLOCKS):
        tag.insert(0, "\n")
        tag.append("\n\n")
    text = _tidy(root.get_text())
    first_heading = _first_heading(soup)
    page = clean_page_title(page_title)
    page = "" if _SITE_PART.search(page) else page  # only the site's name
    if page and first_heading and page in first_heading:
        page = first_heading  # <title> shortened the heading
    candidates = [t for t in (page, doc_meta.get("标题", ""), first_heading) if t]
    info: dict[str, Any] = {
        "encoding": soup.original_encoding or "utf-8",
        "html_title": page_title,
        "title_candidates": list(dict.fromkeys(candidates)),
        "structured": True,
    }
    if doc_meta:
        info["doc_meta"] = doc_meta
    if furniture:
        info["furniture"] = furniture
    return text, info


def clean_page_title(title: str) -> str:
    """A page `<title>` without the site name: `报告_某县人民政府网` -> `报告`.

    Example:
        >>> clean_page_title("洪洞县2024年政府工作报告-洪洞县人民政府门户网站")
        '洪洞县2024年政府工作报告'
    """
    parts = [p.strip() for p in re.split(r"\s+[-_|—]+\s+|[_|｜]|-{1,2}|——", title) if p.strip()]
    keep = [p for p in parts if not _SITE_PART.search(p)] or parts
    return max(keep, key=len) if keep else ""


# Tables: metadata tables into doc_meta, layout tables unwrapped, data tables into rows
def _replace_table(table: Any, doc_meta: dict[str, str]) -> None:
    rows: list[list[str]] = []
    header = 0
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = [c for c in tr.find_all(["td", "th"]) if c.find_parent("tr") is tr]
        if tr is table.find("tr") and cells and all(c.name == "th" for c in cells):
            header = 1
        rows.append([c.get_text(" ", strip=True) for c in cells])
    flat = [c for r in rows for c in r]
    meta = fields_of_cells(flat)
    if meta and sum(len(v) for v in meta.values()) >= 0.5 * sum(len(c) for c in flat) - 20:
        doc_meta.update(meta)
        table.decompose()
        return
    if _is_layout(table, rows):
        table.unwrap()
        return
    lines = table_lines(rows, header_rows=header or None)
    table.replace_with("\n\n" + "\n".join(lines) + "\n\n")


def _is_layout(table: Any, rows: list[list[str]]) -> bool:
    """A table used for page layout: one cell, or cells holding paragraphs or other blocks."""
    cells = [c for r in rows for c in r if c]
    if len(cells) <= 1:
        return True
    if table.find(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"]):
        return any(len(c) > 200 for c in cells)
    return any(len(c) > 400 for c in cells)


def _mark_run_in(tag: Any) -> None:
    """`<p><strong>能源产业。</strong>煤矿复产…</p>` -> `**能源产业。**煤矿复产…`."""
    first = next((c for c in tag.children if not (isinstance(c, str) and not c.strip())), None)
    if first is None or getattr(first, "name", None) not in ("strong", "b"):
        return
    label = first.get_text("", strip=True)
    if not label or len(label) > 80 or "\n" in label:
        return
    first.insert(0, "**")
    first.append("**")


def _first_heading(soup: Any) -> str:
    for level in range(1, 4):
        tag = soup.find(f"h{level}")
        if tag is not None:
            label = tag.get_text(" ", strip=True).lstrip("#").strip()
            if label:
                return label
    return ""


def _holds_article(tag: Any) -> bool:
    """A furniture-named wrapper that holds the article itself is kept (class="main-head")."""
    return len(tag.get_text("", strip=True)) > 600 or tag.find(["h1", "article"]) is not None


def _drop(tag: Any, furniture: list[str]) -> None:
    text = " ".join(tag.get_text(" ", strip=True).split())
    if text and tag.name not in ("script", "style", "noscript", "template", "svg"):
        furniture.append(text[:200])
    tag.decompose()


def _tidy(text: str) -> str:
    """Spaces collapsed per line, at most one blank line between paragraphs."""
    out: list[str] = []
    blank = False
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
        out.append(line)
        blank = False
    return "\n".join(out)
