"""Raw text -> normalised text with paragraphs and a per-character offset map."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rag.corpus import bylines, cleanup, govmeta
from rag.corpus.cjk import ends_sentence
from rag.corpus.lines import LineMarks, join_spaced, strip_markup
from rag.corpus.offsets import SYNTHETIC, MappedStr
from rag.corpus.wraps import Draft, join_lines, join_wraps

__all__ = ["Paragraph", "NormalizedText", "normalize_text", "paragraphs_of"]

_WS = " \t\r\u3000\xa0\ufeff\u200b"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the normalised text, with layout hints for heading detection."""

    start: int
    end: int
    lines: int = 1  # raw lines it was joined from
    gap_before: int = 1  # blank lines before it in the raw file
    md_level: int = 0  # Markdown `#` level, 0 if none
    bold_len: int = 0  # length of a leading bold run-in heading
    bullet: bool = False
    caption: bool = False  # isolated by 2+ blank lines: a photo caption, not a heading
    moved: bool = False  # was cut out of a sentence it interrupted and placed after it
    after_byline: bool = False  # first paragraph after a byline or author line: a new article
    table: bool = False  # a table row: never a heading


@dataclass(frozen=True)
class NormalizedText:
    """The normalised text, its paragraphs, and where each character came from.

    `offsets[i]` is the raw index of `text[i]` (-1 for inserted breaks), so
    `raw[offsets[i]] == text[i]` for every non-inserted character.

    Example:
        >>> n = normalize_text("第一行没有结束\\n\\n而是接着下一行继续写完。")
        >>> n.text
        '第一行没有结束\\n\\n而是接着下一行继续写完。'
    """

    text: str
    offsets: Sequence[int]  # an array (compact); index it like a list
    paragraphs: list[Paragraph]
    meta: dict[str, Any] = field(default_factory=dict)

    def raw_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Raw `(start, end)` that normalised `[start, end)` came from."""
        real = [o for o in self.offsets[start:end] if o != SYNTHETIC]
        return (min(real), max(real) + 1) if real else None


def normalize_text(raw: str, *, structured: bool = False) -> NormalizedText:
    """Clean `raw` without losing track of offsets.

    Drops page furniture and site boilerplate, joins OCR line wraps (also across a blank
    line inside a sentence), joins spaced-out text, collapses doubled captions, moves a
    caption or heading that interrupts a sentence to after it, and takes bylines and
    author lines out of the body (into `meta`). A government page's metadata lines
    (索引号：… 主题分类：…) go to `meta["doc_meta"]`, its controls (打印本页, 当前位置：…)
    to `meta["furniture"]`. Punctuation is kept as written. `structured` text (read from
    HTML, docx or PDF, one paragraph a block) is never treated as OCR'd narrow columns.

    Example:
        >>> n = normalize_text("**能源产业转型升级。**煤矿复产。\\n\\n李安安 王舒一")
        >>> n.text, n.meta["authors"]
        ('能源产业转型升级。煤矿复产。', [['李安安', '王舒一']])
    """
    meta: dict[str, Any] = {
        "bylines": [],
        "authors": [],
        "furniture": [],
        "duplicates_dropped": 0,
        "doc_meta": {},
    }
    lines = _clean_lines(raw, meta)
    blocks = _blocks(lines)
    ocr, typical = (False, 0.0) if structured else _ocr_layout(blocks)
    meta["ocr_layout"] = ocr
    drafts = _drafts(blocks, ocr, typical)
    drafts = _repair(drafts, meta)
    drafts = join_wraps(drafts, ocr, typical)
    return _assemble(drafts, ocr, meta)


# Lines: strip, drop furniture and the boilerplate tail, strip markup, join spaced text
def _clean_lines(raw: str, meta: dict[str, Any]) -> list[tuple[MappedStr, LineMarks] | None]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in raw.split("\n"):
        spans.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    texts = [raw[a:b].strip(_WS) for a, b in spans]
    # the site's attachment / notice tail (003: `附件`, `温馨提示:` …) ends the document
    nonblank = [i for i, t in enumerate(texts) if t]
    for i in nonblank[-20:]:
        if cleanup.is_boilerplate_tail([t for t in texts[i:] if t]):
            meta["furniture"].extend(t for t in texts[i:] if t)
            spans, texts = spans[:i], texts[:i]
            break
    out: list[tuple[MappedStr, LineMarks] | None] = []
    for (a, b), text in zip(spans, texts, strict=True):
        if not text:
            out.append(None)
            continue
        if cleanup.is_furniture(text) or govmeta.is_page_furniture(text):
            meta["furniture"].append(text)
            continue  # dropped lines do not count as blank either
        if fields := govmeta.parse_fields(text):
            meta["doc_meta"].update(fields)
            meta["furniture"].append(text)
            continue
        ms = MappedStr.from_raw(raw, a, b).strip(_WS)
        ms, marks = strip_markup(ms)
        if not bylines.has_byline(ms.text):
            ms = join_spaced(ms).strip(_WS)
        out.append((ms, marks) if ms.text else None)
    return out


def _blocks(
    lines: list[tuple[MappedStr, LineMarks] | None],
) -> list[tuple[int, list[tuple[MappedStr, LineMarks]]]]:
    """Runs of non-blank lines, each with the number of blank lines before it."""
    blocks: list[tuple[int, list[tuple[MappedStr, LineMarks]]]] = []
    gap = 0
    current: list[tuple[MappedStr, LineMarks]] = []
    for line in lines:
        if line is None:
            if current:
                blocks.append((gap, current))
                current, gap = [], 0
            gap += 1
        else:
            current.append(line)
    if current:
        blocks.append((gap, current))
    return blocks


def _ocr_layout(
    blocks: list[tuple[int, list[tuple[MappedStr, LineMarks]]]],
) -> tuple[bool, float]:
    """Narrow-column OCR text: most lines in multi-line blocks are short and unfinished."""
    lens = [
        len(ms) for _, block in blocks if len(block) > 1 for ms, marks in block if not marks.bullet
    ]
    unfinished = [
        ms
        for _, block in blocks
        if len(block) > 1
        for ms, marks in block[:-1]
        if not marks.bullet and len(ms) <= 30 and not ends_sentence(ms.text, line=True)
    ]
    if len(unfinished) < 4 or len(unfinished) < 0.5 * len(lens):
        return False, 0.0
    return True, float(statistics.median(lens))


# Paragraph drafts: OCR blocks become one paragraph; otherwise every line is one
def _drafts(
    blocks: list[tuple[int, list[tuple[MappedStr, LineMarks]]]], ocr: bool, typical: float
) -> list[Draft]:
    drafts: list[Draft] = []
    for n, (gap, block) in enumerate(blocks):
        if ocr:
            slogan = len(block) > 1 and all(len(ms) < 0.6 * typical for ms, _ in block)
            parts = [ms for ms, _ in block]
            ms = MappedStr.join(parts, " ") if slogan else join_lines(parts)
            drafts.append(Draft(ms, len(block), gap, block[0][1], len(block[-1][0])))
            continue
        for k, (ms, marks) in enumerate(block):
            caption = k == 0 and gap >= 2 and n > 0 and len(block) == 1 and not marks.md_level
            drafts.append(Draft(ms, 1, gap if k == 0 else 0, marks, len(ms), caption=caption))
    return drafts


# Per-paragraph repairs: bylines, author lines, doubled captions, repeated sentences
def _repair(drafts: list[Draft], meta: dict[str, Any]) -> list[Draft]:
    out: list[Draft] = []
    byline = False  # a byline ends an article: the next paragraph opens another
    for d in drafts:
        ms, names = bylines.split_byline(d.ms)
        if names:
            meta["bylines"].append(names)
        if authors := bylines.author_names(ms.text):
            meta["authors"].append(authors)
            byline = True
            continue
        ms = cleanup.collapse_doubled(ms)
        ms, dropped = cleanup.drop_repeated_sentences(ms)
        meta["duplicates_dropped"] += dropped
        if ms.text.strip(_WS):
            out.append(replace(d, ms=ms, after_byline=byline))
            byline = bool(names)
    return out


# Assembly: paragraphs separated by a blank line (a single newline inside a list)
def _assemble(drafts: list[Draft], ocr: bool, meta: dict[str, Any]) -> NormalizedText:
    parts: list[MappedStr] = []
    paragraphs: list[Paragraph] = []
    pos = 0
    for n, d in enumerate(drafts):
        if n:
            sep = "\n" if d.gap_before == 0 and not d.moved and not ocr else "\n\n"
            parts.append(MappedStr.literal(sep))
            pos += len(sep)
        parts.append(d.ms)
        paragraphs.append(
            Paragraph(
                start=pos,
                end=pos + len(d.ms),
                lines=d.lines,
                gap_before=d.gap_before,
                md_level=d.marks.md_level,
                bold_len=min(d.marks.bold_len, len(d.ms)),
                bullet=d.marks.bullet,
                caption=d.caption,
                moved=d.moved,
                after_byline=d.after_byline,
                table=d.marks.table,
            )
        )
        pos += len(d.ms)
    joined = MappedStr.join(parts)
    return NormalizedText(joined.text, joined.offs, paragraphs, meta)


def paragraphs_of(text: str) -> NormalizedText:
    """Paragraphs of already-normalised text, unchanged (each non-blank line is one).

    Used when a Document was built by hand and carries no stored headings.

    Example:
        >>> [(p.start, p.end) for p in paragraphs_of("标题\\n\\n正文。").paragraphs]
        [(0, 2), (4, 7)]
    """
    paragraphs: list[Paragraph] = []
    pos, gap = 0, 0
    for line in text.split("\n"):
        stripped = line.strip(_WS)
        if stripped:
            lead = len(line) - len(line.lstrip(_WS))
            a = pos + lead
            paragraphs.append(
                Paragraph(a, a + len(stripped), gap_before=gap, bullet=stripped[:2] in ("- ", "* "))
            )
            gap = 0
        else:
            gap += 1
        pos += len(line) + 1
    return NormalizedText(text, list(range(len(text))), paragraphs, {})
