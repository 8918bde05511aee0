"""The offline answerer: quote the best sentences of the top passages, each with [n]."""

from __future__ import annotations

import re

from rag.answer.evidence import dated_units
from rag.answer.models import Answer, Citation
from rag.answer.query import Query
from rag.answer.scoring import Unit, place_match
from rag.answer.stats import CorpusStats
from rag.answer.text import Span, bigrams
from rag.retrieval.models import Hit

__all__ = ["ExtractiveAnswerer", "select_units", "compose", "is_duplicate", "display", "narrow"]

_TERMINAL = "。！？!?"
_OTHER_PASSAGE = 0.9  # a focused question quotes a second passage scoring this share of the best


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


def select_units(units: list[Unit], query: Query, max_sentences: int) -> list[Unit]:
    """The best units: close enough to the best score, no near-duplicates, at most N.

    Questions after one figure or date want few sentences; progress and list questions
    want the facts, so they keep more.
    """
    # A question that names a county quotes only passages about that county
    units = [u for u in units if all(place_match(u.hit, p) for p in query.places)]
    # A figure question naming a year quotes only sentences dated so
    units = dated_units(units, query)
    anchor = next((u for u in units if u.cov > 0), None)
    if anchor is None:
        return []
    broad = bool({"progress", "list"} & set(query.intents))
    rel = 0.45 if broad else 0.75 if query.intents else 0.6
    cap = max_sentences if broad else min(max_sentences, 2 if query.intents else 3)
    best = anchor.score
    chosen: list[Unit] = [anchor]
    # Short list items (「六是免费送戏下乡」) count half a sentence toward the cap
    size = 0.5 if "list" in query.intents else 1.0

    def used() -> float:
        return sum(size if len(c.span.text) < 40 else 1.0 for c in chosen)

    for u in units:
        if u.score < rel * best or used() >= cap:
            break
        if u.cov <= 0 and not broad:
            continue  # figure questions quote what names the thing asked about
        if not u.key and (not broad or all(c.hit is not u.hit for c in chosen)):
            continue  # a further figure, or another passage, must name the rarest terms itself
        if not broad and u.score < _OTHER_PASSAGE * best and all(
                c.hit is not u.hit for c in chosen):
            continue  # one fact wanted: another passage only when about as good
        if any(is_duplicate(u.span.text, c.span.text) for c in chosen):
            continue
        if not broad and _same_figures(u, chosen):
            continue  # the figures it gives are already quoted
        if any(c.doc_start < u.doc_end and u.doc_start < c.doc_end
               and c.hit.chunk.doc_id == u.hit.chunk.doc_id for c in chosen):
            continue  # the same sentence seen through an overlapping chunk
        chosen.append(u)
    if not broad and {"number", "date", "which"} & set(query.intents):
        figures = bool({"number", "date"} & set(query.intents))
        chosen = [narrow(u, query, figures=figures) for u in chosen]
    return chosen


def _same_figures(u: Unit, chosen: list[Unit]) -> bool:
    # A sentence whose every figure an already chosen one gives (「10家以上」 twice)
    figs = set(_NUMBER.findall(u.span.text))
    return bool(figs) and figs <= {f for c in chosen for f in _NUMBER.findall(c.span.text)}


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PHRASE_CUT = re.compile(r"[，,；;：:]")
_FIGURE = re.compile(r"\d")


def narrow(u: Unit, query: Query, min_chars: int = 50, figures: bool = True) -> Unit:
    """For figure (and which-one) questions: quote only the comma-phrases of a long sentence
    that carry the question's terms (from the first such phrase to the last one with a
    figure, or with a term when `figures` is False).

    Example: 「全县地区生产总值增长5%,固定资产投资增长13.8%,…」 asked about GDP quotes
    「全县地区生产总值增长5%」.
    """
    text = u.span.text
    terms = u.key or u.matched
    if len(text) < min_chars or not terms:
        return u
    cuts = [0] + [m.end() for m in _PHRASE_CUT.finditer(text)] + [len(text)]
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    hit = [i for i, (a, b) in enumerate(pieces)
           if any(v in text[a:b] for t in terms for v in query.variants(t))]
    fig = [i for i in hit if not figures or _FIGURE.search(text[pieces[i][0] : pieces[i][1]])]
    if not hit or not fig:
        return u
    i0, i1 = hit[0], fig[-1]
    if figures and i1 + 1 < len(pieces) and not hit.count(i1 + 1) and _FIGURE.search(
            text[pieces[i1 + 1][0] : pieces[i1 + 1][1]]) and len(pieces) - i1 <= 2:
        i1 += 1  # a figure right after (「同比增长7%」) belongs to it
    a, b = pieces[i0][0], pieces[i1][1]
    while b > a and text[b - 1] in "，,；;：: ":
        b -= 1
    while a < b and text[a] in " ":
        a += 1
    if b - a < 6 or (a == 0 and b == len(text)):
        return u
    sp = Span(text[a:b], u.span.start + a, u.span.start + b, u.span.para, u.span.sent,
              max(u.span.clause, 0))
    return Unit(u.hit, sp, u.cov, u.score, u.matched, u.key)


