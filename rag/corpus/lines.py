"""Line-level clean-up: Markdown markers stripped (and remembered), spaced-out text joined."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.corpus.offsets import MappedStr
from rag.corpus.tables import ROW_MARK

__all__ = ["LineMarks", "strip_markup", "join_spaced"]

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+")
_BULLET = re.compile(r"^[-*•·][ \t]+")
# Four or more single Han characters separated by single spaces: `坚 定 抓 好 党 建`.
_SPACED = re.compile(
    r"(?<![\u4e00-\u9fff])(?:[\u4e00-\u9fff][ \u3000]){3,}[\u4e00-\u9fff](?![\u4e00-\u9fff])"
)


@dataclass(frozen=True)
class LineMarks:
    """Markup found on a line before it was stripped."""

    md_level: int = 0  # `#` count of a Markdown heading
    bold_len: int = 0  # characters of a leading `**bold**` run (run-in heading)
    bullet: bool = False  # starts with `- `, `* `, `•`
    table: bool = False  # a table row (`指标：GDP｜2024年：…`), never a heading or a wrap


def strip_markup(line: MappedStr) -> tuple[MappedStr, LineMarks]:
    """Remove Markdown heading hashes and `**` markers, remembering what they marked.

    Example:
        >>> s, m = strip_markup(MappedStr.literal("**能源产业转型升级。**悦昌煤业复产。"))
        >>> s.text, m.bold_len
        ('能源产业转型升级。悦昌煤业复产。', 9)
    """
    if line.text.startswith(ROW_MARK):
        return line[len(ROW_MARK) :].strip(" \t\u3000"), LineMarks(table=True)
    md_level = 0
    if m := _MD_HEADING.match(line.text):
        md_level = len(m.group(1))
        line = line[m.end() :]
    bold_len = 0
    if "**" in line.text:
        first = line.text.find("**")
        second = line.text.find("**", first + 2)
        if first == 0 and second > 2:
            bold_len = second - 2
        mask = [True] * len(line)
        for m in re.finditer(r"\*\*", line.text):
            mask[m.start()] = mask[m.start() + 1] = False
        line = line.keep(mask)
    bullet = _BULLET.match(line.text) is not None
    return line, LineMarks(md_level, bold_len, bullet)


def join_spaced(line: MappedStr) -> MappedStr:
    """Join spaced-out characters: `坚 定 抓 好 党 建` -> `坚定抓好党建`.

    Example:
        >>> join_spaced(MappedStr.literal("扛牢 坚 定 抓 好 党 建")).text
        '扛牢 坚定抓好党建'
    """
    if " " not in line.text and "\u3000" not in line.text:
        return line
    mask = [True] * len(line)
    for m in _SPACED.finditer(line.text):
        for i in range(m.start(), m.end()):
            if line.text[i] in " \u3000":
                mask[i] = False
    return line.keep(mask)
