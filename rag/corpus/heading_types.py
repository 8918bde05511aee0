"""The Heading record and the rank of each heading style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Heading", "STYLE_RANKS", "NUMBERED_STYLES"]

# Rank of each heading style: a smaller rank is a higher level. Markdown `#`..`######`
# rank 1..6. A new heading closes every open heading of equal or larger rank.
STYLE_RANKS: dict[str, int] = {
    "break": 0,  # nameless: a list of slogans/captions that belongs to no section
    "chapter_num": 10,  # 第一章
    "year": 15,  # 2024年工作回顾, 2023 踵事增华…
    "plain_long": 20,  # stand-alone two-part line: 实施新增长极战略 着力发展多元现代产业
    "section_num": 22,  # 第一节
    "cn_num": 25,  # 一、
    "plain_short": 30,  # stand-alone short line: 培育壮大创新主体
    "article_num": 35,  # 第一条 (a regulation's article; body on the same line)
    "paren_num": 40,  # （一）
    "arabic_num": 50,  # 1.
    "paren_arabic": 55,  # (1)
    "bold_long": 60,  # **激活产业“驱动力”，发展动力活力不断增强。**
    "bold_short": 65,  # **能源产业转型升级。**
    "bullet": 70,  # - 做大传统产业 (only when body text follows it)
    "lead": 80,  # 强化基层治理底线思维。 opening a paragraph
    "dash": 85,  # ——经济运行总体平稳。 a lead phrase after a dash: the lowest level
    "dash_end": 85,  # nameless: the paragraph after a dash item is no longer under it
}

NUMBERED_STYLES = frozenset(
    {
        "chapter_num",
        "cn_num",
        "section_num",
        "article_num",
        "paren_num",
        "arabic_num",
        "paren_arabic",
    }
)


@dataclass(frozen=True)
class Heading:
    """A heading found in a document.

    `start`/`end` is the heading text inside `Document.text` (for run-in and lead
    headings, the opening phrase of the paragraph); `label` is what the heading path
    shows; `para` is the index of the paragraph whose start opens the section.
    """

    para: int
    start: int
    end: int
    label: str
    style: str
    inline: bool = False  # run-in: body text follows on the same paragraph
    reset: bool = False  # opens a new article: closes every open heading first

    def to_record(self) -> list[Any]:
        """Compact JSON-able form kept in `Document.meta["headings"]`.

        Example:
            >>> Heading(3, 10, 18, "发展成就", "plain_short").to_record()
            [10, 18, '发展成就', 'plain_short', '']
        """
        flags = ",".join(f for f, on in (("inline", self.inline), ("reset", self.reset)) if on)
        return [self.start, self.end, self.label, self.style, flags]

    @classmethod
    def from_record(cls, record: Sequence[Any]) -> Heading:
        """Inverse of `to_record` (the paragraph index is not kept: -1)."""
        flags = str(record[4]).split(",") if len(record) > 4 else []
        return cls(
            -1,
            int(record[0]),
            int(record[1]),
            str(record[2]),
            str(record[3]),
            inline="inline" in flags,
            reset="reset" in flags,
        )

    @property
    def rank(self) -> int:
        return STYLE_RANKS.get(
            self.style, int(self.style[2:]) if self.style.startswith("md") else 99
        )
