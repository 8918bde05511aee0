"""The gap a question's wh-word leaves in a sentence, by a monotone character alignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Gap", "wh_gap"]

_SKIP = set(" \u3000，。；：、,.;:！？!?（）()《》“”「」\"'·-\0")
_FUNC = set("是为在于有的了由被以将把从和与及其也都曾即乃约共")
_ISOLATED = 0.25  # weight of a lone shared character (的, 在…) against one in a shared run


@dataclass(frozen=True)
class Gap:
    """Where the answer should sit: `start`/`end` in the sentence (the clause edge when the
    question has nothing on that side), and how many question characters anchor each side."""

    start: int
    end: int
    left: int  # question characters aligned before the wh-word
    right: int  # question characters aligned after it
    aligned: tuple[int, ...]  # sentence offsets aligned to the question


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _align(q: str, s: str) -> list[tuple[int, int]]:
    """A monotone alignment of `q`'s characters to `s`'s maximising shared runs; of the
    alignments taking the latest and the earliest occurrences, the tighter one."""
    late = _align_late(q, s)
    early = [(len(q) - 1 - i, len(s) - 1 - j) for i, j in reversed(_align_late(q[::-1], s[::-1]))]
    if early and late and early[-1][1] - early[0][1] < late[-1][1] - late[0][1]:
        return early
    return late


def _align_late(q: str, s: str) -> list[tuple[int, int]]:
    # The alignment, ties going to the latest characters of `s`
    if not q or not s:
        return []
    qc, sc = _codes(q), _codes(s)
    eq = qc[:, None] == sc[None, :]
    skip_q = np.array([ch in _SKIP for ch in q])
    eq[skip_q, :] = False
    run = np.zeros_like(eq)
    run[1:, 1:] |= eq[:-1, :-1]
    run[:-1, :-1] |= eq[1:, 1:]
    w = np.where(eq & run, 1.0, np.where(eq, _ISOLATED, 0.0))
    nq, ns = eq.shape
    D = np.zeros((nq + 1, ns + 1))
    for i in range(nq):
        t = np.maximum(D[i, 1:], D[i, :-1] + w[i])
        D[i + 1, 1:] = np.maximum.accumulate(t)
    out: list[tuple[int, int]] = []
    i, j = nq, ns
    while i > 0 and j > 0:
        if w[i - 1, j - 1] > 0 and D[i, j] == D[i - 1, j - 1] + w[i - 1, j - 1]:
            out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif D[i, j] == D[i - 1, j]:
            i -= 1
        else:
            j -= 1
    out.reverse()
    # a lone character matched far from any run is noise (的, 是)
    keep = []
    for k, (a, b) in enumerate(out):
        near = any(abs(a - c) <= 1 and abs(b - d) <= 1 for c, d in out[max(0, k - 1) : k + 2]
                   if (c, d) != (a, b))
        if near or q[a] not in _FUNC:
            keep.append((a, b))
    return keep


def wh_gap(question: str, wh_start: int, wh_end: int, sentence: str,
           marks: list[bool], edges: set[int] | None = None) -> Gap | None:
    """The sentence span between the question's words aligned before its wh-word
    (`question[wh_start:wh_end]`) and those aligned after it; `marks` flags clause-ending
    characters of `sentence`; `edges`, its word boundaries, keep the gap from cutting a word
    (「引[致」 → 「引致[」). None when nothing of the question aligns.

    Example:
        >>> s = "苏佩维埃尔生于乌拉圭蒙得维的亚，后移居法国。"
        >>> marks = [ch in "，。" for ch in s]
        >>> g = wh_gap("苏佩维埃尔出生于哪里？", 8, 10, s, marks)
        >>> s[g.start:g.end]
        '乌拉圭蒙得维的亚'
    """
    q = question.rstrip("？?。！! ")
    # the wh-phrase itself aligns with nothing
    masked = q[:wh_start] + "\0" * (min(wh_end, len(q)) - wh_start) + q[wh_end:]
    pairs = _align(masked, sentence)
    left = [j for i, j in pairs if i < wh_start]
    right = [j for i, j in pairs if i >= wh_end]
    if not left and not right:
        return None
    n = len(sentence)
    a = b = -1
    if left:
        a = left[-1] + 1
        while a < n and (sentence[a] in _FUNC or marks[a] or sentence[a] in _SKIP):
            a += 1
    if right:
        b = max(right[0], a)
    if a < 0:  # from the start of the clause the right side sits in (or the one before)
        a = b
        while a > 0 and not marks[a - 1]:
            a -= 1
        if a == b:
            while a > 0 and (marks[a - 1] or sentence[a - 1] in _SKIP):
                a -= 1
            while a > 0 and not marks[a - 1]:
                a -= 1
    if b < 0:  # to the end of the clause
        b = a
        while b < n and not marks[b]:
            b += 1
    if edges:
        while a < n and a not in edges:
            a += 1
        while b > a and b not in edges:
            b -= 1
    while b > a and (sentence[b - 1] in _SKIP or sentence[b - 1] == "的"):
        b -= 1
    while a < b and sentence[a] in _SKIP:
        a += 1
    return Gap(a, b, len(left), len(right), tuple(j for _, j in pairs))