def _merge_clauses(units: list[Unit]) -> list[Unit]:
    # Adjacent clauses of one sentence in one passage become one quote
    out: list[Unit] = []
    for u in units:
        last = out[-1] if out else None
        if (last is not None and last.hit is u.hit and last.span.sent == u.span.sent
                and last.span.clause >= 0 and u.span.clause == last.span.clause + 1
                and not u.hit.chunk.text[last.span.end : u.span.start].strip("，,；; ")):
            text = u.hit.chunk.text[last.span.start : u.span.end]
            sp = Span(text, last.span.start, u.span.end, u.span.para, u.span.sent, u.span.clause)
            out[-1] = Unit(u.hit, sp, max(last.cov, u.cov), max(last.score, u.score),
                           last.matched | u.matched, last.key | u.key)
        else:
            out.append(u)
    return out


def display(quote: str) -> str:
    """A quote as an answer sentence: a clause's ；or ， becomes 。."""
    q = quote.rstrip("；;，,、：:")
    if not q.endswith(tuple(_TERMINAL)) and not q.endswith(("”", "」", "）", ")")):
        q += "。"
    return q


def compose(chosen: list[Unit], hits: list[Hit]) -> Answer:
    """Order the chosen units (passages by their best unit, then document order), number
    the passages they come from and write the answer with a [n] after each sentence."""
    best_of: dict[str, float] = {}
    for u in chosen:
        best_of[u.hit.chunk.id] = max(best_of.get(u.hit.chunk.id, 0.0), u.score)
    ordered = sorted(chosen, key=lambda u: (-best_of[u.hit.chunk.id], u.hit.chunk.id, u.span.start))
    ordered = _merge_clauses(ordered)
    numbers: dict[str, int] = {}
    parts: list[str] = []
    citations: list[Citation] = []
    for u in ordered:
        c = u.hit.chunk
        if c.id not in numbers:
            numbers[c.id] = len(numbers) + 1
        n = numbers[c.id]
        parts.append(f"{display(u.span.text)}[{n}]")
        span = {"quote": u.span.text, "quote_start": u.doc_start, "quote_end": u.doc_end}
        if n <= len(citations):
            citations[n - 1].quotes.append(span)
            continue
        citations.append(Citation(
            n=n, chunk_id=c.id, source=c.source, title=c.title, county=c.county, year=c.year,
            heading_path=list(c.heading_path), text=c.text, quote=u.span.text,
            quote_start=u.doc_start, quote_end=u.doc_end, quotes=[span],
        ))
    return Answer(answer="".join(parts), answerable=bool(parts), citations=citations,
                  passages=list(hits))


class ExtractiveAnswerer:
    """The `Answerer` protocol over hits already retrieved (no rewriting; term rarity taken
    from `stats`, e.g. `stats_for(index)`, or uniform without it).

    Example:
        >>> ans = ExtractiveAnswerer().answer("龙马物流园进展如何", hits)  # doctest: +SKIP
        >>> ans.answer  # doctest: +SKIP
        '山东港口内陆港在龙马物流园正式揭牌，…[1]…'
    """

    def __init__(self, max_sentences: int = 5, threshold: float = 0.2,
                 stats: CorpusStats | None = None) -> None:
        self.max_sentences, self.threshold = max_sentences, threshold
        self.stats = stats or CorpusStats([])

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        from rag.answer.abstain import Verdict, abstention, judge
        from rag.answer.query import analyze
        from rag.answer.scoring import score_units

        query = analyze(question)
        units = score_units(query, hits, self.stats)
        verdict = judge(query, hits, units, self.stats, self.threshold)
        chosen = select_units(units, query, self.max_sentences) if verdict.answerable else []
        if not chosen and verdict.answerable:
            verdict = Verdict(False, "weak", "", verdict.evidence)
        ans = compose(chosen, hits) if chosen else abstention(verdict, hits)
        ans.evidence = round(verdict.evidence, 4)
        return ans
