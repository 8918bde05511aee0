"""Markdown of a cited answer for chat front-ends and agents: the answer, then numbered sources."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SOURCES_HEADING", "answer_markdown", "citation_place", "rewritten_line",
           "sources_markdown", "strip_sources"]

SOURCES_HEADING = "**来源 (sources)**"
_SPECIAL = re.compile(r"([\\`*_<])")


def _escape(text: str) -> str:
    # Only what would change the rendering of plain Chinese prose
    return _SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def citation_place(citation: Mapping[str, Any]) -> str:
    """《title》 › section › subsection of a citation.

    Example:
        >>> citation_place({"title": "报告", "heading_path": ["报告", "一、回顾"]})
        '《报告》 › 一、回顾'
    """
    title = str(citation.get("title") or citation.get("source") or "")
    sections = [str(h) for h in citation.get("heading_path") or [] if h != title]
    return " › ".join([f"《{title}》", *sections])


def sources_markdown(citations: Sequence[Mapping[str, Any]]) -> str:
    """The sources block: per citation `**[n]** 《title》 › section（`file` start–end）` and
    its quotes as a block quote; "" when there are none.

    Example:
        >>> c = {"n": 1, "title": "报告", "heading_path": ["报告", "回顾"], "source": "a.txt",
        ...      "quote": "增长6%。", "quote_start": 5, "quote_end": 10, "quotes": []}
        >>> print(sources_markdown([c]))
        **来源 (sources)**
        <BLANKLINE>
        **[1]** 《报告》 › 回顾（`a.txt` 5–10）
        <BLANKLINE>
        > 「增长6%。」
    """
    if not citations:
        return ""
    parts = [SOURCES_HEADING]
    for c in citations:
        span = f"`{c.get('source', '')}` {c.get('quote_start', 0)}–{c.get('quote_end', 0)}"
        parts.append(f"**[{c['n']}]** {_escape(citation_place(c))}（{span}）")
        quotes = [str(q.get("quote", "")) for q in c.get("quotes") or []] or [str(c["quote"])]
        parts.append("\n>\n".join(f"> 「{_escape(q)}」" for q in quotes if q))
    return "\n\n".join(p for p in parts if p)


def rewritten_line(rewritten: str | None) -> str:
    """The line saying how a follow-up was understood ("" when it was not rewritten).

    Example:
        >>> rewritten_line("绛县2024年GDP增长目标是多少？")
        '*（按上下文理解为：绛县2024年GDP增长目标是多少？）*\\n\\n'
    """
    return f"*（按上下文理解为：{_escape(rewritten)}）*\n\n" if rewritten else ""


def answer_markdown(answer: Mapping[str, Any]) -> str:
    """The whole reply for an `Answer.to_dict()`: how a follow-up was read, the answer with
    its [n] markers, then the sources.

    Example:
        >>> answer_markdown({"answer": "没有找到。", "citations": [], "rewritten_question": None})
        '没有找到。'
    """
    sources = sources_markdown(answer.get("citations") or [])
    body = rewritten_line(answer.get("rewritten_question")) + str(answer.get("answer", ""))
    return f"{body}\n\n{sources}" if sources else body


def strip_sources(content: str) -> str:
    """An earlier reply without its sources block and rewrite line (history for follow-ups).

    Example:
        >>> strip_sources("增长6%。[1]\\n\\n**来源 (sources)**\\n\\n**[1]** …")
        '增长6%。[1]'
    """
    text = content.split(f"\n\n{SOURCES_HEADING}", 1)[0]
    text = re.sub(r"^\*（按上下文理解为：.*?）\*\n\n", "", text)
    return text.strip()
