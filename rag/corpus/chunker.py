"""Sections -> chunks: one chunk per section that fits, long ones split, tiny ones merged."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rag.corpus.headings import Heading, detect_headings
from rag.corpus.models import Chunk, Document
from rag.corpus.normalize import paragraphs_of
from rag.corpus.sections import Section, build_sections, common_prefix
from rag.corpus.splitter import split_span

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["CHUNKER_VERSION", "chunk_document", "chunk_id", "document_headings"]

# Bump whenever chunk boundaries or texts may change: indexes built with another
# version are stale.
CHUNKER_VERSION = "sections-3"


@dataclass
class _Group:
    """Neighbouring sections that will become one chunk (or be split into several)."""

    start: int
    end: int
    paths: list[tuple[str, ...]] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)  # heading style of each member section
    run_in: bool = False  # opens with a bold or numbered run-in heading (body on its line)

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def path(self) -> tuple[str, ...]:
        out = self.paths[0]
        for p in self.paths[1:]:
            out = common_prefix(out, p)
        return out


def chunk_document(doc: Document, settings: Settings | None = None) -> list[Chunk]:
    """Cut a document into heading-aware chunks; `doc.text[c.start:c.end] == c.text`.

    Sizes come from `settings` (`chunk_target_chars`, `chunk_max_chars`,
    `chunk_min_chars`, `chunk_overlap_chars`, `chunk_merge_siblings`). A section that
    fits is one chunk that starts at its heading; a longer one splits at sentence ends
    with overlap; a heading with no body travels with the next section; a parent's
    intro shares a chunk with its first child when both fit the target; a section
    under `chunk_min_chars` joins a neighbour.

    Example:
        >>> d = Document("d", "d.txt", "T", "一、总体要求\\n\\n坚持稳中求进，推动高质量发展。")
        >>> [(c.heading_path, c.text[:6]) for c in chunk_document(d)]
        [(['T', '一、总体要求'], '一、总体要求')]
    """
    if settings is None:
        from rag.settings import get_settings

        settings = get_settings()
    target, max_chars = settings.chunk_target_chars, settings.chunk_max_chars
    min_chars, overlap = settings.chunk_min_chars, settings.chunk_overlap_chars
    text = doc.text
    headings = document_headings(doc)
    sections = build_sections(text, headings, doc.title or doc.source or doc.doc_id)
    siblings = bool(getattr(settings, "chunk_merge_siblings", False))
    groups = _pack(_units(sections, min_chars), target, max_chars, min_chars, siblings)
    glue = [(h.start, h.end) for h in headings if not h.inline and h.end > h.start]
    spans: list[tuple[int, int, tuple[str, ...]]] = []
    for g in groups:
        if g.size <= max_chars:
            spans.append((g.start, g.end, g.path))
        else:
            for a, b in split_span(
                text,
                g.start,
                g.end,
                target=target,
                max_chars=max_chars,
                overlap=overlap,
                glue=glue,
            ):
                spans.append((a, b, g.path))
    spans = _merge_tiny(spans, min_chars, max_chars)
    ordered = sorted(headings, key=lambda h: h.start)
    starts = [h.start for h in ordered]
    return [
        _chunk(doc, n, a, b, path, ordered[bisect_left(starts, a) : bisect_left(starts, b)])
        for n, (a, b, path) in enumerate(spans)
    ]


def document_headings(doc: Document) -> list[Heading]:
    """Headings stored at load time in `doc.meta["headings"]`, else detected from `doc.text`."""
    stored = doc.meta.get("headings")
    if stored is None:
        return detect_headings(paragraphs_of(doc.text))
    return [Heading.from_record(r) for r in stored]


def chunk_id(doc_id: str, start: int, end: int, text: str) -> str:
    """Stable id: the same document, offsets and text always give the same id.

    Example:
        >>> chunk_id("d", 0, 3, "正文。") == chunk_id("d", 0, 3, "正文。")
        True
    """
    key = f"{doc_id}\x1f{start}\x1f{end}\x1f{text}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


# Units: a heading with no body of its own travels with the section after it
def _units(sections: list[Section], min_chars: int) -> list[_Group]:
    units: list[_Group] = []
    pending: _Group | None = None
    for s in sections:
        style = s.heading.style if s.heading is not None else ""
        run_in = (
            s.heading is not None
            and s.heading.inline
            and s.heading.style not in ("lead", "dash", "dash_end")
        )
        unit = _Group(s.start, s.end, [s.path], [style], run_in)
        if pending is not None:
            unit = _Group(pending.start, s.end, [s.path], [style], run_in)
            pending = None
        heading_only = s.heading is not None and s.body_chars == 0
        # a short title block (no heading, or a title heading) travels with what follows
        title_block = s.heading is None or (len(s.path) == 1 and s.heading.style != "break")
        headline = title_block and s.end - s.start < min_chars
        if heading_only or headline:
            pending = unit
            continue
        units.append(unit)
    if pending is not None:  # a heading at the very end: keep it with what came before
        if units:
            units[-1].end = pending.end
        else:
            units.append(pending)
    return units


# Groups: an intro and its first child (or, optionally, siblings) share a chunk that fits
def _pack(
    units: list[_Group], target: int, max_chars: int, min_chars: int, siblings: bool
) -> list[_Group]:
    groups: list[_Group] = []
    for n, u in enumerate(units):
        g = groups[-1] if groups else None
        if g is not None:
            combined = u.end - g.start
            sibling = _sibling(g, u)
            # an intro and its first child; not a run-in item (**能源产业转型升级。**…,
            # （一）指导思想。…), a paragraph of its own that keeps its own heading path
            child = (
                u.paths[0][:-1] == g.paths[-1]
                and g.styles[-1] != ""
                # not the title block, even when a title heading opens it
                and (len(g.paths[-1]) > 1 or g.styles[-1] == "break")
                and g.styles[-1] != "dash_end"  # the body after a —— item: no parent
                and not u.run_in
            )
            related = (siblings and sibling) or child
            tiny = g.size < min_chars or u.size < min_chars
            # a tiny item rather starts a group with the like items after it: (一) (二) …
            if tiny and not related and g.size >= min_chars and n + 1 < len(units):
                tiny = not _sibling(u, units[n + 1]) or units[n + 1].end - u.start > max_chars
            if (related and combined <= target) or (tiny and combined <= max_chars):
                g.end = u.end
                g.paths.extend(u.paths)
                g.styles.extend(u.styles)
                continue
        groups.append(_Group(u.start, u.end, list(u.paths), list(u.styles), u.run_in))
    return groups


def _sibling(a: _Group, b: _Group) -> bool:
    """`b` opens with a heading of the same style and parent as `a`'s last section."""
    return b.paths[0][:-1] == a.paths[-1][:-1] and b.styles[0] == a.styles[-1] != ""


