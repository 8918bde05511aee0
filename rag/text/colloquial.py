"""Everyday words and the words official documents use for them (`colloquial.tsv`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["colloquial_table", "colloquial_variants"]

_FILE = Path(__file__).with_name("colloquial.tsv")


@lru_cache(maxsize=1)
def colloquial_table() -> dict[str, tuple[str, ...]]:
    """word → (word, document words…), read once from the data file."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, rest = line.partition("\t")
        variants = tuple(v for v in rest.split("|") if v)
        table[word] = (word, *[v for v in variants if v != word])
    return table


def colloquial_variants(word: str) -> tuple[str, ...]:
    """The strings that count as `word` in a document (empty when it has no entry).

    Example:
        >>> colloquial_variants("涨")[:2]
        ('涨', '增长')
        >>> colloquial_variants("龙马物流园")
        ()
    """
    return colloquial_table().get(word, ())
