"""Rewrite an elliptical follow-up (「那绛县呢？」) into a full question using the chat history."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rag.answer.models import Message
from rag.answer.query import find_places, find_years
from rag.answer.text import nouns

__all__ = ["Rewrite", "rewrite_question", "subject_of"]

_END_PUNCT = "？?。！!，, \t"
_MORE = re.compile(
    r"^(?:那|那么)?(?:还有|还有呢|还有吗|还有别的吗?|还有其他的?吗?|其他呢|其它呢|然后呢|接着呢|继续|"
    r"接着说|再说说|更多|多说点|详细(?:一点|一些|些|说说|点)?|具体(?:一点|一些|些|说说|点|呢)?)$"
)
_TAIL = re.compile(
    r"^(?:那|那么|那在|换成|如果是|要是|改成)?(.{1,16}?)(?:的呢|呢|怎么样|又如何|如何)$"
)
_PRONOUN = re.compile(r"它们|它|该项目|这个项目|那个项目|此项目|这项工程|该工程|这个园区|该园区|"
                      r"(?<![尤极与])其(?![他中实余次])")
_PLACE_PRONOUN = re.compile(r"这里|那里|该县|这个县|那个县|当地")
_PRED = re.compile(r"(?:的)?(?:进展|进度|情况|是多少|是什么|是哪|有哪些|有什么|有多少|多少|怎么样|"
                   r"如何|咋样|几|哪些|什么时候|何时|在哪|要|将|计划)")
_TIME = re.compile(r"(?:(?:19|20)\d{2}年?|今年|去年|明年|“?十[三四五]五”?(?:期间|时期|末)?|"
                   r"今后五年|未来五年|近五年|五年来)")
_ATTR = re.compile(r"目标|率|收入|产值|产量|规模|投资|数量|人数|人口|面积|排名|增速|增长|总量|"
                   r"金额|费用|价格|时间|进展|进度|情况|效果|成效")
_QWORDS = re.compile(r"有?多少[个家项件所辆处亿万元]*|是什么|有哪些|哪些|几[个家项所]?|什么时候|"
                     r"何时|如何|怎么样|是|有|要|将|计划|的|吗|呢")
_SEP = re.compile(r"(?:的|在|，|,|\s)+")
# A place name at a given position (longest first, as find_places matches them)


def _place_at(q: str, start: int) -> int | None:
    # The end of a place name starting at `start` (looked for in a short window: linear)
    n = _place_prefix(q[start : start + 16])
    return start + n if n else None


@lru_cache(maxsize=4096)
def _place_prefix(window: str) -> int:
    return next((len(p) for p in find_places(window) if window.startswith(p)), 0)
_GENERIC = {"全市", "全省", "全县", "规划", "目标", "工作", "情况", "问题", "项目", "方面", "东西",
            "时候", "部分", "内容"}


@dataclass
class Rewrite:
    """The question to search with, and whether it differs from what was typed.

    `weak` marks a rewrite that only guessed context (place/time/topic carried over); the
    pipeline drops it again when it makes an answerable question unanswerable.
    """

    question: str
    changed: bool = False
    exclude: list[str] = field(default_factory=list)  # sentences already given ("还有呢")
    weak: bool = False


def subject_of(question: str) -> tuple[str, str, str]:
    """Split a question into (place/time prefix, subject, predicate).

    Example:
        >>> subject_of("洪洞2024年GDP增长目标是多少？")
        ('洪洞2024年', 'GDP增长目标', '是多少')
    """
    q = question.rstrip(_END_PUNCT)
    start = 0
    while True:  # a run of places and times at the front; each step matches at `start` only
        m = _SEP.match(q, start) or _TIME.match(q, start)
        place = _place_at(q, start)
        if m and m.end() > start:
            start = m.end()
        elif place is not None:
            start = place
            start += 1 if q[start : start + 1] in ("县", "市", "区") else 0
        else:
            break
    m2 = _PRED.search(q, start)
    end = m2.start() if m2 else len(q)
    return q[:start], q[start:end], q[end:]


def _topic_nouns(question: str) -> list[str]:
    # Specific nouns of a question: no places, no generic words
    places = find_places(question)
    return [n for n in nouns(question) if n not in _GENERIC and len(n) > 1
            and not any(n in p or p in n for p in places)]


def _tail(x: str, prev: str, prefix: str, subject: str, pred: str) -> str:
    """「那绛县呢」「2023年呢」「那运煤通道呢」「产值目标呢」 against the previous question."""
    if _PRONOUN.fullmatch(x) or x in ("这个", "那个", "这", "那"):
        return prev.rstrip(_END_PUNCT) + "？"  # 「它呢」: the same question again
    places, years = find_places(x), find_years(x)
    new = prev.rstrip(_END_PUNCT)
    if places or years:
        for old, rep in zip(find_places(new), places, strict=False):
            i = new.find(old)
            j = i + len(old)
            if new[j : j + 1] in ("县", "市", "区") and not old.endswith("县"):
                j += 1  # 洪洞县 → 绛县, not 绛县县
            new = new[:i] + rep + new[j:]
        for oy, ry in zip(find_years(new), years, strict=False):
            new = new.replace(str(oy), str(ry), 1)
        lead = "".join(p for p in places if p not in new)
        lead += "".join(f"{y}年" for y in years if str(y) not in new)
        return lead + new + "？"
    # An attribute of the previous thing (铸造企业 → 铸造企业的产值目标)
    if _ATTR.search(x) and not _ATTR.search(subject):
        thing = subject.strip("的") or _QWORDS.sub("", pred)
        return f"{prefix}{thing}的{x}是多少？" if thing else f"{prefix}{x}是多少？"
    # Another thing, same question (龙马物流园进展如何 → 运煤通道进展如何)
    return f"{prefix}{x}{pred}？" if pred else f"{prefix}{x}的情况如何？"


def _resolve(question: str, prev: str) -> tuple[str, bool] | None:
    q = question.strip().rstrip(_END_PUNCT)
    prefix, subject, pred = subject_of(prev)
    if _MORE.match(q):
        return prev, False
    m = _TAIL.match(q)
    if m and (q.endswith("呢") or q.startswith("那")) and not _PRED.search(m.group(1)):
        return _tail(m.group(1).strip("的 "), prev, prefix, subject, pred), False
    # 「它的投资是多少」「这里的…」: pronouns resolve to the previous subject or place
    if subject and _PRONOUN.search(q):
        return _PRONOUN.sub(subject.rstrip("的"), q, count=1) + "？", False
    prev_places = find_places(prefix + subject)
    if prev_places and _PLACE_PRONOUN.search(q):
        return _PLACE_PRONOUN.sub(prev_places[0], q, count=1) + "？", False
    # No place of its own: carry the previous place and time (and topic, if it has none)
    if find_places(q) or not prefix:
        return None
    body = q[2:] if q.startswith("那么") else q[1:] if q.startswith("那") else q
    head = "".join(p for p in find_places(prefix))
    times = _TIME.findall(prefix)
    if times and not _TIME.search(body):
        head += "".join(times)
    topic = "" if _topic_nouns(body) else "".join(t for t in _topic_nouns(prev) if t not in body)
    return head + topic + body + "？", True


def rewrite_question(question: str, history: list[Message] | None) -> Rewrite:
    """Resolve `question` against the user's earlier questions (each resolved in turn).

    Example:
        >>> h = [Message("user", "洪洞2024年GDP增长目标是多少？"), Message("assistant", "……")]
        >>> rewrite_question("那绛县呢？", h).question
        '绛县2024年GDP增长目标是多少？'
    """
    if not history:
        return Rewrite(question)
    prev: str | None = None
    last_answer = ""
    for msg in history:
        if msg.role == "user" and msg.content.strip():
            r = _resolve(msg.content, prev) if prev else None
            prev = r[0] if r and not r[1] else msg.content.strip()
        elif msg.role == "assistant":
            last_answer = msg.content
    if prev is None:
        return Rewrite(question)
    res = _resolve(question, prev)
    if res is None or res[0].rstrip(_END_PUNCT) == question.strip().rstrip(_END_PUNCT):
        return Rewrite(question)
    more = _MORE.match(question.strip().rstrip(_END_PUNCT))
    return Rewrite(res[0], True, _sentences(last_answer) if more else [], res[1])


def _sentences(text: str) -> list[str]:
    # Answer sentences without their [n] markers
    parts = re.split(r"\[\d+\]", text)
    return [p.strip() for p in parts if len(p.strip()) >= 4]
