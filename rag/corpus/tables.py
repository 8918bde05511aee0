"""Tables -> text rows a reader can cite: `指标：地区生产总值｜2024年：1234亿元｜增长：5%`."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["table_lines", "ROW_MARK", "CELL_SEP"]

ROW_MARK = "\ue000"  # starts a table row in raw text (private use); the normaliser strips it
CELL_SEP = "｜"
_UNIT = r"[\s\d.,，%％+\-−—～~/()（）亿万千百元吨户个人次]"
_NUMBER = re.compile(rf"^{_UNIT}*\d{_UNIT}*$")
_YEAR = re.compile(r"^(?:19|20)\d{2}\s*年?度?$")
_MAX_HEADER_CELL = 16


def table_lines(rows: Sequence[Sequence[str]], header_rows: int | None = None) -> list[str]:
    """One line per data row, each cell labelled by its column header.

    The first row is the header when it is marked (`header_rows`) or looks like one (short,
    non-numeric cells above rows with numbers). Two-column tables without a header read as
    `key：value`. Empty rows and repeated merged cells are dropped; every line starts with
    `ROW_MARK`.

    Example:
        >>> rows = [["指标", "2024年", "增长"], ["地区生产总值", "1234亿元", "5.1%"]]
        >>> [x.lstrip(ROW_MARK) for x in table_lines(rows)]
        ['指标：地区生产总值｜2024年：1234亿元｜增长：5.1%']
        >>> [x.lstrip(ROW_MARK) for x in table_lines([["面积", "1563平方公里"]])]
        ['面积：1563平方公里']
    """
    clean = [_dedupe([_cell(c) for c in row]) for row in rows]
    clean = [r for r in clean if any(r)]
    if not clean:
        return []
    width = max(len(r) for r in clean)
    if header_rows is None:
        header_rows = 1 if _looks_like_header(clean) else 0
    header = clean[0] if header_rows else []
    body = clean[header_rows:] if header_rows else clean
    lines: list[str] = []
    for row in body:
        if header and len(header) == len(row):
            pairs = zip(header, row, strict=True)
            cells = [f"{h}：{v}" if h and v and h != v else v for h, v in pairs]
        elif width == 2 and len(row) == 2 and row[0] and row[1]:
            cells = [f"{row[0]}：{row[1]}"]
        else:
            cells = row
        text = CELL_SEP.join(c for c in cells if c)
        if text:
            lines.append(ROW_MARK + text)
    if header and not body:  # a table of one header-like row: keep it as a row
        lines.append(ROW_MARK + CELL_SEP.join(c for c in header if c))
    return lines


def _cell(text: str) -> str:
    """A cell's text on one line, spaces collapsed, separators escaped."""
    return " ".join(text.split()).replace(CELL_SEP, "|")


def _dedupe(cells: list[str]) -> list[str]:
    """Merged cells repeat their text in each grid position: keep one."""
    out: list[str] = []
    for c in cells:
        if not out or c != out[-1] or not c:
            out.append(c)
    return out


def _looks_like_header(rows: list[list[str]]) -> bool:
    if len(rows) < 2 or len(rows[0]) < 2:
        return False
    first = rows[0]
    if any(len(c) > _MAX_HEADER_CELL for c in first):
        return False
    if any(_NUMBER.match(c) and not _YEAR.match(c) for c in first):
        return False  # a number in the first row: it is data
    numeric = sum(bool(_NUMBER.match(c)) for r in rows[1:] for c in r[1:])
    wide = len(first) >= 3
    return numeric > 0 or wide
