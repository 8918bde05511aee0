"""Soft boosts from the query itself: a county or year it names lifts matching passages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rag.corpus.models import Chunk

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["QueryBoost"]

_YEAR = re.compile(r"(20\d{2})\s*年?")


class QueryBoost:
    """Lift passages whose county/year the query names by a share of the best fused score.

    Year matches the document year or a year in the passage's heading path
    (「2023年工作回顾」).

    A soft preference, not a filter: a 绛县 question still sees 洪洞 passages if they
    are the only ones that match.

    Example:
        >>> QueryBoost([], Settings()).mentions("绛县2025年的目标")   # doctest: +SKIP
        ({'绛县'}, {2025})
    """

    def __init__(self, chunks: list[Chunk], settings: Settings) -> None:
        self.county_boost = settings.county_boost
        self.year_boost = settings.year_boost
        self._counties = sorted({c.county for c in chunks if c.county}, key=len, reverse=True)
        self._names = {name: _aliases(name) for name in self._counties}
        self._county_of = [c.county for c in chunks]
        # Years a passage is "about": its document's year and any year in its heading path
        self._years_of = [
            {c.year} | {int(y) for y in _YEAR.findall(" ".join(c.heading_path[1:]))}
            for c in chunks
        ]

    def mentions(self, query: str) -> tuple[set[str], set[int]]:
        counties = {n for n, aliases in self._names.items() if any(a in query for a in aliases)}
        years = {int(y) for y in _YEAR.findall(query)}
        return counties, years

    def apply(self, query: str, fused: dict[int, float], pos: dict[int, int]) -> dict[int, float]:
        if not fused or (self.county_boost <= 0 and self.year_boost <= 0):
            return fused
        counties, years = self.mentions(query)
        if not counties and not years:
            return fused
        top = max(abs(v) for v in fused.values()) or 1.0
        out = {}
        for i, s in fused.items():
            p = pos[i]
            bonus = 0.0
            if counties and self._county_of[p] in counties:
                bonus += self.county_boost
            if years and self._years_of[p] & years:
                bonus += self.year_boost
            out[i] = s + bonus * top
        return out


def _aliases(county: str) -> set[str]:
    """洪洞县 → {洪洞县, 洪洞}; 绛县 → {绛县} (a one-character stem is too ambiguous)."""
    stem = re.sub(r"(自治县|县|市|区)$", "", county)
    return {county, stem} if len(stem) >= 2 else {county}
