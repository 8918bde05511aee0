"""Split one long span at sentence ends into windows of about a target length, with overlap."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from rag.corpus.cjk import SENTENCE_RE

__all__ = ["sentence_spans", "split_span"]

_SOFT_BREAK = re.compile(r"[，,、：:\s]")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences of `text[start:end]` as absolute spans, without surrounding whitespace.

    Example:
        >>> sentence_spans("标题\\n第一句。第二句！", 0, 10)
        [(0, 2), (3, 7), (7, 10)]
    """
    spans: list[tuple[int, int]] = []
    for m in SENTENCE_RE.finditer(text, start, end):
        a, b = m.span()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
    return spans


def split_span(
    text: str,
    start: int,
    end: int,
    *,
    target: int,
    max_chars: int,
    overlap: int,
    glue: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Windows over `text[start:end]` that end at sentence ends, each at most `max_chars`.

    Consecutive windows share up to `overlap` characters (whole sentences only). A
    sentence longer than `max_chars` is cut at a comma or, failing that, hard. Text
    inside a `glue` span (a heading) stays with the sentence after it.

    Example:
        >>> t = "一二三四五。" * 10
        >>> split_span(t, 0, len(t), target=20, max_chars=25, overlap=6)[:2]
        [(0, 18), (12, 30)]
    """
    spans = _glued(sentence_spans(text, start, end), glue)
    sentences = [piece for s in spans for piece in _cut(text, *s, max_chars)]
    if not sentences:
        return []
    total = sentences[-1][1] - sentences[0][0]
    # balance the windows: 1000 chars at target 450 gives three of ~333, not 450+450+100
    goal = min(max_chars, math.ceil(total / max(1, math.ceil(total / target))))
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        first = i
        if windows and overlap > 0:
            first = _overlap_start(sentences, i, overlap)
            if sentences[i][1] - sentences[first][0] > max_chars:
                first = i
        j = i + 1
        if sentences[-1][1] - sentences[first][0] <= max_chars:
            j = len(sentences)  # the rest fits: no short tail window
        while j < len(sentences) and sentences[j][1] - sentences[first][0] <= goal:
            j += 1
        windows.append((sentences[first][0], sentences[j - 1][1]))
        i = j
    return windows


def _glued(spans: list[tuple[int, int]], glue: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join each sentence lying inside a glue span to the sentence after it.

    Both lists are in text order, so one pass with a pointer into `glue` does it.
    """
    ordered = sorted(glue)
    out: list[tuple[int, int]] = []
    carry: int | None = None
    k = 0
    for a, b in spans:
        first = a if carry is None else carry
        while k < len(ordered) and ordered[k][1] < b:  # glue spans ending before this sentence
            k += 1
        inside = any(ga <= a and b <= gb for ga, gb in ordered[k : k + 2])
        if inside:
            carry = first
            continue
        carry = None
        out.append((first, b))
    if carry is not None:
        if out:
            out[-1] = (out[-1][0], spans[-1][1])
        else:
            out.append((carry, spans[-1][1]))
    return out


def _overlap_start(sentences: list[tuple[int, int]], i: int, overlap: int) -> int:
    """First sentence of the overlap carried over before sentence `i`."""
    k = i
    while k - 1 >= 0 and sentences[i - 1][1] - sentences[k - 1][0] <= overlap:
        k -= 1
    return k


def _cut(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than `max_chars` cut into pieces at soft breaks."""
    pieces: list[tuple[int, int]] = []
    while b - a > max_chars:
        cut = a + max_chars
        soft = [m.end() for m in _SOFT_BREAK.finditer(text, a + max_chars // 2, a + max_chars)]
        if soft:
            cut = soft[-1]
        stop = cut
        while stop > a and text[stop - 1].isspace():
            stop -= 1
        pieces.append((a, stop))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if a < b:
        pieces.append((a, b))
    return pieces
