"""Guessed metadata for a document without a manifest entry: title, year, place and level."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rag.corpus.govmeta import date_year

__all__ = ["PlaceGuess", "guess_place", "guess_year", "choose_title", "place_fields"]

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[—\-–~～至到]+\s*(?:19|20)?\d{2}(?!\d)")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}
_CN_YEAR = re.compile(r"([一二][〇零○一二三四五六七八九]{3})年")
_DATE_LINE = re.compile(r"^[（(—\-\s]*((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")
_DATE_KEYS = ("发布日期", "发布时间", "成文日期", "发文日期", "日期", "生效日期")
_NATIONAL = ("国务院", "全国人民代表大会", "中华人民共和国", "中共中央", "国家发展改革委")
_HEAD = 3000  # characters of the text that speak for the whole document
_TITLE_WEIGHT = 5


@dataclass(frozen=True)
class PlaceGuess:
    """Where a document is from: full names ("" when unknown) and its administrative level."""

    county: str = ""
    city: str = ""
    province: str = ""
    level: str = ""  # "county" | "city" | "province" | "national" | ""


def guess_place(title: str, text: str) -> PlaceGuess:
    """The place a document is about, from real place names in its title and opening text.

    The title's place wins; otherwise the county (or city, province) named most often in the
    opening text, when it is named at least twice and more than any other of its level.

    Example:
        >>> guess_place("绛县两会", "2024年，绛县县委坚持发展。绛县经济增长。")
        PlaceGuess(county='绛县', city='运城市', province='山西省', level='county')
        >>> guess_place("山西省2024年政府工作报告", "全省经济实现县县通高速，贫困县清零。")
        PlaceGuess(county='', city='', province='山西省', level='province')
        >>> guess_place("谱写运城篇章", "绛县两会。绛县县委部署。绛县县长报告。").county
        '绛县'
        >>> guess_place("政府工作报告", "——2024年3月5日在第十四届全国人民代表大会第二次会议上")
        PlaceGuess(county='', city='', province='', level='national')
    """
    from rag.text.places import Place, place_mentions, within

    scores: dict[str, Counter[Place]] = {lv: Counter() for lv in ("county", "city", "province")}
    in_title: dict[str, list[Place]] = {lv: [] for lv in scores}
    for _, p in place_mentions(title):
        scores[p.level][p] += _TITLE_WEIGHT
        in_title[p.level].append(p)
    for _, p in place_mentions(text[:_HEAD]):
        scores[p.level][p] += 1
    if in_title["county"]:
        return _guess(in_title["county"][0], "county")
    # a title naming a city or province: a county within it that the text is about wins
    outers = in_title["city"] or in_title["province"]
    if outers:
        outer = outers[0]
        inner = [(n, p) for p, n in scores["county"].most_common(2) if within(p, outer)]
        if inner and inner[0][0] >= 3 and (len(inner) == 1 or inner[0][0] > inner[1][0]):
            return _guess(inner[0][1], "county")
        return _guess(outer, outer.level)
    for level in ("county", "city", "province"):
        ranked = scores[level].most_common(2)
        if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return _guess(ranked[0][0], level)
    head = f"{title}\n{text[:_HEAD]}"
    if any(k in head for k in _NATIONAL):
        return PlaceGuess(level="national")
    return PlaceGuess()


def place_fields(county: str) -> PlaceGuess:
    """City, province and level of a county (or city, province) name, when it is unique.

    Example:
        >>> place_fields("洪洞县").city, place_fields("临汾").level, place_fields("鼓楼区").city
        ('临汾市', 'city', '')
    """
    from rag.text.places import lookup

    found = lookup(county) if county else []
    if len(found) != 1:
        return PlaceGuess(county=county, level="county" if county else "")
    return _guess(found[0], found[0].level)


def _guess(p: object, level: str) -> PlaceGuess:
    from rag.text.places import Place

    assert isinstance(p, Place)
    if level == "county":
        return PlaceGuess(p.name, p.city, p.province, "county")
    if level == "city":
        return PlaceGuess("", p.name, p.province, "city")
    return PlaceGuess("", "", p.name, "province")


def guess_year(title: str, text: str, doc_meta: Mapping[str, str] | None = None) -> int | None:
    """The document's year: from its title, else its metadata or date line, else its text.

    In the title a range (`2021—2025年`) gives its first year and a far-off target year
    (`2035年远景目标`) counts only when nothing else does.

    Example:
        >>> plan = "某县第十四个五年规划和2035年远景目标纲要"
        >>> guess_year(plan, "", {"发布日期": "2021-05-06"})
        2021
        >>> guess_year("某市2024年政府工作报告", ""), guess_year("二〇二三年工作总结", "")
        (2024, 2023)
        >>> guess_year("工作安排", "（2025年1月8日）\\n今年要做好五件事。")
        2025
    """
    published = _meta_year(doc_meta or {})
    head = text[:_HEAD]
    dated = published or _date_line_year(head)
    title_n = _cn_years(title)
    if m := _RANGE.search(title_n):
        return int(m.group(1))
    years = [int(y) for y in _YEAR.findall(title_n)]
    if years:
        limit = (dated or max(years)) + 1
        near = [y for y in years if y <= limit]
        return max(near) if near else dated or min(years)
    if dated:
        return dated
    common = Counter(int(y) for y in _YEAR.findall(_cn_years(text[:1000]))).most_common()
    best = [y for y, n in common if n == common[0][1]] if common else []
    return max(best) if best else None


def _meta_year(doc_meta: Mapping[str, str]) -> int | None:
    for key in _DATE_KEYS:
        if key in doc_meta and (year := date_year(str(doc_meta[key]))):
            return year
    return None


def _date_line_year(head: str) -> int | None:
    for line in head.splitlines()[:40]:
        if m := _DATE_LINE.match(line.strip()):
            return int(m.group(1))
    return None


def _cn_years(text: str) -> str:
    """`二〇二四年` -> `2024年`."""
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)) + "年", text)


def choose_title(candidates: Iterable[str], first_lines: Iterable[str], fallback: str) -> str:
    """The first usable title: a format's own (first heading, <title>, core properties), else
    the first short line of the text, else `fallback` (the file name).

    A usable title is 2–80 characters and not a metadata label (`索 引 号：`).

    Example:
        >>> choose_title(["索 引 号：", "绛县2025年工作安排"], [], "x")
        '绛县2025年工作安排'
        >>> choose_title([], ["", "洪洞县工作报告", "正文"], "x"), choose_title([], [], "x")
        ('洪洞县工作报告', 'x')
    """
    for c in candidates:
        if _usable(c, 80):
            return " ".join(c.split())
    for line in first_lines:
        line = line.strip()
        if line:
            return line if _usable(line, 60) else fallback
    return fallback


def _usable(title: str, limit: int) -> bool:
    t = " ".join(title.split())
    return 2 <= len(t) <= limit and not t.endswith((":", "：")) and "\ue000" not in t
