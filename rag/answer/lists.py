"""List questions: every item of the list the question asks for, in document order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from rag.answer.candidates import Unit
from rag.answer.features import coverage
from rag.answer.query import Query, count_value, named_counts
from rag.answer.text import Span
from rag.corpus.models import Chunk
from rag.retrieval.models import Hit

__all__ = ["list_items", "enumerates"]

# A numbered item: a line 「(一) …」「（二）…」「三、…」 to its end, or a clause 「一是…」 after
# 。；： or a line start, to its ；or 。 (the marker's style and value)
_NUMBERED = re.compile(
    r"(?m)^[ \t\u3000\-]*(?:(?P<paren>[（(])(?P<a>[一二三四五六七八九十]{1,3})[）)]|"
    r"(?P<b>[一二三四五六七八九十]{1,3})(?P<dun>、))[ \t\u3000]*(?=\S)|"
    r"(?:^|(?<=[。；;：:]))[ \t\u3000\-]*(?P<c>[一二三四五六七八九十]{1,3})(?P<shi>是)")
_CLAUSE_END = re.compile(r"[；;。\n]")
_LINE_END = re.compile(r"\n")
# A run-in heading: a short first sentence of its paragraph, the body after it on its line
_RUN_IN = re.compile(r"(?m)^[ \t\u3000]*([^\s，,；;。：:、]{2,16})。[ \t\u3000]*(?=\S)")
# How far (characters) a list may sit from the sentence that leads into it
_NEAR = 3000


def list_items(units: list[Unit], query: Query, best: Unit,
               doc_chunks: Callable[[str], list[Chunk]] | None = None,
               hits: Iterable[Hit] = ()) -> list[Unit]:
    """The items of the list `best` belongs to or leads into, whole and in order, or [].

    Five shapes are read, in this order: bullet items around `best` (or after its lead-in),
    bullet items under a heading that names what is asked, the sub-headings of `best`'s
    section (「积极培育新兴产业」 over 「智能装备制造集群」「煤机制造产业集群」…), a numbered run
    (lines 「(一)…」 to 「(九)…」, or clauses 「一是…；二是…」), and the clauses of the
    sentence `best` is a clause of (「主要预期目标是：A；B；C。」). When the question names a
    count (「哪九项」), a bullet list of that many items is preferred, and the other shapes
    are taken only with that many. Sub-headings and numbered items are gathered from the whole
    document when `doc_chunks` (the index's chunks of one document) is given, else from
    `hits`.

    Example:
        >>> list_items([], analyze("有哪些？"), best)  # doctest: +SKIP
        []
    """
    counts = {n for n, _ in named_counts(query.text)}
    # Bullet items first (as written under the question's heading or around best) …
    bullets = _bullet_block(best, units) or _headed_block(units, query, best)
    if len(bullets) >= 2 and (not counts or len(bullets) in counts):
        return bullets
    # … then sub-headings or numbered items: as many as the question counts, else as many as
    # a lead-in counts (「明确…五大战略定位」), unless best names the items itself
    # (「打造A、B、C、D四大平台」)
    expect = counts or {n for n, _ in named_counts(best.text)}
    inline = enumerates(best.text, counts) if counts else not expect and enumerates(best.text)
    if not inline:
        pool = _doc_chunks(best, doc_chunks, hits)
        for items in (_subsections(pool, query, best, bool(expect)),
                      _numbered(pool, best, expect)):
            if len(items) >= 2 and (not expect or len(items) in expect):
                return items
    # … then the clauses of best's sentence (「主要预期目标是：A；B；C。」)
    clauses = _clause_block(best, units)
    if len(clauses) >= 2 and (not counts or len(clauses) in counts):
        return clauses
    return bullets if len(bullets) >= 2 else []


def enumerates(text: str, counts: set[int] | None = None) -> bool:
    """Whether `text` names several items itself, separated by 、 (as many as counted).

    Example:
        >>> enumerates("打造绿色消费示范区、化工园区、数字园区、跨境电商四大平台", {4})
        True
    """
    need = min((n - 1 for n in counts or () if n >= 2), default=2)
    return text.count("、") >= need


def _doc_chunks(best: Unit, doc_chunks: Callable[[str], list[Chunk]] | None,
                hits: Iterable[Hit]) -> list[Chunk]:
    # The chunks of best's document, in document order (the index's, else the retrieved)
    doc = best.hit.chunk.doc_id
    found = doc_chunks(doc) if doc_chunks else [h.chunk for h in hits if h.chunk.doc_id == doc]
    by_id = {c.id: c for c in found}
    by_id.setdefault(best.hit.chunk.id, best.hit.chunk)
    return sorted(by_id.values(), key=lambda c: (c.start, c.end))


def _bullet_block(best: Unit, units: list[Unit]) -> list[Unit]:
    # The bullet items around `best` in its passage, in order (the whole list, never cut)
    same = sorted((u for u in units if u.hit is best.hit), key=lambda u: u.span.start)
    if best not in same:
        return []
    i = same.index(best)
    if not best.bullet:
        # a lead-in (「十件民生实事包括：」) followed by its items
        if i + 1 < len(same) and same[i + 1].bullet:
            best, i = same[i + 1], i + 1
        else:
            return []
    lo = hi = i
    while lo > 0 and same[lo - 1].bullet:
        lo -= 1
    while hi + 1 < len(same) and same[hi + 1].bullet:
        hi += 1
    return same[lo : hi + 1]


def _clause_block(best: Unit, units: list[Unit]) -> list[Unit]:
    # The clauses of the sentence best is a clause of (「主要预期目标是：A；B；C。」)
    if best.span.clause < 0:
        return []
    return sorted((u for u in units if u.hit is best.hit and u.span.sent == best.span.sent
                   and u.span.clause >= 0), key=lambda u: u.span.start)


def _headed_block(units: list[Unit], query: Query, best: Unit) -> list[Unit]:
    # The items under a heading that names what a list question asks for (「全力办好15件民生
    # 实事」 over 「- 一是…」), when the heading matches the question better than the best unit
    weights = {t: 1.0 for t in query.terms}
    if not weights:
        return []
    bar = max(0.6, coverage(best.text, query, weights)[0] + 1e-9)
    hits = {u.hit.chunk.id: u.hit for u in sorted(units, key=lambda u: u.hit.rank or 0)}
    for hit in hits.values():
        heads = " ".join(hit.chunk.heading_path[1:])  # not the title: every passage has it
        items = [u for u in units if u.hit is hit and u.bullet]
        if len(items) >= 2 and coverage(heads, query, weights)[0] >= bar:
            return _bullet_block(items[0], units)
    return []


def _subsections(pool: list[Chunk], query: Query, best: Unit, counted: bool) -> list[Unit]:
    # The sub-headings of the section best leads (or of the section it sits in), one item
    # each, quoted where the sub-section's text states its heading
    path = tuple(best.hit.chunk.heading_path)
    for parent, lead in ((path, True), (path[:-1], False)):
        if not parent:
            continue
        heads: dict[str, tuple[Chunk, int]] = {}  # heading → its chunk and offset there
        for c in pool:
            hp = tuple(c.heading_path)
            if len(hp) == len(parent) + 1 and hp[: len(parent)] == parent and hp[-1] in c.text:
                heads.setdefault(hp[-1], (c, c.text.find(hp[-1])))
        if len(heads) < 2:
            continue
        # Run-in headings (「智能装备制造集群。 把…」) a chunk of the section itself holds
        if all(c.text.startswith(h + "。", i) for h, (c, i) in heads.items()):
            for c in pool:
                if tuple(c.heading_path) == parent:
                    for m in _RUN_IN.finditer(c.text):
                        heads.setdefault(m.group(1), (c, m.start(1)))
        named = sum(any(t in h for t in query.terms) for h in heads)
        if not counted and named < (1 if lead else (len(heads) + 1) // 2):
            continue
        order = sorted(heads.items(), key=lambda x: x[1][0].start + x[1][1])
        return [_unit(c, i, i + len(h), best) for h, (c, i) in order]
    return []


class _Line(NamedTuple):
    """A numbered line of a chunk: offsets in its text, marker style and value."""

    chunk: Chunk
    start: int
    end: int
    style: str
    value: int

    @property
    def doc_start(self) -> int:
        return self.chunk.start + self.start

    @property
    def doc_end(self) -> int:
        return self.chunk.start + self.end


def _numbered(pool: list[Chunk], best: Unit, counts: set[int]) -> list[Unit]:
    # A run of numbered lines (一, 二, 三 … in one marker style) near best: the one with as
    # many items as the question counts, else the one best is part of or leads into
    at = best.doc_start
    lines: dict[int, _Line] = {}  # by offset in the document (chunks may overlap)
    for c in pool:
        if c.end < at - 4 * _NEAR or c.start > at + 4 * _NEAR:
            continue  # bounded work in a long document: only the text around best
        for m in _NUMBERED.finditer(c.text):
            style = m.group("paren") or m.group("dun") or m.group("shi")
            value = count_value(m.group("a") or m.group("b") or m.group("c"))
            end = _item_end(c.text, m.end(), _CLAUSE_END if style == "是" else _LINE_END)
            # the item starts at its marker, not at the spaces or bullet before it
            start = next(m.start(g) for g in ("paren", "b", "c") if m.group(g))
            line = _Line(c, start, end, style, value)
            lines.setdefault(line.doc_start, line)
    # Runs: 一, 二, 三 … in document order, each continuing the last run of its style
    runs: list[list[_Line]] = []
    for _, line in sorted(lines.items()):
        run = next((r for r in reversed(runs)
                    if r[-1].style == line.style and r[-1].value + 1 == line.value), None)
        if run is not None:
            run.append(line)
        elif line.value == 1:
            runs.append([line])
    # The run the question means: as long as counted and near best, or led into by best
    near: list[tuple[int, list[_Line]]] = []
    for run in runs:
        lo, hi = run[0].doc_start, run[-1].doc_end
        if counts:
            ok = len(run) in counts and lo - _NEAR <= at <= hi + _NEAR
        else:
            ok = lo - 200 <= best.doc_end <= lo or any(x.doc_start <= at < x.doc_end for x in run)
        if ok and len(run) >= 2:
            near.append((min(abs(at - lo), abs(at - hi)), run))
    if not near:
        return []
    run = min(near, key=lambda x: x[0])[1]
    return [_unit(x.chunk, x.start, x.end, best) for x in run]


def _item_end(text: str, at: int, stop: re.Pattern[str]) -> int:
    # Where an item going on at `at` ends: at its line's end, or its clause's (「一是…；」)
    m = stop.search(text, at)
    end = m.start() if m else len(text)
    while end > at and text[end - 1].isspace():
        end -= 1
    return end


def _unit(chunk: Chunk, start: int, end: int, best: Unit) -> Unit:
    # A list item as a quotable unit of `chunk` (best's hit when it is best's chunk)
    hit = best.hit if chunk.id == best.hit.chunk.id else Hit(chunk, 0.0, 0)
    text = chunk.text[start:end]
    para = chunk.text.count("\n", 0, start)
    return Unit(hit, Span(text, start, end, para, -1), True, best.p)
