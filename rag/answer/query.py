"""What a question asks for: its terms, intent, places, years and named things."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answer.text import plain_words, tokenize
from rag.answer.whword import Wh, find_wh
from rag.text.colloquial import colloquial_variants

__all__ = ["Query", "analyze", "find_places", "find_years", "unit_kinds_of", "unit_spans",
           "target_of", "unit_kind_of_question"]

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|\b|(?=\D))")

# Words that say how to answer, not what about
_STOP = set(
    "的 了 是 在 有 和 与 及 或 吗 呢 吧 啊 呀 么 么样 什么 怎么 怎么样 如何 怎样 "
    "哪些 哪个 哪 几 几个 多少 为什么 为何 是否 有没有 多 少 请问 请 一下 "
    "介绍 说说 讲讲 谈谈 关于 方面 情况 进展 目前 现在 主要 "
    "那 这 它 其 该 这个 那个 这些 那些 啥 都 也 还 就 要 会 能 可以 给 对 把 被 从 到 为 以 "
    "年 今年 去年 明年 时候 时间 一个 具体 哪里 什么样 个 项 做 做了 做到 搞 干 提出 包括 打算 "
    "县 市 区 全县 我们 咱们 他们 当地 那里 这里 本 上 中 下 吗？".split()
)
# 「第六项」 asks for the part a list numbers (六) or 六是
_ORDINAL = re.compile(r"第([一二三四五六七八九十]{1,2}|\d{1,2})(?:项|条|点|个|部分|方面|大)")
_NUMERALS = "一二三四五六七八九十"
_ENTITY_SUFFIX = re.compile(
    r"(园区?|港|桥|路|街|站|厂|馆|院|校|公司|集团|项目|工程|基地|景区|镇|乡|村|寺|山|河|湖|"
    r"机场|铁路|高速|大道|中心|广场|公园|医院|银行|市场|小区|水库|电站)$"
)

# Intents: which kind of sentence answers
_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("number", re.compile(r"多少|几[个项家所条座次万亿%]?|比例|百分之|占比|增长了?多|增速|"
                          r"规模|总投资|多大|多高|多长|排名|第几")),
    ("date", re.compile(r"什么时候|哪年|哪一年|何时|几月|时间")),
    ("list", re.compile(r"哪些|几项|几大|有什么|包括什么|都有|分别")),
    ("which", re.compile(r"哪[个家所位里座条种]|是谁|谁家|叫什么|什么名")),
    ("progress", re.compile(r"进展|进度|怎么样了?|如何了?$|情况|建得|推进|成效|成果|"
                            r"做了什么|干了什么")),
)


@dataclass
class Query:
    """A question taken apart.

    Example:
        >>> q = analyze("绛县2024年GDP增长多少？")
        >>> q.places, q.years, q.intents
        (['绛县'], [2024], ['number'])
    """

    text: str
    terms: list[str]  # content words, deduplicated, question words removed
    intents: list[str]
    places: list[str]
    years: list[int]
    entities: list[str]  # named things worth checking against the index
    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    wh: Wh | None = None  # the question phrase and the kind of answer it asks for
    unit_kind: str = ""  # the kind of figure asked: percent, money, count, days, area, length
    target: str = ""  # "goal" (目标/计划/预期) or "actual" (全年/完成/实际), else ""

    def variants(self, term: str) -> tuple[str, ...]:
        """The strings that count as `term` appearing in a text."""
        return self.expansions.get(term, (term,))


def find_places(text: str) -> list[str]:
    """Place names in `text` (China's administrative divisions, `rag.text.places`), in
    order, in the short form people type (洪洞县 → 洪洞; 绛县 keeps its 县).

    Example:
        >>> find_places("霍州和绛县的GDP")
        ['霍州', '绛县']
    """
    from rag.text.places import find_places as _find

    out: list[str] = []
    for p in _find(text):
        if p.short not in out:
            out.append(p.short)
    return out


def find_years(text: str) -> list[int]:
    """Four-digit years named in `text`."""
    out: list[int] = []
    for m in _YEAR_RE.finditer(text):
        y = int(m.group(1))
        if y not in out:
            out.append(y)
    return out


def _entities(text: str, words: list[str]) -> list[str]:
    # Quoted terms, latin words, and words ending like a place, project or organisation
    ents = [q for q in re.findall(r"[“「\"『]([^”」\"』]{2,20})[”」\"』]", text)]
    for w in words:
        if len(w) >= 3 and _ENTITY_SUFFIX.search(w) and w not in ents:
            ents.append(w)
    # A word plus a one-character suffix jieba split off: 高铁 + 站
    toks = plain_words(text)
    for a, b in zip(toks, toks[1:], strict=False):
        if len(a) >= 2 and b in "站港桥馆寺厂" and a + b not in ents:
            ents.append(a + b)
    return ents


def _ordinal(question: str) -> tuple[str, tuple[str, ...]] | None:
    # The ordinal a question names, as a term and the list markers that count as it
    m = _ORDINAL.search(question)
    if m is None:
        return None
    n = m.group(1)
    if n.isdigit():
        if not 1 <= int(n) <= len(_NUMERALS):
            return None
        n = _NUMERALS[int(n) - 1]
    return f"第{n}", (f"（{n}）", f"({n})", f"{n}是", f"第{n}")


def analyze(question: str) -> Query:
    """Take a question apart into terms, intents, places, years and entities."""
    words = tokenize(question)
    places = find_places(question)
    years = find_years(question)
    terms: list[str] = []
    for w in words:
        if w in _STOP or w.isdigit() or w in terms:
            continue
        if len(w) == 1 and not ("\u4e00" <= w <= "\u9fff"):
            continue
        if any(w in p or p in w for p in places) or w in ("县", "市"):
            continue
        terms.append(w)
    # Single characters that are part of a longer kept word add nothing
    terms = [t for t in terms if len(t) > 1 or not any(t in u for u in terms if u != t)]
    intents = [name for name, rx in _INTENTS if rx.search(question)]
    expansions = {t: v for t in terms if (v := colloquial_variants(t))}
    ordinal = _ordinal(question)
    if ordinal is not None:  # one term for 第六项 (not 第六, 六项, 第六项)
        m = _ORDINAL.search(question)
        span = m.group(0) if m else ""
        terms = [t for t in terms if t not in span and span not in t] + [ordinal[0]]
        expansions[ordinal[0]] = ordinal[1]
    ents = [e for e in _entities(question, words) if not any(e in p or p in e for p in places)]
    ents.sort(key=len, reverse=True)  # report the most specific name
    wh = find_wh(question)
    return Query(question, terms, intents, places, years, ents, expansions, wh,
                 unit_kind_of_question(question), target_of(question))


# The kind of figure a question asks for, and the kinds a sentence's figures have
_Q_UNITS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("percent", re.compile(r"百分之|比例|占比|增速|增幅|增长率|率[是为]?多少|增长.{0,6}多少|"
                           r"多少个?百分点|"
                           r"降.{0,4}多少|涨.{0,4}多少|提高.{0,4}多少|下降.{0,4}多少")),
    ("money", re.compile(r"多少钱|多少[亿万]?元|投资|资金|产值|收入|生产总值|GDP|gdp|营业额|总额|"
                         r"花.{0,2}多少|规模")),
    ("days", re.compile(r"多少天|几天|天数")),
    ("age", re.compile(r"多少岁|几岁|寿命|年龄")),
    ("area", re.compile(r"多少亩|多少公顷|多少平方|面积")),
    ("length", re.compile(r"多少公里|多少米|多长|里程")),
    ("count", re.compile(r"(?:多少|几)[个项家所座条件人户辆台套名位次批处]")),
)
_S_UNITS: dict[str, re.Pattern[str]] = {
    "percent": re.compile(r"\d\s*[%％]|百分点|\d+(?:\.\d+)?倍|成以上"),
    "money": re.compile(r"\d\s*(?:万亿|亿|万)?元|\d\s*亿(?!人)"),
    "days": re.compile(r"\d\s*天"),
    "age": re.compile(r"\d\s*岁"),
    "area": re.compile(r"\d\s*(?:万)?(?:亩|公顷|平方公里|平方米)"),
    "length": re.compile(r"\d\s*(?:公里|千米|米)"),
    "count": re.compile(r"\d\s*(?:万)?[个项家所座条件人户辆台套名位次批处]"),
}
_GOAL = re.compile(r"目标|预期|计划|力争|打算|要达到|争取|规划")
_ACTUAL = re.compile(r"全年|完成了?|实现了|达到了|实际|去年|上年")


def unit_kind_of_question(question: str) -> str:
    """The kind of figure a question asks for ('' when it asks for none or it is unclear).

    Example:
        >>> unit_kind_of_question("2024年GDP增长多少？"), unit_kind_of_question("优良天数多少天")
        ('percent', 'days')
    """
    for kind, rx in _Q_UNITS:
        if rx.search(question):
            return kind
    return ""


def unit_kinds_of(text: str) -> set[str]:
    """The kinds of figure `text` states.

    Example:
        >>> sorted(unit_kinds_of("增长5%，达到120亿元"))
        ['money', 'percent']
    """
    return {k for k, rx in _S_UNITS.items() if rx.search(text)}


def target_of(text: str) -> str:
    """Whether a text speaks of a goal ('goal'), of a result ('actual') or neither ('')."""
    if _GOAL.search(text):
        return "goal"
    return "actual" if _ACTUAL.search(text) else ""



def unit_spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Where `text` states a figure of `kind` (see `unit_kinds_of`), as offsets.

    Example:
        >>> unit_spans("增长5%，达到120亿元", "money")
        [(9, 12)]
    """
    rx = _S_UNITS.get(kind)
    return [m.span() for m in rx.finditer(text)] if rx else []
