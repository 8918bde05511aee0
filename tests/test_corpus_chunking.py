"""Chunking: offsets, coverage, size limits, overlap, stable ids (examples and properties)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.corpus import Chunk, Document, chunk_document, normalize_text
from rag.corpus.chunker import document_headings
from rag.corpus.headings import detect_headings
from rag.corpus.splitter import split_span
from rag.settings import Settings

SETTINGS = Settings(
    chunk_target_chars=450, chunk_max_chars=600, chunk_min_chars=60, chunk_overlap_chars=60
)
SMALL = Settings(
    chunk_target_chars=80, chunk_max_chars=120, chunk_min_chars=20, chunk_overlap_chars=20
)


def _doc(raw: str, title: str = "T") -> Document:
    """A Document the way load_document builds it (normalised text + stored headings)."""
    n = normalize_text(raw)
    hs = [h.to_record() for h in detect_headings(n)]
    return Document("d", "d.txt", title, n.text, county="洪洞县", year=2024, meta={"headings": hs})


def _check(doc: Document, chunks: list[Chunk], s: Settings) -> None:
    """The invariants every chunking must keep."""
    covered = [False] * len(doc.text)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert len(c.text) <= s.chunk_max_chars
        for i in range(c.start, c.end):
            covered[i] = True
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
    assert not missing, f"uncovered characters: {doc.text[missing[0] : missing[0] + 20]!r}"
    assert len({c.id for c in chunks}) == len(chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def _body_outside_headings(doc: Document, c: Chunk) -> bool:
    """The chunk has text that is not a stand-alone heading line."""
    inside = [False] * len(doc.text)
    for h in document_headings(doc):
        if not h.inline:
            inside[h.start : h.end] = [True] * (h.end - h.start)
    return any(not doc.text[i].isspace() and not inside[i] for i in range(c.start, c.end))


def test_section_that_fits_is_one_chunk_starting_at_its_heading() -> None:
    raw = "一、总体要求\n\n坚持稳中求进工作总基调，推动高质量发展，持续增进民生福祉。\n"
    doc = _doc(raw)
    [chunk] = chunk_document(doc, SETTINGS)
    assert chunk.text.startswith("一、总体要求") and chunk.heading_path == ["T", "一、总体要求"]
    assert chunk.index_text.startswith("T › 一、总体要求\n一、总体要求")
    assert (chunk.source, chunk.county, chunk.year) == ("d.txt", "洪洞县", 2024)


def test_long_section_splits_at_sentence_ends_with_overlap() -> None:
    body = "".join(f"第{i}项工作，全县推进重点项目建设并取得积极成效。" for i in range(40))
    doc = _doc("二、重点工作\n\n" + body)
    chunks = chunk_document(doc, SETTINGS)
    _check(doc, chunks, SETTINGS)
    assert len(chunks) >= 3
    assert all(c.text.endswith("。") for c in chunks)
    assert all(c.heading_path == ["T", "二、重点工作"] for c in chunks)
    assert chunks[0].text.startswith("二、重点工作")
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end <= b.start + SETTINGS.chunk_overlap_chars  # a small overlap


def test_sentence_longer_than_max_is_cut_at_commas() -> None:
    text = "，".join(["全县推进重点项目建设"] * 100) + "。"
    spans = split_span(text, 0, len(text), target=100, max_chars=120, overlap=0)
    assert all(b - a <= 120 for a, b in spans)
    assert all(text[b - 1] in "，。" for a, b in spans)


def test_tiny_sections_merge_and_no_chunk_is_only_a_heading() -> None:
    raw = (
        "2024 奋楫笃行履践致远\n\n总体要求\n\n坚持稳中求进。\n\n"
        "(一) 集群带动蓄势赋能\n\n- 做大传统产业\n- 做强新兴产业\n\n"
        "(二) 夯实巩固农业基础\n\n- 加快发展现代农业\n\n"
        "以“四新六大”现代化产业体系为支撑 重点抓好九方面工作\n"
    )
    doc = _doc(raw)
    chunks = chunk_document(doc, SETTINGS)
    _check(doc, chunks, SETTINGS)
    assert len(chunks) == 1  # all tiny: one chunk under the year
    assert chunks[0].heading_path[:2] == ["T", "2024 奋楫笃行履践致远"]
    assert "(一) 集群带动蓄势赋能" in chunks[0].subheadings
    assert all(_body_outside_headings(doc, c) for c in chunks)


def test_ids_are_stable_and_depend_on_text_and_offsets() -> None:
    raw = (
        "一、总体要求\n\n坚持稳中求进工作总基调，推动高质量发展，持续增进民生福祉，保持社会稳定。\n"
    )
    a = [c.id for c in chunk_document(_doc(raw), SETTINGS)]
    assert a == [c.id for c in chunk_document(_doc(raw), SETTINGS)]
    changed = raw.replace("稳定", "安定")
    assert a != [c.id for c in chunk_document(_doc(changed), SETTINGS)]


def test_document_without_stored_headings_is_chunked_from_its_text() -> None:
    n = normalize_text(
        "一、总体要求\n\n坚持稳中求进工作总基调，推动经济高质量发展，持续增进民生福祉。\n"
    )
    doc = Document("d", "d.txt", "T", n.text)  # e.g. built by hand, no meta["headings"]
    [chunk] = chunk_document(doc, SETTINGS)
    assert chunk.heading_path == ["T", "一、总体要求"]


def test_chunk_round_trips_through_dict() -> None:
    [c] = chunk_document(
        _doc("正文第一段，讲述全县经济社会发展取得的新成就和新进展。" * 3), SETTINGS
    )
    assert Chunk.from_dict(c.to_dict()) == c
    legacy = {k: v for k, v in c.to_dict().items() if k not in ("subheadings", "ordinal")}
    assert Chunk.from_dict(legacy).id == c.id  # records written before the new fields still load


# Property tests over generated documents: headings of every form, paragraphs, wraps
_HAN = st.text(
    st.sampled_from(list("洪洞县经济发展项目建设推进全面民生改革生态文化旅游产业")),
    min_size=2,
    max_size=14,
)
_sentence = st.builds(lambda w, p: w + p, _HAN, st.sampled_from(["。", "！", "；", "，", "", "？"]))
_paragraph = st.builds("".join, st.lists(_sentence, min_size=1, max_size=25))
_heading = st.one_of(
    _HAN,
    st.builds(lambda w: f"一、{w}", _HAN),
    st.builds(lambda w: f"（二）{w}", _HAN),
    st.builds(lambda w: f"第三章 {w}", _HAN),
    st.builds(lambda w: f"2024年工作回顾{w}", _HAN),
    st.builds(lambda w: f"**{w}。**", _HAN),
    st.builds(lambda w: f"- {w}", _HAN),
    st.builds(lambda w: f"# {w}", _HAN),
    st.builds(lambda a, b: f"{a} {b}", _HAN, _HAN),
)
_block = st.one_of(_paragraph, _heading, st.builds(lambda h, p: h + p, _heading, _paragraph))
_sep = st.sampled_from(["\n\n", "\n", "\n\n\n\n", "\n \n"])
_documents = st.builds(
    lambda blocks, seps: "".join(b + s for b, s in zip(blocks, seps, strict=False)),
    st.lists(_block, min_size=1, max_size=30),
    st.lists(_sep, min_size=30, max_size=30),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents, st.sampled_from([SETTINGS, SMALL]))
def test_chunks_cover_the_text_within_limits(raw: str, s: Settings) -> None:
    doc = _doc(raw)
    chunks = chunk_document(doc, s)
    if not doc.text.strip():
        assert chunks == []
        return
    _check(doc, chunks, s)
    # stable across runs
    assert [c.id for c in chunks] == [c.id for c in chunk_document(_doc(raw), s)]
    # no chunk is only a heading, unless the whole document is headings
    if any(_body_outside_headings(doc, c) for c in chunks):
        assert all(_body_outside_headings(doc, c) for c in chunks)


@settings(max_examples=80, deadline=None)
@given(_documents)
def test_no_tiny_chunks_when_the_document_is_not_tiny(raw: str) -> None:
    doc = _doc(raw)
    chunks = chunk_document(doc, SETTINGS)
    if len(re.sub(r"\s", "", doc.text)) >= 3 * SETTINGS.chunk_min_chars:
        assert all(len(c.text) >= 20 for c in chunks)


def test_heading_records_keep_their_flags() -> None:
    from rag.corpus.heading_types import Heading

    h = Heading(2, 10, 18, "强化基层治理底线思维", "lead", inline=True, reset=True)
    back = Heading.from_record(h.to_record())
    assert (back.start, back.end, back.label, back.style, back.inline, back.reset) == (
        10,
        18,
        "强化基层治理底线思维",
        "lead",
        True,
        True,
    )
    assert Heading.from_record([0, 4, "总体要求", "plain_short"]).inline is False  # 4-field form
