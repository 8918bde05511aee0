"""A domain dictionary mined from the corpus: quoted terms, heading terms, named places/projects."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["build_domain_dictionary"]

_CJK = "\u4e00-\u9fff"
# “四地一城” 「三码」 《纲要》 style quoted terms
_QUOTED = re.compile(rf"[“「『\"《]([{_CJK}A-Za-z0-9]{{2,12}})[”」』\"》]")
# Suffixes of named projects and places: 龙马物流园, 甘亭镇, 大槐树景区, 临汾北站 ...
_SUFFIX = re.compile(
    r"物流园|产业园|工业园|科技园|园区|开发区|示范区|经济区|新区|功能区|内陆港|景区|"
    r"镇|街道|大道|大街|高速|铁路|机场|北站|水库|公园|基地|集团|股份"
)
_BAD_START = set("和与及的在个了是等对为把被向将从并或各入划化级批好善进动展业济家省县国")
# Heading segments: split on punctuation and numbering
_HEADING_SPLIT = re.compile(rf"[^{_CJK}A-Za-z0-9]+")
_NUMBERING = re.compile(
    r"^\s*(第[一二三四五六七八九十百]+[章节篇部分条]|[一二三四五六七八九十]+[、.．]|"
    r"[（(][一二三四五六七八九十0-9]+[)）]|[0-9]+[、.．]|[一二三四五六七八九十]是)\s*"
)
_YEAR_PREFIX = re.compile(r"^[0-9]+年?")
_LEADING_VERB = re.compile(
    r"^(推进|推动|加快|建设|打造|实施|加强|强化|深化|坚持|全面|持续|着力|大力|积极|"
    r"提升|提高|完善|开展|促进|健全|推广|覆盖|统筹|发展|国家|全省|重点)")


def build_domain_dictionary(
    texts: Iterable[str], headings: Iterable[str] = (), min_count: int = 2
) -> list[str]:
    """Words jieba should keep whole, mined from the documents themselves.

    Quoted terms and heading terms are kept once seen; named places/projects (a short
    prefix plus a suffix such as 物流园, 镇, 景区) must occur `min_count` times.

    Example:
        >>> words = build_domain_dictionary(["打造“四地一城”，龙马物流园揭牌。龙马物流园运营。"])
        >>> "四地一城" in words and "龙马物流园" in words
        True
    """
    words: set[str] = set()
    named: Counter[str] = Counter()
    left: dict[str, set[str]] = {}
    for text in texts:
        # Quoted terms are the authors' own coinages
        words.update(m.group(1) for m in _QUOTED.finditer(text) if _mostly_cjk(m.group(1)))
        # Named entities: a 2-4 character prefix before a suffix, seen with varied left context
        for m in _SUFFIX.finditer(text):
            for n in (2, 3, 4):
                prefix = text[max(0, m.start() - n) : m.start()]
                if len(prefix) < n or not _all_cjk(prefix) or prefix[0] in _BAD_START:
                    continue
                if _LEADING_VERB.match(prefix):
                    continue
                cand = prefix + m.group(0)
                named[cand] += 1
                left.setdefault(cand, set()).add(text[m.start() - n - 1] if m.start() > n else "^")
    words.update(w for w, c in named.items() if c >= min_count and len(left[w]) >= 2)
    # Heading terms: short segments of section titles (numbering stripped)
    for heading in headings:
        for seg in _HEADING_SPLIT.split(_NUMBERING.sub("", heading)):
            seg = _YEAR_PREFIX.sub("", seg)
            if 2 <= len(seg) <= 8 and _mostly_cjk(seg):
                words.add(seg)
    return sorted(words)


def _all_cjk(s: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in s)


def _mostly_cjk(s: str) -> bool:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in s) * 2 >= len(s)
