"""Features of candidate units (for the sentence model) and of a question's evidence (for the
answerability model). None of them names anything in a particular corpus."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from rag.answer.candidates import Unit
from rag.answer.query import Query, named_counts, target_of, unit_kinds_of
from rag.answer.span import align_quality
from rag.answer.stats import CorpusStats
from rag.retrieval.models import Hit

__all__ = ["has_number", "has_date", "has_facts", "UNIT_FEATURES", "QUESTION_FEATURES", "Context",
           "context_for", "unit_features", "question_features", "coverage", "place_ok", "year_ok"]

_NUM = re.compile(r"\d|[一二三四五六七八九十百千万两]+(?:个|项|家|座|条|亿|万|%|倍|人|次)|百分之")
_DATE = re.compile(r"(?:19|20)\d{2}年?|\d{1,2}月|\d{1,2}日|年底|年初|年末|上半年|下半年|年内|今年|"
                   r"去年|明年|近日|日前|目前|[一二三四五六七八九十]+月|[一二三四五六七八九〇零]{4}年")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_LIST = re.compile(r"[一二三四五六七八九十]是|、.+、|（[一二三四五六七八九十]）|[①②③④⑤⑥⑦⑧⑨]")
_FACT = re.compile(
    r"\d+(?:\.\d+)?|揭牌|挂牌|开工|竣工|建成|投产|投用|运营|通车|签约|落地|纳入|入选|获批|完成|启动|"
    r"开通|成为|实现|突破|达到|累计|新增|引进|总投资"
)
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」")
_PUNCT = re.compile(r"[\s，。！？；：、,.!?;:（）()《》“”「」\"'—…]+")

UNIT_FEATURES: tuple[str, ...] = (
    "cov", "cov_local", "cov_ctx", "cov_head", "cov_passage", "key_share", "bigram_q",
    "bigram_idf", "bigram_local", "bigram_local_ctx", "anaphor", "lcs_q",
    "align",
    "type_present", "type_missing", "unit_ok", "unit_bad", "mod_agree", "mod_clash",
    "goal_unasked",
    "year_near", "year_other", "ordinal_ok", "place_ok", "focal_ok", "focal_ctx",
    "rank_recip", "score_rel", "dense",
    "log_len", "short", "long", "is_clause", "list_item", "head_list", "facts", "first",
    "wh_number", "wh_date", "wh_list", "wh_manner", "wh_entity", "wh_none",
)
QUESTION_FEATURES: tuple[str, ...] = (
    "p1", "p2", "p_same_passage", "cov1", "key1", "maxcov", "dense_top", "align1",
    "absent_share", "missing_in_hits", "type_missing1", "log_terms", "bigram1", "lcs1",
    "unit_bad1", "year_other1", "rank1", "dense_gap", "word_gap", "bigram_gap",
    "focal1", "focal_top3", "span_p1", "span_typed1", "focal_near1", "year_clash1",
    "clash1", "count_clash1",
)


def has_number(text: str) -> bool:
    """Whether `text` states a figure (digits, or a Chinese numeral with a measure word)."""
    return bool(_NUM.search(text))


def has_date(text: str) -> bool:
    """Whether `text` states a date, year or time (2024年, 3月, 年底, 今年…)."""
    return bool(_DATE.search(text))


def has_facts(text: str) -> bool:
    """Whether `text` reports something done or measured (a figure, 揭牌, 开工, 建成…)."""
    return bool(_FACT.search(_QUOTED.sub("", text)))


def coverage(text: str, query: Query, weights: dict[str, float]) -> tuple[float, set[str]]:
    """Weighted share of the question's terms present in `text`, and which matched fully.
    A long term only partly present (空气质量 in 空气优良) counts by the share of its
    character bigrams found.

    Example:
        >>> from rag.answer.query import analyze
        >>> q = analyze("龙马物流园进展")
        >>> coverage("龙马物流园揭牌", q, {t: 1.0 for t in q.terms})[0] > 0
        True
    """
    total = sum(weights.values()) or 1.0
    low = text.lower()
    got: set[str] = set()
    score = 0.0
    for t, w in weights.items():
        if any(v.lower() in low for v in query.variants(t)):
            got.add(t)
            score += w
        elif len(t) >= 3:
            grams = [t[i : i + 2].lower() for i in range(len(t) - 1)]
            score += w * sum(g in low for g in grams) / len(grams)
    return score / total, got


def place_ok(hit: Hit, place: str) -> bool:
    """Whether a passage is about (or at least names) `place`: its document's place is
    that place or lies within it (a county within a named city or province), or the
    passage names it."""
    from rag.text.places import lookup, same_place, within

    c = hit.chunk
    named = lookup(place)
    if c.county and (same_place(place, c.county) or any(
            within(a, b) for a in lookup(c.county) for b in named)):
        return True
    keys = {place} | {p.name for p in named}
    return any(k in c.title or k in c.heading or k in c.text for k in keys)


def year_ok(hit: Hit, year: int) -> bool:
    """Whether a passage speaks of `year` (text, headings, title) or is dated so."""
    y = str(year)
    c = hit.chunk
    return c.year == year or y in c.text or y in c.heading or y in c.title


@dataclass
class Context:
    """What the features of one question share: term weights, its rarest terms, its
    content bigrams."""

    query: Query
    weights: dict[str, float]
    keys: set[str]
    qbigrams: set[str]
    qcontent: str
    stats: CorpusStats
    bigram_idf: dict[str, float] = field(default_factory=dict)  # rarity of each bigram


def _content(query: Query) -> str:
    q = query.text
    if query.wh is not None:
        q = q[: query.wh.start] + " " + q[query.wh.end :]
    return _PUNCT.sub(" ", q).strip()


def _bigrams(text: str) -> set[str]:
    out: set[str] = set()
    for part in _PUNCT.split(text):
        out |= {part[i : i + 2] for i in range(len(part) - 1)}
    return out


def context_for(query: Query, stats: CorpusStats) -> Context:
    """Term weights (IDF over the index, uniform without statistics) and the rarest terms."""
    if stats.known:
        weights = {t: stats.idf(t, query.variants(t)) for t in query.terms}
    else:
        weights = {t: 1.0 for t in query.terms}
    top = max(weights.values(), default=0.0)
    keys = {t for t, w in weights.items() if w >= 0.5 * top}
    content = _content(query)
    grams = _bigrams(content)
    idf = {g: stats.idf(g) if stats.known else 1.0 for g in grams}
    return Context(query, weights, keys, grams, content.replace(" ", ""), stats, idf)


def _lcs(a: str, b: str) -> int:
    # Longest common substring length (short strings: a simple DP over a rolling row)
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def _dated(u: Unit, years: list[int]) -> tuple[float, float]:
    # (asked year near the unit, another year near it instead)
    c = u.hit.chunk
    lines = c.text.split("\n")
    para = lines[u.span.para] if 0 <= u.span.para < len(lines) else ""
    local = f"{u.text}\n{para}\n{' '.join(c.heading_path[1:])}"
    if all(str(y) in local for y in years):
        return 1.0, 0.0
    if _YEAR.search(local):
        return 0.0, 1.0
    return (0.5, 0.0) if c.year is not None and all(c.year in (y, y + 1) for y in years) else (
        0.0, 0.0)


def _focal(q: Query, text: str, heads: str) -> tuple[float, float]:
    # (the thing asked about is named in the unit, ... in the unit or its headings);
    # 1 when the question names no such thing
    if not q.focal:
        return 1.0, 1.0
    low, ctx = text.lower(), f"{heads}\n{text}".lower()
    inside = all(any(v.lower() in low for v in q.variants(f)) for f in q.focal)
    near = inside or all(any(v.lower() in ctx for v in q.variants(f)) for f in q.focal)
    return float(inside), float(near)


def _local_weights(ctx: Context, units: list[Unit]) -> dict[str, dict[str, float]]:
    # Per passage, each term's weight times its rarity among the passage's units: the
    # passage's subject (in every sentence) tells its sentences apart less than the attribute
    # asked about (in one)
    by_hit: dict[str, list[str]] = {}
    for u in units:
        by_hit.setdefault(u.hit.chunk.id, []).append(u.text.lower())
    out: dict[str, dict[str, float]] = {}
    for cid, texts in by_hit.items():
        n = len(texts)
        w = {}
        for t, wt in ctx.weights.items():
            forms = [v.lower() for v in ctx.query.variants(t)]
            k = sum(any(f in x for f in forms) for x in texts)
            w[t] = wt * math.log(1.0 + n / (1.0 + k))
        out[cid] = w if sum(w.values()) > 0 else {}
    return out


def _local_bigrams(ctx: Context, units: list[Unit]) -> dict[str, dict[str, float]]:
    # Per passage, each question bigram's rarity times its rarity among the passage's units:
    # the subject's bigrams (in every sentence) count little, the predicate's (以…为食, 又名,
    # 毕业) in one sentence count most
    by_hit: dict[str, list[str]] = {}
    for u in units:
        by_hit.setdefault(u.hit.chunk.id, []).append(u.text)
    out: dict[str, dict[str, float]] = {}
    for cid, texts in by_hit.items():
        n = len(texts)
        out[cid] = {g: w * math.log(1.0 + n / (1.0 + sum(g in x for x in texts)))
                    for g, w in ctx.bigram_idf.items()}
    return out


def unit_features(ctx: Context, units: list[Unit], hits: list[Hit]) -> np.ndarray:
    """One row per unit, `UNIT_FEATURES` order; also records each unit's matched terms."""
    q = ctx.query
    kind = q.wh.kind if q.wh else "none"
    top_score = max((h.score for h in hits), default=1.0) or 1.0
    per_hit: dict[str, tuple[float, float, float]] = {}
    ctx_text = {h.chunk.id: " ".join(h.chunk.heading_path[1:]) for h in hits}
    for h in hits:
        head, _ = coverage(" ".join(h.chunk.heading_path[1:]), q, ctx.weights)
        passage, _ = coverage(h.chunk.index_text, q, ctx.weights)
        ok = all(place_ok(h, p) for p in q.places) if q.places else True
        per_hit[h.chunk.id] = (head, passage, float(ok))
    ordinal = next((t for t in q.terms if t.startswith("第") and t in q.expansions), None)
    idf_total = sum(ctx.bigram_idf.values()) or 1.0
    local = _local_weights(ctx, units)
    local_bi = _local_bigrams(ctx, units)
    rows = []
    prev: tuple[str, int, float, float] | None = None
    for u in units:
        h, t = u.hit, u.text
        head, passage, pl = per_hit[h.chunk.id]
        cov, got = coverage(t, q, ctx.weights)
        u.matched = got
        cov_local = coverage(t, q, local[h.chunk.id])[0] if local[h.chunk.id] else cov
        # the previous sentence of the same paragraph carries its match (他/其 refer back)
        carry = carry_bl = 0.0
        if prev is not None and prev[0] == h.chunk.id and prev[1] == u.span.para:
            carry, carry_bl = prev[2], prev[3]
        shared = _bigrams(t) & ctx.qbigrams
        bl = sum(local_bi[h.chunk.id][g] for g in shared) / (
            sum(local_bi[h.chunk.id].values()) or 1.0)
        prev = (h.chunk.id, u.span.para, cov, bl)
        kinds = unit_kinds_of(t)
        present = {"number": has_number(t), "date": has_date(t),
                   "list": u.bullet or bool(_LIST.search(t))}.get(kind)
        tgt = target_of(t)
        n = len(t)
        yn, yo = _dated(u, q.years) if q.years else (0.0, 0.0)
        fo, fc = _focal(q, t, ctx_text[h.chunk.id])
        big = len(shared)
        # without a shared bigram, alignment is 0 and the longest common run at most 1 char
        align = align_quality(q, t) if big and q.wh and n <= 400 else 0.0
        if big and n <= 400:
            lcs = _lcs(ctx.qcontent, t) / max(len(ctx.qcontent), 1)
        else:
            lcs = float(bool(set(ctx.qcontent) & set(t))) / max(len(ctx.qcontent), 1)
        rows.append([
            cov, cov_local, max(cov, 0.8 * carry), head, passage,
            len(got & ctx.keys) / max(len(ctx.keys), 1),
            big / max(len(ctx.qbigrams), 1),
            sum(ctx.bigram_idf[g] for g in shared) / idf_total,
            bl, max(bl, 0.8 * carry_bl),
            float(t.lstrip()[:1] in "他她它其该此本"),
            lcs,
            align,
            float(present is True), float(present is False and kind in ("number", "date")),
            float(bool(q.unit_kind) and q.unit_kind in kinds),
            float(bool(q.unit_kind) and bool(kinds) and q.unit_kind not in kinds),
            float(bool(q.target) and (tgt == q.target or (q.target == "actual" and not tgt))),
            float(bool(q.target) and bool(tgt) and tgt != q.target),
            float(tgt == "goal" and q.target != "goal"),
            yn, yo,
            float(ordinal is not None and any(v in t for v in q.variants(ordinal))),
            pl, fo, fc,
            1.0 / max(h.rank or (hits.index(h) + 1), 1),
            h.score / top_score,
            float(h.scores.get("dense", 0.0)),
            math.log1p(n), float(n < 12), float(n > 160),
            float(u.span.clause >= 0),
            float(u.bullet and kind == "list"),
            float(u.bullet and kind == "list" and head > cov),
            min(len(_FACT.findall(_QUOTED.sub("", t))), 4) / 4.0,
            float(u.span.sent == 0),
            float(kind == "number"), float(kind == "date"), float(kind == "list"),
            float(kind == "manner"), float(kind in ("which", "what", "person", "place")),
            float(kind == "none"),
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(units), len(UNIT_FEATURES))


def question_features(ctx: Context, units: list[Unit], X: np.ndarray, p: np.ndarray,
                      hits: list[Hit], R: np.ndarray | None = None) -> np.ndarray:
    """One row (`QUESTION_FEATURES`) describing how well the evidence answers the question
    (`R`: the rerank features of the reread units, best first)."""
    q, stats = ctx.query, ctx.stats
    col = {name: i for i, name in enumerate(UNIT_FEATURES)}
    total = sum(ctx.weights.values()) or 1.0
    blob = "\n".join(h.chunk.index_text.lower() for h in hits)
    missing = sum(w for t, w in ctx.weights.items()
                  if not any(v.lower() in blob for v in q.variants(t))) / total
    absent = 0.0
    if stats.known:
        absent = sum(w for t, w in ctx.weights.items()
                     if not any(stats.contains(v) for v in q.variants(t))) / total
    dense_top = max((float(h.scores.get("dense", 0.0)) for h in hits), default=0.0)
    # How far the best passage stands out from the others retrieved for the same question
    # (query-relative, so it carries across corpora whose score scales differ)
    gaps = [_gap([float(h.scores.get(ch, 0.0)) for h in hits])
            for ch in ("dense", "bm25_word", "bm25_bigram")]
    if not len(units):
        return np.array([[0, 0, 0, 0, 0, 0, dense_top, 0, absent, missing, 1, math.log1p(
            len(q.terms)), 0, 0, 0, 0, 0, *gaps, 0, 0, 0, 0, 0, 0, 0, 0]], dtype=np.float64)
    order = np.argsort(-p)
    b = int(order[0])
    other = [int(i) for i in order[1:] if units[int(i)].hit is not units[b].hit]
    same = [int(i) for i in order[1:] if units[int(i)].hit is units[b].hit]
    row = X[b]
    return np.array([[
        p[b], p[other[0]] if other else 0.0, p[same[0]] if same else 0.0,
        row[col["cov"]], row[col["key_share"]], float(X[:, col["cov"]].max()), dense_top,
        row[col["align"]], absent, missing, row[col["type_missing"]],
        math.log1p(len(q.terms)), row[col["bigram_q"]], row[col["lcs_q"]],
        row[col["unit_bad"]], row[col["year_other"]], row[col["rank_recip"]], *gaps,
        row[col["focal_ctx"]], float(X[order[:3], col["focal_ctx"]].max()),
        *_reread(R),
        max(row[col["mod_clash"]], row[col["goal_unasked"]]),
        _count_clash(q, units[b].hit),
    ]], dtype=np.float64)


def _count_clash(q: Query, hit: Hit) -> float:
    # The question names a count (哪6大产业集群) its best passage never states
    asked = named_counts(q.text)
    if not asked:
        return 0.0
    c = hit.chunk
    said = named_counts("".join(f"{' '.join(c.heading_path)}\n{c.text}".split()))
    return float(not asked & said)


def _reread(R: np.ndarray | None) -> list[float]:
    # The best reread unit's span probability, span type, focal closeness, year clash
    from rag.answer.rerank import RERANK_FEATURES  # rerank builds on this module

    names = ("span_p", "span_typed", "focal_near", "year_clash")
    if R is None or not len(R):
        return [0.0] * len(names)
    return [float(R[0, RERANK_FEATURES.index(n)]) for n in names]


def _gap(scores: list[float]) -> float:
    # (best - mean of the rest) / (best or 1): 0 when nothing stands out
    if len(scores) < 2:
        return 0.0
    s = sorted(scores, reverse=True)
    rest = sum(s[1:]) / (len(s) - 1)
    return (s[0] - rest) / (abs(s[0]) or 1.0)
