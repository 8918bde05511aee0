"""Heading detection over normalised paragraphs: which paragraphs open a section, at what rank."""

from __future__ import annotations

import re

from rag.corpus import heading_passes
from rag.corpus.cjk import ends_sentence, has_inner_space
from rag.corpus.heading_types import NUMBERED_STYLES, STYLE_RANKS, Heading
from rag.corpus.normalize import NormalizedText, Paragraph

__all__ = ["Heading", "detect_headings", "STYLE_RANKS"]

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter_num", re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章篇编]")),
    ("section_num", re.compile(r"^第[一二三四五六七八九十百零〇\d]+节")),
    ("cn_num", re.compile(r"^[一二三四五六七八九十百]+[、．.]")),
    ("paren_num", re.compile(r"^[（(][一二三四五六七八九十]+[）)]")),
    ("paren_arabic", re.compile(r"^[（(]\d{1,2}[）)]")),
    ("arabic_num", re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (
        "year",
        re.compile(
            r"^(?:19|20)\d{2}(?:[ \u3000]+[\u4e00-\u9fff]|年度?(?:工作)?"
            r"(?:回顾|安排|计划|展望|目标|任务|总结|要点|部署))"
        ),
    ),
]
_LEAD = re.compile(r"^([^，,；;。：:！？]{2,24}?)[ \u3000]*。")
# A numbered heading with body text after it on the same line: （一）着力扩大国内需求。推动…
_NUMBERED_RUN_IN = re.compile(
    r"^((?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、．]|[（(]\d{1,2}[）)]"
    r"|\d{1,2}[.．、](?!\d))[ \u3000]*[^。！？!?；;\n]{2,40}?)[ \u3000]*[。！？!?：:]"
)
_ARTICLE = re.compile(
    r"^(第[一二三四五六七八九十百零〇\d]+条)(?:[ \u3000]+|(?=[\u4e00-\u9fff“（(]))"
)
_MAX_HEADING = 40


def detect_headings(norm: NormalizedText) -> list[Heading]:
    """Find the headings of a normalised document, in order.

    Example:
        >>> from rag.corpus.normalize import normalize_text
        >>> n = normalize_text("一、总体要求\\n\\n坚持稳中求进。\\n\\n（一）稳增长\\n\\n稳增长。")
        >>> [(h.label, h.style) for h in detect_headings(n)]
        [('一、总体要求', 'cn_num'), ('（一）稳增长', 'paren_num')]
    """
    text, paras = norm.text, norm.paragraphs
    found: dict[int, Heading] = {}
    for i, p in enumerate(paras):
        if h := _standalone(text, p, i):
            found[i] = h
    heading_passes.drop_lists(found, paras)
    heading_passes.join_pairs(found, paras)
    heading_passes.drop_front_matter(found, paras)
    heading_passes.demote_empty(found, paras)
    covered = heading_passes.covered_paragraphs(found, paras)
    for i, p in enumerate(paras):
        if i in covered:
            continue
        if h := _run_in(text, p, i) or _bullet(text, paras, i, found):
            found[i] = h
    heading_passes.mark_articles(found, paras)
    heading_passes.close_dashes(found, paras)
    return [found[i] for i in sorted(found)]


# Stand-alone headings: a whole short paragraph
def _standalone(text: str, p: Paragraph, i: int) -> Heading | None:
    if p.caption or p.bullet or p.table:
        return None
    body = text[p.start : p.end]
    label = body.strip()
    if (p.md_level or p.bold_len) and len(label) > 2 * _MAX_HEADING:
        return None  # a whole paragraph marked up as a heading is body text
    if p.md_level:
        return Heading(i, p.start, p.end, label, f"md{p.md_level}")
    if p.bold_len and p.bold_len >= len(body) - 1:
        return Heading(i, p.start, p.end, _clean_label(label), _bold_style(label))
    numbered = next((s for s, rx in _PATTERNS if rx.match(label)), None)
    limit = 60 if numbered else _MAX_HEADING
    if len(label) > limit or ends_sentence(label) or label.endswith(("：", ":")) or p.lines > 2:
        return None
    if numbered in (None, "year") and p.lines > 1 and not has_inner_space(label):
        return None
    if numbered == "arabic_num" and re.match(r"^\d{1,2}[.．、]\s*\d", label):
        return None
    style = numbered or ("plain_long" if has_inner_space(label) else "plain_short")
    return Heading(i, p.start, p.end, label, style)


# Run-in headings: `**能源产业转型升级。**…` and lead phrases `强化基层治理底线思维。…`
def _run_in(text: str, p: Paragraph, i: int) -> Heading | None:
    if p.table:
        return None
    body = text[p.start : p.end]
    if 0 < p.bold_len <= 2 * _MAX_HEADING:
        label = _clean_label(body[: p.bold_len])
        return Heading(i, p.start, p.start + p.bold_len, label, _bold_style(label), inline=True)
    if p.caption or p.bullet or p.md_level:
        return None
    if (m := _ARTICLE.match(body)) and len(body) - m.end() >= 6:
        return Heading(i, p.start, p.start + len(m.group(1)), m.group(1), "article_num", True)
    if (m := _NUMBERED_RUN_IN.match(body)) and len(body) - m.end() >= 20:
        label = _clean_label(m.group(1))
        style = next((s for s, rx in _PATTERNS if rx.match(label)), None)
        if style in NUMBERED_STYLES:
            return Heading(i, p.start, p.start + m.end(), label, style, inline=True)
    m = _LEAD.match(body)
    if not m or len(body) - m.end() < 20:
        return None
    lead = _clean_label(m.group(1))
    if len(lead) < 4 or re.search(r"(?<![一二三四五六七八九十])是", lead) or lead[0] in '“"‘':
        return None
    style = "dash" if body.startswith(("—", "－－", "--")) else "lead"
    return Heading(i, p.start, p.start + m.end(), lead, style, inline=True)


def _bullet(text: str, paras: list[Paragraph], i: int, found: dict[int, Heading]) -> Heading | None:
    """A `- ` item is a heading only when body text (not another item) follows it."""
    p = paras[i]
    if not p.bullet or i + 1 >= len(paras) or i + 1 in found:
        return None
    nxt = paras[i + 1]
    if nxt.bullet or nxt.end - nxt.start <= _MAX_HEADING:
        return None
    label = _clean_label(text[p.start : p.end].lstrip("-*•· \t"))
    return Heading(i, p.start, p.end, label, "bullet")


def _bold_style(label: str) -> str:
    """Bold headings with two clauses or a quoted key word are the upper level.

    `激活产业“驱动力”，发展动力活力不断增强` and `夯实经济“硬支撑”` open themes;
    `能源产业转型升级` is an item under one. A numbered bold heading (`（一）指导思想`)
    ranks as its number does.
    """
    numbered = next((s for s, rx in _PATTERNS if rx.match(label)), None)
    if numbered in NUMBERED_STYLES:
        return numbered
    return "bold_long" if re.search(r"[，,“\"]", label) else "bold_short"


def _clean_label(label: str) -> str:
    """Heading text for a path: no leading dash, no trailing full stop or colon."""
    return label.strip().lstrip("—-–·• ").rstrip("。．.:：").strip()
