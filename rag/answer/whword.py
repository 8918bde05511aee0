"""The question word: what kind of answer a question asks for, and where it sits."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["WH_KINDS", "Wh", "find_wh"]

# Measure words and units that follow 多少/几/哪 as part of the question phrase
_UNITS = ("分钟|小时|个月|月|日|天|周|年|岁|个|人次|人|户|次|米|公里|千米|平方公里|平方米|公顷|亩|"
          "吨|"
          "公斤|千克|元|美元|亿元|万元|亿|万|种|位|名|座|家|部|集|场|项|条|届|支|层|辆|架|艘|本|首|"
          "张|枚|所|只|倍|度|批|件|类|处|个百分点")
# (kind, pattern), first match in the question wins by position
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("date", r"什么时候|什么时间|何时|哪[一几]?年|哪[一几]?天|哪几日|哪[一几]?个?月|几月|几号|何年|"
             r"什么年代"),
    ("number", r"(?:多少|几)(?:" + _UNITS + r")?|多[大长高重远久宽深厚快]|百分之几|比例|占比|增速|"
               r"排名第几|第几"),
    ("place", r"哪里|哪儿|何地|何处|什么地方|哪个地方|在哪(?![些个一几天年月])"),
    ("person", r"是谁|谁"),
    ("reason", r"为什么|为何|何以|什么原因"),
    ("manner", r"怎么样|怎样|如何|怎么|咋样|进展|情况"),
    ("list", r"哪些|有什么|包括什么|都有|分别"),
    ("which", r"哪[一两三四五六七八九十几\d]*(?:" + _UNITS + r"|种|部|位|款|类|大)?"),
    ("yesno", r"是否|有没有|是不是|能不能|会不会|吗[？?]?$"),
    ("what", r"什么|何种|啥|叫什么"),
)
_RX = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _PATTERNS))
_NOUN = re.compile(r"[\u4e00-\u9fff]{1,2}")
WH_KINDS: tuple[str, ...] = tuple(k for k, _ in _PATTERNS) + ("other",)


@dataclass(frozen=True)
class Wh:
    """The question phrase: its kind, offsets in the question, and the noun right after
    it (「哪个公司」 → 公司), which the answer is an instance of."""

    kind: str
    start: int
    end: int
    noun: str = ""


def find_wh(question: str) -> Wh | None:
    """The first question phrase of `question`, or None.

    Example:
        >>> find_wh("洪洞2024年优良天数多少天？")
        Wh(kind='number', start=11, end=14, noun='')
        >>> find_wh("由哪个公司开发？").noun
        '公司'
    """
    m = _RX.search(question)
    if m is None:
        return None
    kind = m.lastgroup or "other"
    noun = ""
    if kind in ("which", "what"):
        n = _NOUN.match(question, m.end())
        noun = n.group(0) if n and n.group(0)[0] not in "的是在于呢吗" else ""
    return Wh(kind, m.start(), m.end(), noun)
