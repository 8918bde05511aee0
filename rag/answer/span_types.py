"""Semantic classes of words (HIT Cilin codes), to match an answer's head to the question's noun."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = ["word_classes", "class_match"]

_CODES: dict[str, tuple[str, ...]] | None = None
_LOCK = threading.Lock()


def _codes() -> dict[str, tuple[str, ...]]:
    global _CODES
    if _CODES is None:
        with _LOCK:
            if _CODES is None:
                out: dict[str, list[str]] = {}
                try:
                    dist = metadata.distribution("cilin")
                    path = Path(str(dist.locate_file("data/cilin_tree.json")))
                    tree = json.loads(path.read_text(encoding="utf-8"))
                except (metadata.PackageNotFoundError, OSError, ValueError):
                    tree = {}
                from rag.text.thesaurus import _leaf_groups

                for code, words in _leaf_groups(tree).items():
                    for w in words:
                        out.setdefault(w, []).append(code)
                _CODES = {w: tuple(c) for w, c in out.items()}
    return _CODES


def word_classes(word: str) -> tuple[str, ...]:
    """Cilin codes of `word` (empty when Cilin lacks it or is not installed).

    Example:
        >>> word_classes("公司")
        ('Dm04A01=',)
    """
    return _codes().get(word, ())


@lru_cache(maxsize=4096)
def class_match(a: str, b: str) -> int:
    """How deep the closest Cilin classes of two words agree: 0 (not at all) to 5 (one group):
    1 the major class (A 人, B 物, C 时空, D 抽象…), 2 the middle, 3-4 the minor, 5 the group.

    Example:
        >>> class_match("颜色", "银灰色"), class_match("职务", "议员"), class_match("公司", "颜色")
        (4, 4, 0)
    """
    best = 0
    for x in word_classes(a):
        for y in word_classes(b):
            k = 0
            for depth, end in enumerate((1, 2, 4, 5, 7), start=1):
                if x[:end] != y[:end]:
                    break
                k = depth
            best = max(best, k)
    return best
