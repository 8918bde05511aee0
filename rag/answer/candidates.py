"""Candidate units: the sentences and clauses of the retrieved passages that an answer may quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.answer.query import dated_elsewhere
from rag.answer.text import Span, split_units
from rag.retrieval.models import Hit

__all__ = ["Unit", "candidate_units", "BULLETS"]

BULLETS = ("-", "★", "●", "•", "·", "▲", "◆")


@dataclass
class Unit:
    """A quotable span of one passage, with what the scorer learned about it."""

    hit: Hit
    span: Span
    bullet: bool = False  # a list item (「- …」, 「★…」)
    p: float = 0.0  # the sentence model's probability that it answers the question
    matched: set[str] = field(default_factory=set)  # question terms it contains

    @property
    def doc_start(self) -> int:
        return self.hit.chunk.start + self.span.start

    @property
    def doc_end(self) -> int:
        return self.hit.chunk.start + self.span.end

    @property
    def text(self) -> str:
        return self.span.text


def candidate_units(hits: list[Hit], clause_min_chars: int = 40,
                    years: Sequence[int] = ()) -> list[Unit]:
    """Every sentence of `hits` (long ones cut at ；into clauses), in passage order; for a
    question naming `years`, none dated only to another year (it answers another question),
    unless every one is.

    Example:
        >>> from rag.corpus.models import Chunk
        >>> c = Chunk("c", "d", "d.txt", "T", "", None, [], "甲项目开工。乙项目投产。", 0, 12)
        >>> [u.text for u in candidate_units([Hit(c, 1.0, 1)])]
        ['甲项目开工。', '乙项目投产。']
        >>> c = Chunk("c", "d", "d.txt", "T", "", None, [], "2024年增长5%。全年完成8亿元。", 0, 18)
        >>> [u.text for u in candidate_units([Hit(c, 1.0, 1)], years=[2023])]
        ['全年完成8亿元。']
    """
    units: list[Unit] = []
    for hit in hits:
        text = hit.chunk.text
        # headings and titles are structure, not statements: never quoted as an answer
        heads = {h.strip(" ：:。") for h in (*hit.chunk.heading_path, hit.chunk.title)}
        for sp in split_units(text, clause_min_chars):
            if sp.text.strip(" ：:。") in heads:
                continue
            bullet = text[max(0, sp.start - 2) : sp.start].strip() in BULLETS
            units.append(Unit(hit, sp, bullet))
    if years:
        units = [u for u in units if not dated_elsewhere(u.text, years)] or units
    return units
