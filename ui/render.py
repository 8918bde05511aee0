"""HTML for the chat page: answers with clickable [n] markers and their cited passages.

Pure functions over `Answer.to_dict()` dicts, so they are easy to test. The output has
no blank lines, so the chat's Markdown renderer passes it through as one HTML block.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

__all__ = [
    "render_answer",
    "render_error",
    "render_pending",
    "render_status",
    "highlight",
]

_MARKER = re.compile(r"\[(\d+)\]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _esc(text: str) -> str:
    # Escape, keep line breaks, and defuse Markdown/LaTeX characters
    out = html.escape(text, quote=True).replace("\n", "<br>")
    return out.replace("$", "&#36;").replace("*", "&#42;").replace("_", "&#95;")


def highlight(text: str, quotes: list[str]) -> str:
    """Escape a passage and wrap every quoted sentence in `<mark>`.

    Example:
        >>> highlight("甲乙。丙丁。", ["丙丁。"])
        '甲乙。<mark>丙丁。</mark>'
    """
    spans: list[tuple[int, int]] = []
    for q in quotes:
        i = text.find(q) if q else -1
        if i >= 0:
            spans.append((i, i + len(q)))
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts, pos = [], 0
    for s, e in merged:
        parts.append(_esc(text[pos:s]))
        parts.append(f"<mark>{_esc(text[s:e])}</mark>")
        pos = e
    parts.append(_esc(text[pos:]))
    return "".join(parts)


def _quotes(cit: dict[str, Any]) -> list[str]:
    qs = [q.get("quote", "") for q in cit.get("quotes") or []]
    return [q for q in qs if q] or [cit.get("quote", "")]


def _meta(item: dict[str, Any]) -> str:
    bits = [item.get("county") or "", str(item.get("year") or ""), item.get("source") or ""]
    return " · ".join(_esc(b) for b in bits if b)


def _path(item: dict[str, Any]) -> str:
    path = [p for p in item.get("heading_path") or [] if p and p != item.get("title")]
    return " › ".join(_esc(p) for p in path)


def _source_block(uid: str, n: int | str, item: dict[str, Any], quotes: list[str]) -> str:
    # One collapsible source: number, title and section path; the passage with the quote marked
    path = _path(item)
    return (
        f'<details class="rag-src" id="{uid}-{n}" data-n="{n}">'
        f'<summary><span class="rag-n">{n}</span>'
        f'<span class="rag-src-head"><span class="rag-title">{_esc(item.get("title") or "")}</span>'
        + (f'<span class="rag-path">{path}</span>' if path else "")
        + "</span></summary>"
        f'<div class="rag-meta">{_meta(item)}</div>'
        f'<blockquote class="rag-passage">{highlight(item.get("text") or "", quotes)}</blockquote>'
        "</details>"
    )


def _link_markers(text: str, uid: str, known: set[int]) -> str:
    # [n] → a small superscript link that opens source n
    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="rag-cite" href="#{uid}-{n}" data-target="{uid}-{n}">{n}</a>'

    return _MARKER.sub(sub, _esc(text))


def render_answer(ans: dict[str, Any], uid: str | None = None) -> str:
    """The assistant message: the answer with linked markers, then its sources.

    Example:
        >>> a = {"answer": "已揭牌。[1]", "answerable": True, "citations": [{"n": 1,
        ...      "title": "T", "text": "园区已揭牌。", "quote": "园区已揭牌。"}], "passages": []}
        >>> "<mark>园区已揭牌。</mark>" in render_answer(a, "x")
        True
    """
    uid = uid or "c" + uuid.uuid4().hex[:8]
    cits = ans.get("citations") or []
    known = {int(c["n"]) for c in cits}
    parts = ['<div class="rag-answer">']
    if ans.get("rewritten_question"):
        parts.append(
            f'<div class="rag-rewrite">理解为：{_esc(ans["rewritten_question"])}</div>'
        )
    if ans.get("answerable", True):
        direct = ans.get("direct_answer") or ""
        first = str(cits[0].get("quote", "")) if cits else ""
        if direct and len(direct) <= 40 and direct.rstrip("。；;，,") != first.rstrip("。；;，,"):
            parts.append(f'<div class="rag-direct"><b>{_esc(direct)}</b></div>')
        linked = _link_markers(ans.get("answer", ""), uid, known)
        parts.append(f'<div class="rag-text">{linked}</div>')
    else:
        parts.append(f'<div class="rag-abstain">{_esc(ans.get("answer", ""))}</div>')
    for note in ans.get("notes") or []:
        if _CJK.search(note):  # messages for people; tags such as "llm" stay in the API
            parts.append(f'<div class="rag-note">{_esc(note)}</div>')

    # Sources: the cited passages, or for an abstention the closest ones
    if cits:
        parts.append('<div class="rag-sources"><div class="rag-sources-title">'
                     f"来源 · {len(cits)} 处（点击展开原文）</div>")
        parts.extend(_source_block(uid, c["n"], c, _quotes(c)) for c in cits)
        parts.append("</div>")
    elif ans.get("passages"):
        near = ans["passages"][:3]
        parts.append('<div class="rag-sources rag-near"><div class="rag-sources-title">'
                     "最接近的段落（仅供参考）</div>")
        parts.extend(_source_block(uid, i, p, []) for i, p in enumerate(near, 1))
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def render_pending(text: str) -> str:
    """The answer while it streams in, with a blinking caret."""
    body = _esc(text) if text else '<span class="rag-thinking">正在查找资料…</span>'
    caret = '<span class="rag-caret"></span>'
    return f'<div class="rag-answer"><div class="rag-text">{body}{caret}</div></div>'


def render_error(message: str) -> str:
    """An error shown in the chat."""
    return f'<div class="rag-answer"><div class="rag-error">{_esc(message)}</div></div>'


def render_status(info: dict[str, Any]) -> str:
    """The banner under the title: what is indexed, or how to build the index."""
    if info.get("status") == "ok":
        return (
            '<div class="rag-status ok"><span class="dot"></span>'
            f'已收录 {info.get("documents", 0)} 份文件 · {info.get("chunks", 0)} 个段落'
            "</div>"
        )
    msg = info.get("message") or "索引不可用 (index unavailable)"
    head = {"no_index": "索引尚未建立", "stale_index": "索引已过期"}.get(
        str(info.get("status")), "索引不可用"
    )
    return (
        f'<div class="rag-status warn"><strong>{head}</strong>：请在服务器上运行 '
        f"<code>rag index</code>，然后刷新本页。<br><small>{_esc(msg)}</small></div>"
    )
