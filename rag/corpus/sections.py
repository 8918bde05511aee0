"""Headings -> sections: contiguous spans of `Document.text`, each with its heading path."""

from __future__ import annotations

from dataclasses import dataclass

from rag.corpus.heading_types import NUMBERED_STYLES, Heading

__all__ = ["Section", "build_sections", "common_prefix"]


@dataclass(frozen=True)
class Section:
    """`text[start:end]` opened by `heading` (None for text before the first heading).

    `head_end` is where the heading text stops: `text[start:head_end]` is the heading,
    the rest is body.
    """

    start: int
    end: int
    path: tuple[str, ...]
    head_end: int
    heading: Heading | None = None

    @property
    def body_chars(self) -> int:
        return self.end - self.head_end


def build_sections(text: str, headings: list[Heading], title: str) -> list[Section]:
    """Cut `text` at every heading and give each piece its full heading path.

    A heading closes all open headings of the same or a higher rank. A numbered heading
    (`（一）`) does not nest under a plain short heading that already has body text.

    Example:
        >>> from rag.corpus.heading_types import NUMBERED_STYLES, Heading
        >>> t = "总体要求\\n\\n坚持稳中求进。"
        >>> [s.path for s in build_sections(t, [Heading(0, 0, 4, "总体要求", "plain_short")], "T")]
        [('T', '总体要求')]
    """
    sections: list[Section] = []
    first = headings[0].start if headings else len(text)
    if text[:first].strip():
        sections.append(_trimmed(text, 0, first, (title,), None))
    stack: list[tuple[Heading, bool]] = []  # (heading, it has body text of its own)
    for n, h in enumerate(headings):
        end = headings[n + 1].start if n + 1 < len(headings) else len(text)
        if h.reset:
            stack.clear()
        while stack and stack[-1][0].rank >= h.rank:
            stack.pop()
        if (
            h.style in NUMBERED_STYLES
            and stack
            and stack[-1][0].style == "plain_short"
            and stack[-1][1]
        ):
            stack.pop()
        path = _path(title, [s[0].label for s in stack] + [h.label])
        section = _trimmed(text, h.start, end, path, h)
        stack.append((h, section.body_chars > 0))
        sections.append(section)
    return sections


def common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Longest shared start of two heading paths.

    Example:
        >>> common_prefix(("T", "一", "1"), ("T", "一", "2"))
        ('T', '一')
    """
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _path(title: str, labels: list[str]) -> tuple[str, ...]:
    """Title first; drop a label that repeats the one before it (a Markdown title line)."""
    path = [title]
    for label in labels:
        if label and label != path[-1] and _squash(label) != _squash(title):
            path.append(label)
    return tuple(path)


def _squash(s: str) -> str:
    return "".join(s.split())


def _trimmed(text: str, start: int, end: int, path: tuple[str, ...], h: Heading | None) -> Section:
    """Section without surrounding whitespace; body is what follows the heading text."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    head_end = start
    if h is not None:
        head_end = min(max(h.end, start), end)
        while head_end < end and text[head_end].isspace():
            head_end += 1
    return Section(start, end, path, head_end, h)
