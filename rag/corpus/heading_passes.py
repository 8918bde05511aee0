"""Passes over heading candidates: lists, two-line titles, headline block, empty headings."""

from __future__ import annotations

from dataclasses import replace

from rag.corpus.cjk import has_inner_space
from rag.corpus.heading_types import Heading
from rag.corpus.normalize import Paragraph

__all__ = [
    "drop_lists",
    "join_pairs",
    "drop_front_matter",
    "demote_empty",
    "mark_articles",
    "close_dashes",
    "covered_paragraphs",
]


# Clean-ups over the stand-alone candidates
def drop_lists(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """Three or more plain stand-alone lines in a row are a list (slogans, captions).

    The list is body text of its own: a nameless `break` heading closes the sections
    before it, so it is not filed under the last heading.
    """
    plain = {i for i, h in found.items() if h.style.startswith("plain")}
    run: list[int] = []
    for i in range(len(paras) + 1):
        if i in plain:
            run.append(i)
            continue
        if len(run) >= 3:
            for j in run:
                del found[j]
            if run[0] > 0:
                start = paras[run[0]].start
                found[run[0]] = Heading(run[0], start, start, "", "break")
        run = []


def join_pairs(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """A long heading the layout broke over two lines (`…开启全面建设` / `“幸福老家洪洞”新征程`)."""
    for i in sorted(found):
        a, b = found.get(i), found.get(i + 1)
        if a is None or b is None or i + 2 >= len(paras) or i + 2 in found:
            continue
        if not (a.style.startswith("plain") and b.style.startswith("plain")):
            continue
        if len(a.label) < 10 or has_inner_space(b.label):
            continue
        sep = "" if has_inner_space(a.label) else " "
        found[i] = Heading(i, a.start, b.end, a.label + sep + b.label, "plain_long")
        del found[i + 1]


def drop_front_matter(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """Plain lines before the first body paragraph are the headline block, not sections."""
    inside = covered_paragraphs(found, paras)
    for i in range(len(paras)):
        h = found.get(i)
        if h is None:
            if i not in inside:
                return
            continue
        if not h.style.startswith("plain"):
            return
        del found[i]


def covered_paragraphs(found: dict[int, Heading], paras: list[Paragraph]) -> set[int]:
    """Paragraphs that are (part of) a heading."""
    return {j for h in found.values() for j in range(h.para, _next_para(h, paras))}


def demote_empty(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """A heading with nothing under it (end of text, or a sibling follows) is body text.

    This also turns a table of contents (`第一章…` `第二章…` in a row) into body text.
    """
    changed = True
    while changed:
        changed = False
        for i in sorted(found, reverse=True):
            h = found[i]
            if h.style == "break":
                continue
            nxt = _next_para(h, paras)
            if nxt >= len(paras) or (nxt in found and found[nxt].rank <= h.rank):
                del found[i]
                changed = True


def _next_para(h: Heading, paras: list[Paragraph]) -> int:
    """Index of the first paragraph after the heading's text."""
    j = h.para
    while j < len(paras) and paras[j].start < h.end:
        j += 1
    return j


def mark_articles(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """After a byline a new article starts: its headings do not nest under the last one's."""
    for i, p in enumerate(paras):
        if not p.after_byline:
            continue
        h = found.get(i)
        if h is None:
            found[i] = Heading(i, p.start, p.start, "", "break", reset=True)
        else:
            found[i] = replace(h, reset=True)


def close_dashes(found: dict[int, Heading], paras: list[Paragraph]) -> None:
    """A `——` item heads its own paragraph only: the body paragraph after it is not under it."""
    for i in sorted(found):
        h = found[i]
        if h.style != "dash" or i + 1 >= len(paras) or i + 1 in found:
            continue
        start = paras[i + 1].start
        found[i + 1] = Heading(i + 1, start, start, "", "dash_end")
