"""Composition: the direct answer first, then a few supporting quotes, each cited [n]."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rag.answer.candidates import Unit
from rag.answer.decision import Decision
from rag.answer.features import has_date, has_facts, has_number, place_ok
from rag.answer.lists import enumerates, list_items
from rag.answer.models import Answer, Citation
from rag.answer.query import Query, dated_elsewhere, named_counts, unit_kinds_of
from rag.answer.span import direct_span
from rag.answer.text import Span, bigrams
from rag.corpus.models import Chunk
from rag.retrieval.models import Hit
from rag.text.places import same_place

__all__ = ["choose", "compose", "abstention", "display", "is_duplicate", "FACTOID"]

FACTOID = ("number", "date", "place", "person", "which", "what")
_BROAD = ("list", "manner")
_TERMINAL = "。！？!?"
_CLAUSE = re.compile(r"[，,；;]")
_WHEN = re.compile(r"(?:19|20)\d{2}\s*年|[一二三四五六七八九十\d]+月|季度|上半年|下半年|年底|全年")
_FOLLOW = re.compile(r"^(?:比|同比|较|环比|增长|下降|提高|占|其中|居)")
# A supporting sentence of a broad (progress, list) answer must be at least this likely to
# answer, and this share of the best sentence's probability (eval/train/tune_compose.py grids
# these on the fit half of eval/qa.jsonl: its char-F1 moves by at most 0.013 over 0.3–0.9 and
# 2–5 sentences, so they stay as first set)
_FLOOR = 0.15
SUPPORT_SHARE = 0.45


def is_duplicate(a: str, b: str, threshold: float = 0.7) -> bool:
    """Near-duplicate test: containment, or character-bigram Jaccard above `threshold`.

    Example:
        >>> is_duplicate("洪洞成为第49个内陆港。", "洪洞成为第49个内陆港")
        True
    """
    if a in b or b in a:
        return True
    ba, bb = bigrams(a), bigrams(b)
    if not ba or not bb:
        return False
    return len(ba & bb) / len(ba | bb) >= threshold


def display(quote: str) -> str:
    """A quote as an answer sentence: a clause's ；or ， becomes 。.

    Example:
        >>> display("全县地区生产总值增长5%，")
        '全县地区生产总值增长5%。'
    """
    q = quote.rstrip("；;，,、：:")
    if not q.endswith(tuple(_TERMINAL)) and not q.endswith(("”", "」", "）", ")")):
        q += "。"
    return q


def _kind(query: Query) -> str:
    if "progress" in query.intents and (query.wh is None or query.wh.kind not in FACTOID):
        return "manner"
    if "list" in query.intents and (query.wh is None or query.wh.kind != "number"):
        return "list"
    return query.wh.kind if query.wh else "other"


def choose(units: list[Unit], query: Query, max_sentences: int,
           doc_chunks: Callable[[str], list[Chunk]] | None = None,
           hits: Iterable[Hit] = ()) -> list[Unit]:
    """The units to quote, best first: the best one, then others nearly as likely, no
    near-duplicates; a list question takes the whole list its best item belongs to or
    leads into (`lists.list_items`, reading its document through `doc_chunks`, else `hits`)."""
    ranked = sorted(units, key=lambda u: -u.p)
    if query.places:
        ranked = [u for u in ranked if all(place_ok(u.hit, p) for p in query.places)] or ranked
    kind = _kind(query)
    # A figure or date question quotes only what states one, of the asked kind when known
    if kind == "number":
        ranked = [u for u in ranked if has_number(u.text)]
        if query.unit_kind:
            ranked = [u for u in ranked if query.unit_kind in unit_kinds_of(u.text)]
    elif kind == "date":
        ranked = [u for u in ranked if has_date(u.text)]
    elif kind == "manner" and ranked:
        # progress is what was done or measured: such a sentence leads when nearly as likely
        done = [u for u in ranked if has_facts(u.text) and u.p >= 0.3 * ranked[0].p]
        if done:
            ranked = [done[0], *[u for u in ranked if u is not done[0]]]
    if query.years:  # a sentence dated to other years than the asked one answers another
        ranked = [u for u in ranked if not dated_elsewhere(u.text, query.years)]
    if not ranked:
        return []
    best = ranked[0]
    if kind == "list":
        block = list_items(units, query, best, doc_chunks, hits)
        if block:
            return block
        if enumerates(best.text):
            return [best]  # the sentence names the items itself (「打造A、B、C…」)
    if kind not in _BROAD:
        return [best]  # one fact wanted: the sentence that states it
    chosen = [best]
    if kind == "manner":
        # Progress: the facts that follow the best sentence in its paragraph belong to it
        chosen += [u for u in units if u.hit is best.hit and u.span.para == best.span.para
                   and u.span.start > best.span.start and has_facts(u.text)]
        chosen = chosen[:max_sentences]
    # Then other sentences nearly as likely, no near-duplicates
    for u in ranked[1:]:
        if len(chosen) >= max_sentences or u.p < max(SUPPORT_SHARE * best.p, _FLOOR):
            break
        if any(u is c or is_duplicate(u.text, c.text) for c in chosen):
            continue
        if any(c.hit.chunk.doc_id == u.hit.chunk.doc_id and c.doc_start < u.doc_end
               and u.doc_start < c.doc_end for c in chosen):
            continue  # the same sentence seen through an overlapping chunk
        if u.hit.chunk.year and best.hit.chunk.year and u.hit.chunk.year != best.hit.chunk.year:
            continue  # another year's document: its figures would read as this year's
        chosen.append(u)
    return chosen


def _cuts(text: str, a: int = 0, b: int | None = None) -> list[int]:
    # Where text[a:b]'s comma-clauses begin and end (each clause keeps its closing ，or ；)
    b = len(text) if b is None else b
    return [a, *(m.end() for m in _CLAUSE.finditer(text, a, b)), b]


def _narrow(u: Unit, a: int, b: int) -> Unit:
    # The comma-clause(s) of the unit holding its direct span [a, b) (plus a comparison after)
    text = u.text
    cuts = _cuts(text)
    lo = max(c for c in cuts if c <= a)
    hi = min(c for c in cuts if c >= b)
    nxt = min((c for c in cuts if c > hi), default=hi)
    if hi < len(text) and _FOLLOW.match(text[hi:nxt]):
        hi = nxt
    prev = max((c for c in cuts if c < lo), default=lo)
    if lo > 0 and lo - prev <= 14 and _WHEN.search(text[prev:lo]):
        lo = prev  # keep the time the figure belongs to (「2024年前三季度，」)
    s, e = lo, hi
    while e > s and text[e - 1] in "，,；; ":
        e -= 1
    while s < e and text[s] in " ":
        s += 1
    if e - s < 2 or (s == 0 and e == len(text)):
        return u
    sp = Span(text[s:e], u.span.start + s, u.span.start + e, u.span.para, u.span.sent,
              max(u.span.clause, 0))
    return Unit(u.hit, sp, u.bullet, u.p, u.matched)


def _one_clause(text: str, a: int, b: int, query: Query) -> tuple[int, int]:
    """A figure or date answer over several clauses narrowed to the one clause that states
    one (of the asked kind) and shares most of the question's words; [a, b) when none does.

    Example:
        >>> from rag.answer.query import analyze
        >>> s = "挖掘特色小吃120余种，建设供应基地50个，小吃产业销售额达到6000万元"
        >>> a, b = _one_clause(s, 0, len(s), analyze("洪洞小吃一年能卖多少钱？"))
        >>> s[a:b]
        '小吃产业销售额达到6000万元'
    """
    cuts = _cuts(text, a, b)
    if len(cuts) <= 2:
        return a, b
    test = has_date if query.wh is not None and query.wh.kind == "date" else has_number
    pairs = _word_pairs(query)
    # (shared pieces, earliest first, start, end) of each clause stating a fitting figure
    stating = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        piece = text[lo:hi].rstrip("，,；; ")
        if piece and test(piece) and (
                not query.unit_kind or query.unit_kind in unit_kinds_of(piece)):
            stating.append((sum(p in piece for p in pairs), -lo, lo, lo + len(piece)))
    return max(stating)[2:] if stating else (a, b)


def _word_pairs(query: Query) -> set[str]:
    # The two-character pieces of the question's terms and their variants
    forms = [f for t in query.terms for f in query.variants(t)]
    return {f[i : i + 2] for f in forms for i in range(len(f) - 1)}


def _enumeration(text: str, pairs: set[str]) -> tuple[int, int] | None:
    """The clauses of `text` that name items (separated by 、) and share a two-character
    piece (`pairs`, see `_word_pairs`) with the question, from the first to the last (else
    the clause naming the most), as offsets.

    Example:
        >>> s = "坚持以人民为中心，紧紧围绕抓好党建、守好底线的“五好思路”，处理好发展、安全的关系。"
        >>> a, b = _enumeration(s, {"五好", "思路"})
        >>> s[a:b]
        '紧紧围绕抓好党建、守好底线的“五好思路”'
    """
    cuts = _cuts(text)
    clauses = [(text.count("、", lo, hi), lo, hi) for lo, hi in zip(cuts, cuts[1:], strict=False)
               if "、" in text[lo:hi]]
    if not clauses:
        return None
    named = [c for c in clauses if any(p in text[c[1] : c[2]] for p in pairs)]
    first, last = (named[0], named[-1]) if named else (max(clauses),) * 2
    lo, hi = first[1], last[2]
    return lo, hi - 1 if text[hi - 1 : hi] in "，,；;" else hi


def _measure(query: Query, n: int) -> str:
    # The question's own measure word for a count it names (「15件民生实事」 → 共15件), else 项
    for value, measure in sorted(named_counts(query.text)):
        if value == n:
            return {"方面": "个方面", "大": "个"}.get(measure, measure)
    return "项"


def _source_note(query: Query, cited: list[Citation]) -> str:
    # Say whose and which year's documents answered, leaving out what the question named
    # (「洪洞哪个景区…」 → 据2021年资料); sources that differ are named in full
    full = []
    for c in cited:
        label = (c.county or "", f"{c.year}年" if c.year else "")
        if any(label) and label not in full:
            full.append(label)
    if not full:
        return ""
    if len(full) > 1:
        return f"据{'、'.join(a + b for a, b in full)}资料，"
    county, year = full[0]
    if any(same_place(p, county) for p in query.places):
        county = ""
    year = "" if query.years else year
    return f"据{county}{year}资料，" if county or year else ""


def compose(chosen: list[Unit], query: Query, decision: Decision, hits: list[Hit]) -> Answer:
    """The answer text (direct answer first, [n] after every sentence) and its citations.

    Example:
        >>> compose([], analyze("x"), Decision(True), []).answerable  # doctest: +SKIP
        False
    """
    if not chosen:  # nothing states what the question asks for (a figure, a date)
        return abstention(Decision(False, decision.confidence, "type"), hits)
    kind = _kind(query)
    # the direct answer from the likeliest unit (a list's items are quoted in document order)
    best = max(chosen, key=lambda u: u.p) if kind == "list" else chosen[0]
    a, b = direct_span(query, best.text)
    if kind in ("number", "date"):
        a, b = _one_clause(best.text, a, b, query)
    direct = best.text[a:b]
    parts_units = list(chosen)
    if kind in FACTOID and b - a < len(best.text):
        parts_units[0] = _narrow(best, a, b)
    elif kind == "list" and len(chosen) == 1 and (
            run := _enumeration(best.text, _word_pairs(query))):
        # a sentence naming the items itself: the clause that names them is the answer
        parts_units[0] = _narrow(best, *run)
        direct = parts_units[0].text
    numbers: dict[str, int] = {}
    parts: list[str] = []
    citations: list[Citation] = []
    if kind == "list" and len(chosen) >= 2 and all(u.bullet for u in chosen):
        parts.append(f"共{len(chosen)}{_measure(query, len(chosen))}：")
        direct = "、".join(display(u.text).rstrip("。") for u in chosen)
    for u in parts_units:
        c = u.hit.chunk
        n = numbers.setdefault(c.id, len(numbers) + 1)
        parts.append(f"{display(u.text)}[{n}]")
        span = {"quote": u.text, "quote_start": u.doc_start, "quote_end": u.doc_end}
        if n <= len(citations):
            citations[n - 1].quotes.append(span)
            continue
        citations.append(Citation(
            n=n, chunk_id=c.id, source=c.source, title=c.title, county=c.county, year=c.year,
            heading_path=list(c.heading_path), text=c.text, quote=u.text,
            quote_start=u.doc_start, quote_end=u.doc_end, quotes=[span],
        ))
    text = _source_note(query, citations) + "".join(parts)
    return Answer(answer=text, answerable=True, citations=citations, passages=list(hits),
                  direct_answer=direct,
                  confidence=decision.confidence)


def abstention(decision: Decision, hits: list[Hit]) -> Answer:
    """The honest answer: what was not found, and the closest passages for reference."""
    text = decision.message
    if hits:
        text += "以下是最接近的资料，仅供参考。"
    note = f"abstained: {decision.reason}" + (f" ({decision.detail})" if decision.detail else "")
    return Answer(answer=text, answerable=False, passages=list(hits), notes=[note],
                  confidence=decision.confidence)
