"""What a question asks for: its terms, intent, places, years and named things."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from rag.answer.terms import focal_terms, question_terms
from rag.answer.text import plain_words, tokenize
from rag.answer.whword import Wh, find_wh
from rag.text.colloquial import colloquial_variants

__all__ = ["Query", "analyze", "dated_elsewhere", "find_places", "find_years", "unit_kinds_of",
           "unit_spans", "target_of", "unit_kind_of_question", "named_counts", "count_value"]

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|\b|(?=\D))")

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
    ("date", re.compile(r"什么时候|哪[一几]?年|何时|几月|时间|哪[一几]?天|几号")),
    ("list", re.compile(r"哪些|几项|几大|有什么|包括什么|都有|分别|"
                        # 「哪几个方面」「哪五好」 (not 哪几年, 哪一天: a date)
                        r"哪(?:几|[两三四五六七八九十\d]+)(?![年天日号]|个?月)[\u4e00-\u9fff]")),
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
    focal: list[str] = field(default_factory=list)  # the thing asked about (门票 in 门票多少钱)
    # best answer span found per sentence (rag.answer.span.best_span's memo)
    spans: dict[str, tuple[int, int, float]] = field(default_factory=dict, repr=False,
                                                      compare=False)

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
    wh = find_wh(question)
    skip = (wh.start, wh.end) if wh else (0, 0)
    found = question_terms(question, skip, places)
    terms = [t.word for t in found]
    focal = focal_terms(question, found, skip)
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
    return Query(question, terms, intents, places, years, ents, expansions, wh,
                 unit_kind_of_question(question), target_of(question), focal)


# The kind of figure a question asks for, and the kinds a sentence's figures have
_MEASURE = "[个项家所座条件人户辆台套名位次批处种部届支只本首场]"
_Q_UNITS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 第几名 is a place in a ranking, 第几个 (第几批) an ordinal: a count
    ("rank", re.compile(r"第几(?:名|位|(?!" + _MEASURE + r"|期))|名次|排.{0,2}多少位|"
                        r"排名.{0,2}(?:多少|如何|怎样|怎么样|咋样)")),
    ("percent", re.compile(r"百分之|比例|占比|增速|增幅|增长率|率[是为]?多少|增长.{0,6}多少|"
                           r"多少个?百分点|"
                           r"降.{0,4}多少|涨.{0,4}多少|提高.{0,4}多少|下降.{0,4}多少")),
    ("money", re.compile(r"多少钱|多少[亿万]?(?:元|美元|港元|欧元)|投资|资金|产值|收入|生产总值|"
                         r"GDP|gdp|营业额|总额|花.{0,2}多少|规模|票价|价格")),
    ("days", re.compile(r"多少天|几天|天数")),
    ("age", re.compile(r"多少岁|几岁|寿命|年龄")),
    ("area", re.compile(r"多少亩|多少公顷|多少平方|面积")),
    ("length", re.compile(r"多少(?:公里|千米|米|厘米|公分|毫米|英尺|英里)|多长|多高|多深|多宽|里程|"
                          r"长度|高度|身高|体长|海拔")),
    ("weight", re.compile(r"多少(?:吨|公斤|千克|斤|克|磅)|多重|体重|重量")),
    ("count", re.compile(r"(?:多少|几)(?P<m>" + _MEASURE + ")")),
)
# A figure: digits, or Chinese numerals (三万, 两千)
_FIG = r"(?:\d|[一二三四五六七八九十百千两]+)"
_S_UNITS: dict[str, re.Pattern[str]] = {
    # a place in a ranking (全市第3, 前十, 倒3), not an ordinal (第49个, 第一批) or a
    # period (前三季度)
    "rank": re.compile(r"(?:第|前|倒)\s*(?:\d+(?![\d.])|[一二三四五六七八九十]+"
                       r"(?![一二三四五六七八九十]))(?:名|位)?(?![批届次期个项件年月季天周轮号])"),
    "percent": re.compile(r"\d\s*[%％]|百分点|百分之|\d+(?:\.\d+)?倍|成以上"),
    "money": re.compile(_FIG + r"\s*(?:万亿|亿|万|千|百)?(?:元|美元|港元|欧元|英镑|日元)|"
                        r"\d\s*亿(?!人)"),
    "days": re.compile(_FIG + r"\s*天"),
    "age": re.compile(_FIG + r"\s*岁"),
    "area": re.compile(_FIG + r"\s*(?:万)?(?:亩|公顷|平方公里|平方米|km²|km2|m²)"),
    "length": re.compile(_FIG + r"\s*(?:公里|千米|米|厘米|公分|毫米|英尺|英里|km|cm|mm|m\b)"),
    "weight": re.compile(_FIG + r"\s*(?:万)?(?:吨|公斤|千克|斤|克|磅|kg)"),
    "count": re.compile(_FIG + r"\s*(?:万)?(?P<m>" + _MEASURE + ")"),
}
_GOAL = re.compile(r"目标|预期|计划|力争|打算|要达到|争取|规划|到\s*(?:19|20)\d{2}\s*年")
_ACTUAL = re.compile(r"全年|完成了?|实现了|达到了|实际|去年|上年")
# A count's measure word as a kind of its own (count:场): words that count the same things
# share one, and 个 counts anything
_SAME_MEASURE = {"名": "人", "位": "人", "户": "家", "件": "项"}


def _counted(measure: str) -> str:
    # The kind of a count by its measure word (名 counts what 人 does: count:人)
    return "count:" + _SAME_MEASURE.get(measure, measure)


_ANY_MEASURE = frozenset(_counted(c) for c in _MEASURE.strip("[]") if c != "个")


def _measure_kinds(text: str) -> set[str]:
    # count:<measure> for each counted figure of `text` (every measure for a 个 count)
    out: set[str] = set()
    for m in _S_UNITS["count"].finditer(text):
        out |= _ANY_MEASURE if m.group("m") == "个" else {_counted(m.group("m"))}
    return out


# A count named with its measure word (「6大产业集群」, 「十五件实事」), not an ordinal (第六项)
_COUNTED = re.compile(
    r"(?<![第\d])(\d{1,3}|[两三四五六七八九十]{1,3})\s*(件|项|个|大|条|种|类|批|方面)")


def count_value(numeral: str) -> int:
    """The value of a small count in digits or Chinese numerals (-1 when unreadable).

    Example:
        >>> count_value("十五"), count_value("6"), count_value("两")
        (15, 6, 2)
    """
    if numeral.isdigit():
        return int(numeral)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if numeral.startswith("十"):
        return 10 + digits.get(numeral[1:], 0)
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return digits.get(tens, -100) * 10 + digits.get(ones, 0)
    return digits.get(numeral, -1) if len(numeral) == 1 else -1


def named_counts(text: str) -> set[tuple[int, str]]:
    """The counts `text` names with their measure words, as (value, measure).

    Example:
        >>> sorted(named_counts("打造 6 大产业集群，办好十五件实事，第六项"))
        [(6, '大'), (15, '件')]
    """
    out = set()
    for m in _COUNTED.finditer(text):
        n = count_value(m.group(1))
        if n > 0:
            out.add((n, m.group(2)))
    return out


def unit_kind_of_question(question: str) -> str:
    """The kind of figure a question asks for ('' when it asks for none or it is unclear).

    A count names its measure word when it has a specific one (几场 → count:场; 几名 and 多少人
    → count:人); 多少个 asks for any count.

    Example:
        >>> unit_kind_of_question("2024年GDP增长多少？"), unit_kind_of_question("优良天数多少天")
        ('percent', 'days')
        >>> unit_kind_of_question("举办了几场招聘会？"), unit_kind_of_question("建了多少个村？")
        ('count:场', 'count')
    """
    for kind, rx in _Q_UNITS:
        if m := rx.search(question):
            if kind == "count" and m.group("m") != "个":
                return _counted(m.group("m"))
            return kind
    return ""


def unit_kinds_of(text: str) -> set[str]:
    """The kinds of figure `text` states.

    Example:
        >>> sorted(unit_kinds_of("增长5%，达到120亿元"))
        ['money', 'percent']
        >>> sorted(unit_kinds_of("举办招聘活动60场"))
        ['count', 'count:场']
    """
    kinds = {k for k, rx in _S_UNITS.items() if rx.search(text)}
    return kinds | _measure_kinds(text) if "count" in kinds else kinds


# A year a sentence dates itself to (not one it compares with: 比2023年, 较上年)
_STATED_YEAR = re.compile(r"(?<![比较\d])((?:19|20)\d{2})\s*年")


def dated_elsewhere(text: str, years: Collection[int]) -> bool:
    """Whether `text` dates itself only to years other than `years` (it answers for another
    year than the one asked about).

    Example:
        >>> dated_elsewhere("2024年优良天数256天。", [2020])
        True
        >>> dated_elsewhere("比2023年增长5%。", [2024]), dated_elsewhere("增长5%。", [2024])
        (False, False)
    """
    stated = {int(y) for y in _STATED_YEAR.findall(text)}
    return bool(stated) and stated.isdisjoint(years)


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
    if kind.startswith("count:"):
        return [m.span() for m in _S_UNITS["count"].finditer(text)
                if _measure_kinds(m.group(0)) >= {kind}]
    rx = _S_UNITS.get(kind)
    return [m.span() for m in rx.finditer(text)] if rx else []