def _merge_tiny(
    spans: list[tuple[int, int, tuple[str, ...]]], min_chars: int, max_chars: int
) -> list[tuple[int, int, tuple[str, ...]]]:
    """A chunk under `min_chars` joins a neighbour when the union fits `max_chars`.

    One pass: a tiny chunk joins the one before it, else the one after it (and is looked
    at again as part of that one).
    """
    items = list(spans)
    out: list[tuple[int, int, tuple[str, ...]]] = []
    for n in range(len(items)):
        a, b, path = items[n]
        if b - a >= min_chars or len(items) == 1:
            out.append(items[n])
            continue
        prev = out[-1] if out else None
        nxt = items[n + 1] if n + 1 < len(items) else None
        if prev and b - prev[0] <= max_chars:
            out[-1] = (prev[0], max(b, prev[1]), common_prefix(prev[2], path))
        elif nxt and nxt[1] - a <= max_chars:
            items[n + 1] = (a, max(b, nxt[1]), common_prefix(path, nxt[2]))
        else:
            out.append(items[n])
    return out


def _chunk(
    doc: Document, n: int, a: int, b: int, path: tuple[str, ...], headings: list[Heading]
) -> Chunk:
    text = doc.text[a:b]
    subheadings = [
        h.label for h in headings if a <= h.start < b and h.label and h.label not in path
    ]
    return Chunk(
        id=chunk_id(doc.doc_id, a, b, text),
        doc_id=doc.doc_id,
        source=doc.source,
        title=doc.title,
        county=doc.county,
        year=doc.year,
        heading_path=list(path),
        text=text,
        start=a,
        end=b,
        subheadings=subheadings,
        ordinal=n,
    )
