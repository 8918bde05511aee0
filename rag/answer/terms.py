"""A question's content words, by part of speech, and the focal ones next to its wh-phrase."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.text import pos_words
from rag.text.colloquial import colloquial_variants

__all__ = ["Term", "content_terms", "focal_terms", "question_terms", "STOP_WORDS"]

# Parts of speech (jieba's tag set) that never carry the topic: pronouns and question words,
# prepositions, conjunctions, particles, modal words, interjections, adverbs, localisers,
# measure words, punctuation
_DROP_POS = ("r", "p", "c", "u", "y", "e", "o", "d", "f", "q", "x", "k", "w")
# Words that say how to ask, not what about (any part of speech)
STOP_WORDS = frozenset(
    "的 了 是 在 有 和 与 及 或 吗 呢 吧 啊 呀 么 请问 请 一下 介绍 说说 讲讲 谈谈 关于 方面 情况 "
    "进展 进度 目前 现在 当前 如今 今年 去年 明年 今后 以后 将来 未来 最近 近年 年前 年后 那会儿 "
    "主要 具体 大概 大约 一共 总共 分别 都 也 还 就 要 会 能 能够 可以 可 给 对 把 被 从 到 为 以 "
    "做 做了 做到 搞 干 想 打算 叫 说 算 提出 包括 怎么样 咋样 如何 怎样 时候 时间 一个 "
    "县 市 区 全县 我们 咱们 他们 当地 那里 这里 本 上 中 下 年 月 日".split()
)
_NUMERAL = frozenset("零〇一二三四五六七八九十百千万亿两几多少第个些")
_DIGIT = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z]")
_ALNUM = re.compile(r"[0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*")
_COUNT = re.compile(r"(?<![\d年])(?:\d{1,3}|[两三四五六七八九十]{1,3})(?:件|项|个|大|条|种|类|批)"
                    r"(?=[\u4e00-\u9fff])")
_CN_NUM = re.compile(r"[零〇一二三四五六七八九十百千两]{3,}")
# Nouns that frame a figure rather than name what is measured (「GDP增长目标」: GDP增长)
_FRAME = frozenset("目标 计划 规划 预期 数量 总数 规模 水平 程度 情况".split())
_CLAUSE = re.compile(r"[，,；;：:。？?！!、\s]")


@dataclass(frozen=True)
class Term:
    """A content word of a question: its text, part of speech and offset."""

    word: str
    flag: str
    start: int

    @property
    def noun(self) -> bool:
        """Names a thing (nouns, abbreviations, idioms, latin words, coined numerals)."""
        return self.flag[:1] in ("n", "j", "l", "i", "s", "b", "z", "m") or self.flag in (
            "vn", "eng", "an")


def _merged(question: str) -> list[Term]:
    # jieba's words with offsets; runs of numerals and latin letters rejoined (十三 五 → 十三五,
    # 5 G → 5G), since jieba splits coined names made of them
    out: list[Term] = []
    pos = 0
    for word, flag in pos_words(question):
        if out and _joinable(out[-1].word, word):
            prev = out.pop()
            out.append(Term(prev.word + word, "eng" if "eng" in (prev.flag, flag) else "m",
                            prev.start))
        else:
            out.append(Term(word, flag, pos))
        pos += len(word)
    return out


def _joinable(a: str, b: str) -> bool:
    # 5 + G, 十三 + 五: pieces of one coined name, not a year glued to a word
    return bool(_ALNUM.fullmatch(a + b) or _CN_NUM.fullmatch(a + b))


def _keep(t: Term) -> bool:
    w, flag = t.word, t.flag
    if w in STOP_WORDS or not w.strip():
        return False
    if _LATIN.search(w) or flag == "mq":
        return True  # GDP, 5G, 15件
    if flag.startswith("m"):  # numerals: only coined names (十四五) and mis-tagged words (无双)
        if _DIGIT.search(w):
            return False  # a year or a quantity, handled apart
        return len(w) >= 3 or any(ch not in _NUMERAL for ch in w)
    return not flag.startswith(_DROP_POS)


def question_terms(question: str, skip: tuple[int, int] = (0, 0),
                   places: list[str] | None = None) -> list[Term]:
    """The content words of `question` with their parts of speech: words that can carry a
    topic, minus question words, the wh-phrase at `skip` (start, end offsets), place names
    and single characters (unless nothing else is left); first occurrence only.

    Example:
        >>> [t.word for t in question_terms("十三五期间洪洞城镇新增就业多少人？", (13, 16))][0]
        '十三五'
    """
    places = places or []
    out: list[Term] = []
    singles: list[Term] = []
    seen: set[str] = set()
    # a count names a list (「15件民生实事」): kept whole, as the documents write it
    counts = [Term(m.group(0), "mq", m.start()) for m in _COUNT.finditer(question)]
    for t in sorted(_merged(question) + counts, key=lambda t: t.start):
        end = t.start + len(t.word)
        if t.start < skip[1] and end > skip[0]:
            continue  # inside the wh-phrase
        if not _keep(t) or t.word in seen:
            continue
        if any(t.word in p or p in t.word for p in places):
            continue
        seen.add(t.word)
        # a single character says little, unless it is an everyday word for a document's
        # word (涨 for 增长)
        (singles if len(t.word) == 1 and not colloquial_variants(t.word) else out).append(t)
    return out or singles


def content_terms(question: str, skip: tuple[int, int] = (0, 0),
                  places: list[str] | None = None) -> list[str]:
    """The words of `question_terms`.

    Example:
        >>> content_terms("洪洞中医跟哪个大学合作？", (5, 7), ["洪洞"])
        ['中医', '大学', '合作']
    """
    return [t.word for t in question_terms(question, skip, places)]


def focal_terms(question: str, terms: list[Term], skip: tuple[int, int]) -> list[str]:
    """The thing a question asks about: the nearest noun before its wh-phrase in the same
    clause (门票 in 「门票多少钱」), else the nearest one after it (矿井 in 「建几个5G矿井」).

    Example:
        >>> q = "大槐树景区门票多少钱？"
        >>> focal_terms(q, question_terms(q, (7, 9)), (7, 9))
        ['门票']
    """
    if skip == (0, 0):
        return []
    lo = max((m.end() for m in _CLAUSE.finditer(question, 0, skip[0])), default=0)
    hi = next((m.start() for m in _CLAUSE.finditer(question, skip[1])), len(question))
    nouns = [t for t in terms if t.noun and t.word not in _FRAME]
    before = [t for t in nouns if lo <= t.start < skip[0]]
    if before:
        return [before[-1].word]
    after = [t for t in nouns if skip[1] <= t.start < hi]
    return [after[0].word] if after else []
