"""The evaluation set eval/qa.jsonl: schema, type balance and verbatim evidence."""

from __future__ import annotations

import collections
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from rag.evaluation.harness import TYPE_ORDER

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "eval" / "qa.jsonl"
CORPUS = ROOT / "corpus"

TYPES = set(TYPE_ORDER)  # the question types the harness reports on
REQUIRED = {"id": str, "question": str, "evidence": list, "answer": str, "type": str}
MIN_ITEMS = 100
MIN_PER_TYPE = 8
COPY_RUN = 15  # a question may not copy this many consecutive characters of a document
_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Remove all whitespace (OCR line wraps fall mid-word)."""
    return _WS.sub("", text)


@cache
def _items() -> list[dict[str, Any]]:
    lines = DATASET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def _raw_docs() -> dict[str, str]:
    return {p.name: _squash(p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))}


def _answerable() -> list[dict[str, Any]]:
    return [it for it in _items() if it["type"] != "unanswerable"]


# --- schema ---------------------------------------------------------------------------


def test_file_is_readable_utf8_jsonl() -> None:
    raw = DATASET.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    assert "\\u" not in raw, "write with json.dumps(ensure_ascii=False)"
    for n, line in enumerate(raw.splitlines(), 1):
        assert isinstance(json.loads(line), dict), f"line {n} is not a JSON object"


def test_required_keys_and_types() -> None:
    for it in _items():
        for key, kind in REQUIRED.items():
            assert isinstance(it.get(key), kind), f"{it.get('id')}: {key} must be {kind.__name__}"
        assert "doc" in it, f"{it['id']}: missing doc"
        assert it["type"] in TYPES, f"{it['id']}: unknown type {it['type']!r}"
        assert it["question"].strip(), f"{it['id']}: empty question"


def test_size_and_type_balance() -> None:
    counts = collections.Counter(it["type"] for it in _items())
    assert len(_items()) >= MIN_ITEMS
    short = {t: counts[t] for t in TYPES if counts[t] < MIN_PER_TYPE}
    assert not short, f"types under {MIN_PER_TYPE}: {short}"


def test_ids_unique_and_in_order() -> None:
    ids = [it["id"] for it in _items()]
    assert len(set(ids)) == len(ids)
    assert ids == [f"q{n:03d}" for n in range(1, len(ids) + 1)]


def test_unanswerable_items_are_empty() -> None:
    for it in _items():
        if it["type"] == "unanswerable":
            assert it["doc"] is None and it["evidence"] == [] and it["answer"] == "", it["id"]


def test_answerable_items_have_doc_evidence_and_answer() -> None:
    docs = _raw_docs()
    for it in _answerable():
        assert it["doc"] in docs, f"{it['id']}: doc {it['doc']!r} is not in corpus/"
        assert 1 <= len(it["evidence"]) <= 3, f"{it['id']}: needs 1-3 evidence strings"
        for ev in it["evidence"]:
            assert isinstance(ev, str) and 6 <= len(ev) <= 30, f"{it['id']}: evidence {ev!r}"
        assert it["answer"].strip(), f"{it['id']}: empty answer"


def test_followups_carry_history() -> None:
    followups = [it for it in _items() if it["type"] == "followup"]
    assert followups
    for it in followups:
        history = it.get("history")
        assert isinstance(history, list) and history, f"{it['id']}: followup without history"
        assert history[0]["role"] == "user", it["id"]
        for msg in history:
            assert msg["role"] in {"user", "assistant"} and msg["content"].strip(), it["id"]


def test_every_document_is_covered() -> None:
    used = {it["doc"] for it in _answerable()}
    assert set(_raw_docs()) <= used, f"documents without questions: {set(_raw_docs()) - used}"


# --- evidence against the corpus --------------------------------------------------------


def test_evidence_is_verbatim_in_raw_document() -> None:
    docs = _raw_docs()
    missing = [
        (it["id"], ev)
        for it in _answerable()
        for ev in it["evidence"]
        if _squash(ev) not in docs[it["doc"]]
    ]
    assert not missing, f"evidence not in its document: {missing}"


def test_evidence_survives_normalisation() -> None:
    try:
        from rag.corpus import load_document
    except ImportError:
        pytest.skip("rag.corpus.load_document is not available yet")
    try:
        texts = {name: _squash(load_document(CORPUS / name).text) for name in _raw_docs()}
    except NotImplementedError:
        pytest.skip("rag.corpus.load_document is a stub")
    missing = [
        (it["id"], ev)
        for it in _answerable()
        for ev in it["evidence"]
        if _squash(ev) not in texts[it["doc"]]
    ]
    assert not missing, f"evidence lost by load_document normalisation: {missing}"


def test_questions_do_not_copy_the_text() -> None:
    docs = list(_raw_docs().values())
    copied = []
    for it in _items():
        q = _squash(it["question"])
        runs = (q[i : i + COPY_RUN] for i in range(len(q) - COPY_RUN + 1))
        hit = next((r for r in runs if any(r in d for d in docs)), None)
        if hit:
            copied.append((it["id"], hit))
    assert not copied, f"questions copying the documents: {copied}"
