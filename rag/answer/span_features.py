"""What the span model sees of each candidate: length, edges, the question's words in and
around it, where it sits against the wh-word's gap, its words' parts of speech and Cilin
classes; shared weights plus a block per kind of question."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.answer.query import Query, unit_spans
from rag.answer.span_align import Gap, wh_gap
from rag.answer.span_candidates import (
    _CAUSE,
    _CLOSE,
    _DATE,
    _END_FUNC,
    _FUNC,
    _HAS_NUMBER,
    _NUMBER,
    _OPEN,
    _QUOTED,
    SpanCandidate,
    _aligned_text,
    _trim,
)
from rag.answer.span_types import class_match, word_classes
from rag.answer.span_words import clause_marks, tagged_words
from rag.answer.whword import Wh, find_wh

__all__ = ["KIND_GROUPS", "SPAN_FEATURES", "span_features"]

# jieba part-of-speech flags, coarsened
_POS_CATS = ("nr", "ns", "nt", "nz", "n", "t", "m", "q", "v", "a", "d", "p", "c", "u", "r", "f",
             "eng", "x")
_POS_MAP = {"ng": "n", "j": "n", "i": "n", "l": "n", "s": "ns", "tg": "t", "mq": "m",
            "b": "a", "z": "a", "an": "a", "ad": "a", "ag": "a", "dg": "d", "rr": "r", "rz": "r",
            "rg": "r"}
_NOMINAL = ("nr", "ns", "nt", "nz", "n", "eng")
_HAS_POS = ("nr", "ns", "nt", "nz", "t", "m", "eng", "v")
_HUMAN = frozenset(f"A{c}" for c in "abcdefghijklmn")  # Cilin's classes of people

# Evidence any question kind uses ...
_BASE: tuple[str, ...] = (
    "log_len", "len_share", "len_le2", "len_le4", "len_ge12", "len_ge20", "len_ge40", "whole",
    "log_words", "one_word", "word_edges", "q_char", "q_bigram", "q_cover", "no_q", "q_words",
    "left_ctx", "right_ctx", "left_adj", "right_adj", "left_near", "right_near", "left_wh",
    "right_wh", "at_left_anchor", "at_right_anchor", "align_quality", "clause_start",
    "clause_end", "has_clause_mark", "log_clause_marks", "has_dun", "has_and", "bracketed",
    "before_paren", "after_de", "before_de", "starts_func", "ends_func", "has_number",
    "has_date", "is_number", "is_date", "is_quoted", "unit_kind_match", "unit_kind_clash",
    "noun_after", "noun_end", "noun_inside", "cause_start", "start_pos", "end_pos",
    "all_nominal", "first_matched", "last_matched", "irrel_share", "has_irrel",
    "in_best_clause", "holds_best_clause", "clause_q_share", "gap_iou", "gap_start", "gap_end",
    "gap_in", "gap_holds", "gap_start_near", "gap_end_near", "gap_start_l", "gap_end_r",
    "gap_exact", "aligned_share", "aligned_any", "ext_left", "ext_right", "ext_left_aligned",
    "ext_right_aligned", "gap_empty_whole", "gap_empty_log_len", "gap_empty_clause_start",
    "gap_len_ratio", "type_l2", "type_l4", "noun_char_end", "head_human", "head_time",
    "head_place", "head_thing", "cuts_name", "echo_share",
    *(f"first_{c}" for c in _POS_CATS),
    *(f"last_{c}" for c in _POS_CATS),
    *(f"prev_{c}" for c in _POS_CATS),
    *(f"next_{c}" for c in _POS_CATS),
    *(f"has_{c}" for c in _HAS_POS),
)
# ... and the part of it that weighs differently per kind of question
_PER_KIND: tuple[str, ...] = (
    "log_len", "len_le2", "len_le4", "len_ge12", "len_ge20", "whole", "one_word", "q_char",
    "q_bigram", "left_ctx", "right_ctx", "left_near", "right_near", "left_wh", "right_wh",
    "at_left_anchor", "at_right_anchor", "clause_start", "clause_end", "has_clause_mark",
    "has_dun", "has_number", "has_date", "bracketed", "before_paren", "all_nominal",
    "cause_start", "first_matched", "last_matched", "irrel_share", "has_irrel",
    "in_best_clause", "holds_best_clause", "gap_iou", "gap_start", "gap_end", "gap_in",
    "gap_holds", "gap_start_l", "gap_end_r", "gap_exact", "aligned_share", "ext_left",
    "ext_right", "ext_left_aligned", "ext_right_aligned", "gap_empty_whole", "gap_len_ratio",
    "type_l2", "type_l4", "noun_char_end", "head_human", "head_time", "head_place",
    "head_thing", "last_n", "last_v", "first_v", "first_p", "first_d", "prev_v", "next_v",
    "prev_p", "next_u", "has_nr", "has_ns", "has_nt", "has_nz", "has_t", "has_m", "has_eng",
    "cuts_name", "echo_share",
)
# Kinds of question that take the same kind of answer share their weights
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    "entity": ("person", "place", "which"), "figure": ("number", "date"),
    "explain": ("reason", "manner"), "list": ("list",), "what": ("what",),
    "what_noun": (), "what_is": (), "other": ("yesno", "other"),
}
_GROUP_OF = {k: g for g, ks in KIND_GROUPS.items() for k in ks}
SPAN_FEATURES: tuple[str, ...] = (
    *_BASE, *(f"{g}*{f}" for g in KIND_GROUPS for f in _PER_KIND),
)
_BASE_AT = {f: i for i, f in enumerate(_BASE)}
_KIND_COLS = np.array([_BASE_AT[f] for f in _PER_KIND])


def _pos_cat(flag: str) -> str:
    flag = _POS_MAP.get(flag, flag)
    for c in ("nr", "ns", "nt", "nz"):
        if flag.startswith(c):
            return c
    return flag if flag in _POS_CATS else (flag[0] if flag[:1] in "navdpcurmq" else "x")


def _cum(v: Sequence[bool] | Sequence[float] | np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.asarray(v, dtype=np.float64))])


def _pos_bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)
            if text[i].isalnum() and text[i + 1].isalnum()}


def _hits(s: str, grams: set[str]) -> np.ndarray:
    # Whether the character pair starting at each position of `s` is in `grams`
    return np.array([s[i : i + 2] in grams for i in range(len(s))], dtype=bool)


def _within(A: np.ndarray, B: np.ndarray, spans: Sequence[tuple[int, int]]
            ) -> tuple[np.ndarray, np.ndarray]:
    # Whether each candidate holds one of `spans`, and whether it is exactly one
    inside = np.zeros(len(A), dtype=bool)
    exact = np.zeros(len(A), dtype=bool)
    for a, b in spans:
        inside |= (A <= a) & (b <= B)
        exact |= (A == a) & (B == b)
    return inside, exact


def _window(P: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    # Sums of a prefix-summed row over [lo, hi), clipped to the row
    n = len(P) - 1
    return P[np.clip(hi, 0, n)] - P[np.clip(lo, 0, n)]


def span_features(query: Query, sentence: str, cands: list[SpanCandidate]) -> np.ndarray:
    """One feature row per candidate (`SPAN_FEATURES` order).

    Example:
        >>> from rag.answer.query import analyze
        >>> from rag.answer.span_candidates import span_candidates
        >>> q, s = analyze("优良天数多少天？"), "优良天数256天。"
        >>> span_features(q, s, span_candidates(q, s)).shape[1] == len(SPAN_FEATURES)
        True
    """
    m, s = len(cands), sentence
    X = np.zeros((m, len(SPAN_FEATURES)))
    if m == 0 or not s:
        return X
    F = _base_features(query, s, cands)
    for name, col in F.items():
        X[:, _BASE_AT[name]] = col
    wh = query.wh if query.wh is not None else find_wh(query.text)
    group = _group(query.text, wh)
    off = len(_BASE) + list(KIND_GROUPS).index(group) * len(_PER_KIND)
    X[:, off : off + len(_PER_KIND)] = X[:, _KIND_COLS]
    return X


def _group(text: str, wh: Wh | None) -> str:
    # The kind group; a 「什么」 question asks for a thing named by the noun after it
    # (「什么职务」), a definition (「什么是X」, 「X是什么」) or an account (「做了什么」)
    group = _GROUP_OF.get(wh.kind if wh else "other", "other")
    if group == "what" and wh is not None:
        q = text.rstrip("？?。 ")
        if wh.noun and q[wh.end :].startswith(wh.noun):
            return "what_noun"
        if q.startswith("什么是") or (q.endswith("是什么") and len(q) <= 12):
            return "what_is"
    return group


def _base_features(query: Query, s: str, cands: list[SpanCandidate]) -> dict[str, np.ndarray]:
    # The evidence of `_BASE`, column by column (features left out are 0)
    n, m = len(s), len(cands)
    wh = query.wh if query.wh is not None else find_wh(query.text)
    noun = wh.noun if wh else ""
    q = query.text.rstrip("？?。 ")
    qrest = q[: wh.start] + "\n" + q[wh.end :] if wh else q  # the question without its wh-word
    qb = _pos_bigrams(qrest)
    qchars = {ch for ch in qrest if ch.isalnum()}
    A = np.fromiter((c.start for c in cands), dtype=np.int64, count=m)
    B = np.fromiter((c.end for c in cands), dtype=np.int64, count=m)
    L = (B - A).astype(np.float64)
    F: dict[str, np.ndarray] = {}
    words = tagged_words(s)
    mark = clause_marks(s)

    # length and place
    F["log_len"], F["len_share"] = np.log1p(L), L / n
    F["len_le2"], F["len_le4"] = (L <= 2).astype(float), (L <= 4).astype(float)
    for k in (12, 20, 40):
        F[f"len_ge{k}"] = (L >= k).astype(float)
    a0, b0 = _trim(s, 0, n)
    F["whole"] = ((A == a0) & (B == b0)).astype(float)
    F["start_pos"], F["end_pos"] = A / n, (n - B) / n

    # characters the question shares (in shared pairs; or at all), in and around the span
    m2 = _hits(s, qb)
    cm = m2.copy()
    cm[1:] |= m2[:-1]
    Pm2, Pcm = _cum(m2), _cum(cm)
    Pqc = _cum([ch in qchars for ch in s])
    F["q_char"] = (Pqc[B] - Pqc[A]) / L
    F["q_bigram"] = (Pcm[B] - Pcm[A]) / L
    F["q_cover"] = _window(Pm2, A, B - 1) / max(len(qb), 1)
    F["no_q"] = (F["q_char"] == 0).astype(float)
    F["left_ctx"] = _window(Pm2, A - 8, A - 1) / 7.0
    F["right_ctx"] = _window(Pm2, B, B + 7) / 7.0
    cm_pad = np.concatenate([[False], cm, [False]])  # cm_pad[i + 1] is cm[i]
    F["left_adj"], F["right_adj"] = cm_pad[A].astype(float), cm_pad[B + 1].astype(float)
    F["first_matched"], F["last_matched"] = cm[A].astype(float), cm[B - 1].astype(float)
    idx = np.arange(n)
    last = np.concatenate([[-1], np.maximum.accumulate(np.where(cm, idx, -1))])[A]
    nxt = np.concatenate([np.minimum.accumulate(np.where(cm, idx, n + 99)[::-1])[::-1],
                          [n + 99]])[B]
    F["left_near"] = np.where(last >= 0, 1.0 / (A - last).clip(1), 0.0)
    F["right_near"] = np.where(nxt < n + 99, 1.0 / (nxt - B + 1).clip(1), 0.0)
    if wh:  # the question's own words next to its wh-word, next to the span
        Pl = _cum(_hits(s, _pos_bigrams(q[: wh.start].rstrip(_FUNC + " ，,")[-8:])))
        Pr = _cum(_hits(s, _pos_bigrams(q[wh.end :].lstrip(_FUNC + " ，,的")[:8])))
        F["left_wh"], F["right_wh"] = _window(Pl, A - 7, A - 1) / 6, _window(Pr, B, B + 6) / 6
    la = rb = -1
    for c in _aligned_text(query.text, s):
        if c.source == "align_left":
            la = c.start
        elif c.source == "align_right":
            rb = c.end
    F["at_left_anchor"] = (A == la).astype(float) if la >= 0 else np.zeros(m)
    F["at_right_anchor"] = (B == rb).astype(float) if rb >= 0 else np.zeros(m)
    F["align_quality"] = np.fromiter((c.align for c in cands), dtype=np.float64, count=m)

    # edges: clause marks, brackets, function characters
    pad = " " + s + " "  # pad[i + 1] is s[i]
    before = [pad[a] for a in A]
    after = [pad[b + 1] for b in B]
    mark_pad = np.array([True, *mark, True])  # mark_pad[i + 1] is mark[i]; the ends count
    F["clause_start"], F["clause_end"] = mark_pad[A].astype(float), mark_pad[B + 1].astype(float)
    Pcl = _cum(mark)
    marks = Pcl[B] - Pcl[A]
    F["has_clause_mark"], F["log_clause_marks"] = (marks > 0).astype(float), np.log1p(marks)
    F["has_dun"] = (_window(_cum([ch == "、" for ch in s]), A, B) > 0).astype(float)
    F["has_and"] = (_window(_cum([ch in "和与及" for ch in s]), A, B) > 0).astype(float)
    F["bracketed"] = np.array([x in _OPEN and y in _CLOSE for x, y in zip(before, after,
                                                                          strict=True)], float)
    F["before_paren"] = np.array([y in "（(" for y in after], dtype=float)
    F["after_de"] = np.array([x == "的" for x in before], dtype=float)
    F["before_de"] = np.array([y == "的" for y in after], dtype=float)
    F["starts_func"] = np.array([s[a] in _FUNC for a in A], dtype=float)
    F["ends_func"] = np.array([s[b - 1] in _END_FUNC for b in B], dtype=float)
    # 汤玛斯|·霍尔兹: a name cut at its middle dot
    F["cuts_name"] = np.array([x in "·•" or y in "·•" for x, y in zip(before, after,
                                                                     strict=True)], float)
    if wh:  # the sentence repeating the wh-phrase (「包含两个族：」 for 「包含哪两个族」)
        echo = set(q[wh.start : wh.end] + noun) - set("哪什么多少几谁何怎样啥")
        F["echo_share"] = _window(_cum([ch in echo for ch in s]), A, B) / L
    starts = {a: bool(_CAUSE.match(s, a)) for a in set(A.tolist())}
    F["cause_start"] = np.array([starts[a] for a in A], dtype=float)

    # figures, dates, quoted names, units, the wh-word's noun
    has_num = _within(A, B, [x.span() for x in _HAS_NUMBER.finditer(s)])[0]
    F["has_number"] = has_num.astype(float)
    F["is_number"] = _within(A, B, [x.span() for x in _NUMBER.finditer(s)])[1].astype(float)
    has_d, is_d = _within(A, B, [x.span() for x in _DATE.finditer(s)])
    F["has_date"], F["is_date"] = has_d.astype(float), is_d.astype(float)
    F["is_quoted"] = _within(A, B, [x.span() for x in _QUOTED.finditer(s)])[1].astype(float)
    if query.unit_kind:
        unit = _within(A, B, unit_spans(s, query.unit_kind))[0]
        F["unit_kind_match"] = unit.astype(float)
        F["unit_kind_clash"] = (has_num & ~unit).astype(float)
    if noun:
        k = len(noun)
        F["noun_after"] = np.array([s[b : b + k] == noun for b in B], dtype=float)
        F["noun_end"] = np.array([s[b - k : b] == noun for b in B], dtype=float)
        F["noun_inside"] = np.array([noun in s[a:b] for a, b in zip(A, B, strict=True)], float)
        F["noun_char_end"] = np.array([s[b - 1] == noun[-1] for b in B], dtype=float)

    # clauses the question has no word of are rarely part of the answer
    clause_id = np.concatenate([[0], np.cumsum(mark[:-1])]).astype(np.int64)
    per_clause = np.bincount(clause_id, weights=cm.astype(float))
    Pir = _cum((per_clause[clause_id] == 0) & ~np.array(mark, dtype=bool))
    F["irrel_share"] = (Pir[B] - Pir[A]) / L
    F["has_irrel"] = (F["irrel_share"] > 0).astype(float)
    cs = np.flatnonzero(clause_id == int(np.argmax(per_clause)))
    ca, cb = _trim(s, int(cs[0]), int(cs[-1]) + 1)
    F["in_best_clause"] = ((A >= ca) & (B <= cb)).astype(float)
    F["holds_best_clause"] = ((A <= ca) & (B >= cb)).astype(float)
    F["clause_q_share"] = (Pcm[B] - Pcm[A]) / max(float(per_clause.sum()), 1.0)

    # the gap the question's wh-word (and the noun after it) leaves, by alignment
    if wh:
        edges = {a for a, _, _ in words} | {n}
        end = wh.end + len(noun) if noun and q[wh.end :].startswith(noun) else wh.end
        gap = wh_gap(query.text, wh.start, end, s, mark, edges)
        if gap is not None:
            F.update(_gap_features(gap, A, B, L, n, F["whole"], F["log_len"],
                                   F["clause_start"]))

    # words: how many, their parts of speech and classes, whether the question has them
    cw = np.zeros(n + 1, dtype=np.int64)
    is_edge = np.zeros(n + 1, dtype=bool)
    for i, (a, b, _) in enumerate(words):
        cw[a:b] = i
        is_edge[a] = is_edge[b] = True
    cats = np.array([_pos_cat(f) for _, _, f in words] + ["-"])  # "-": no word
    ws, we = cw[A], cw[B - 1] + 1
    prev_w = np.where(A > 0, cw[np.maximum(A - 1, 0)], -1)
    next_w = np.where(B < n, cw[np.minimum(B, n - 1)], -1)
    F["log_words"] = np.log1p(we - ws)
    F["one_word"] = (we - ws == 1).astype(float)
    F["word_edges"] = (is_edge[A] & is_edge[B]).astype(float)
    for cat in _POS_CATS:
        hit = cats == cat
        F[f"first_{cat}"], F[f"last_{cat}"] = hit[ws].astype(float), hit[we - 1].astype(float)
        F[f"prev_{cat}"], F[f"next_{cat}"] = hit[prev_w].astype(float), hit[next_w].astype(float)
        if cat in _HAS_POS:
            P = _cum(hit[:-1])
            F[f"has_{cat}"] = (P[we] - P[ws] > 0).astype(float)
    content = cats[:-1] != "x"
    nominal = _cum(np.isin(cats[:-1], _NOMINAL) | ~content)
    F["all_nominal"] = (nominal[we] - nominal[ws] == we - ws).astype(float)
    Pqw = _cum([c and s[a:b] in q for (a, b, _), c in zip(words, content, strict=True)])
    Pc = _cum(content)
    F["q_words"] = (Pqw[we] - Pqw[ws]) / np.maximum(Pc[we] - Pc[ws], 1)
    # the head (last word) against the wh-word's noun in Cilin (哪国 → 法国), and its class
    heads = sorted({int(k) for k in we - 1})
    text = {k: s[words[k][0] : words[k][1]] for k in heads}
    top = {k: {c[:2] for c in word_classes(text[k])} for k in heads}
    cls = np.zeros((len(words), 6))
    for k in heads:
        depth = class_match(noun, text[k]) if noun else 0
        cls[k] = (bool(top[k] & _HUMAN) or cats[k] == "nr", "Ca" in top[k] or cats[k] == "t",
                  "Cb" in top[k] or cats[k] == "ns", any(c[:1] == "B" for c in top[k]),
                  depth >= 2, depth >= 4)
    for j, name in enumerate(("head_human", "head_time", "head_place", "head_thing",
                              "type_l2", "type_l4")):
        F[name] = cls[we - 1, j]
    return F


def _gap_features(gap: Gap, A: np.ndarray, B: np.ndarray, L: np.ndarray, n: int,
                  whole: np.ndarray, log_len: np.ndarray, clause_start: np.ndarray
                  ) -> dict[str, np.ndarray]:
    # How each candidate sits against the gap: inside, around, on its edges, how far past it
    ga, gb = gap.start, gap.end
    F: dict[str, np.ndarray] = {}
    inter = (np.minimum(B, gb) - np.maximum(A, ga)).clip(0)
    F["gap_iou"] = inter / (np.maximum(B, gb) - np.minimum(A, ga)).clip(1)
    F["gap_start"], F["gap_end"] = (A == ga).astype(float), (B == gb).astype(float)
    F["gap_exact"] = F["gap_start"] * F["gap_end"]
    F["gap_in"] = ((A >= ga) & (B <= gb)).astype(float)
    F["gap_holds"] = ((A <= ga) & (B >= gb)).astype(float)
    F["gap_start_near"] = 1.0 / (1.0 + np.abs(A - ga))
    F["gap_end_near"] = 1.0 / (1.0 + np.abs(B - gb))
    F["gap_start_l"] = F["gap_start"] * min(gap.left, 6) / 6
    F["gap_end_r"] = F["gap_end"] * min(gap.right, 6) / 6
    al = np.zeros(n, dtype=bool)
    al[list(gap.aligned)] = True
    Pal = _cum(al)
    F["aligned_share"] = (Pal[B] - Pal[A]) / L
    F["aligned_any"] = (Pal[B] - Pal[A] > 0).astype(float)
    # how far past the gap, and whether what that adds is the question's own words
    # (「容量为」101发 for 「容量有多大」)
    xl, xr = (ga - A).clip(0), (B - gb).clip(0)
    F["ext_left"], F["ext_right"] = np.log1p(xl), np.log1p(xr)
    F["ext_left_aligned"] = (Pal[np.maximum(A, np.minimum(ga, B))] - Pal[A]) / xl.clip(1)
    F["ext_right_aligned"] = (Pal[B] - Pal[np.minimum(B, np.maximum(gb, A))]) / xr.clip(1)
    if gb <= ga:  # nothing between: 「什么是X」 asks for the whole statement
        F["gap_empty_whole"] = whole
        F["gap_empty_log_len"] = log_len
        F["gap_empty_clause_start"] = clause_start
    else:
        F["gap_len_ratio"] = np.log(L / (gb - ga))
    return F
