"""Question in, cited Answer out: rewrite, retrieve, judge, then quote (or generate)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.answer.candidates import Unit, candidate_units
from rag.answer.compose import abstention, choose, compose, is_duplicate
from rag.answer.decision import Decision
from rag.answer.features import Context
from rag.answer.generate import build_messages, check_sentence, finalize, split_reply
from rag.answer.llm import client_from_settings
from rag.answer.model import load_model
from rag.answer.models import Answer, Message
from rag.answer.query import Query, analyze, find_places
from rag.answer.read import read
from rag.answer.rewrite import Rewrite, rewrite_question
from rag.answer.stats import CorpusStats, stats_for
from rag.answer.text import add_words, nouns
from rag.corpus.models import Chunk, Document
from rag.exceptions import LLMError
from rag.fusion import rrf
from rag.retrieval.models import Hit, Retriever
from rag.settings import Settings

__all__ = ["ExtractiveAnswerer", "Retrieved", "answer_question", "judge", "prepare", "retrieve",
           "stream_answer", "warm_up"]


def warm_up(retriever: Retriever) -> None:
    """Load what the first answer would otherwise pay for: jieba (words and parts of
    speech, with the index's own dictionary), the models and the index's term statistics.
    Call once at start-up."""
    learn_words(retriever)
    analyze("进展如何")
    nouns("物流园")
    find_places("山西省")  # loads the administrative divisions
    for name in ("span", "unit", "rerank", "answerable"):
        load_model(name)
    stats_for(retriever)


def learn_words(retriever: Retriever) -> None:
    """Teach the answer tokenizer the index's own domain dictionary (once per index)."""
    keyword = getattr(retriever, "keyword", None)
    word = keyword.get("bm25_word") if isinstance(keyword, dict) else None
    words = getattr(getattr(word, "tokenizer", None), "words", None)
    if words and id(words) not in _LEARNED:
        add_words(words)
        _LEARNED.add(id(words))


_LEARNED: set[int] = set()


@dataclass
class Retrieved:
    """What retrieval hands the answer layer for one question (cached by the training script,
    so the answer models can be refitted without searching again)."""

    question: str  # what was searched (the rewritten follow-up, or the question)
    rewritten: str | None  # set when it differs from what was typed
    hits: list[Hit]  # what the answer may cite
    exclude: list[str]  # sentences an earlier answer already gave (「还有呢？」)
    stats: CorpusStats  # the index's term statistics
    synonyms: dict[str, list[str]]  # the synonyms retrieval added, by question word
    documents: Mapping[str, Document] | None  # the index's documents (year checks)
    weak: bool = False  # the rewrite only guessed its context
    timings: dict[str, float] = field(default_factory=dict)
    doc_chunks: Callable[[str], list[Chunk]] | None = None  # a document's chunks (lists)

    def __getstate__(self) -> dict[str, Any]:
        # cached without the index's chunk lookup (eval/train pickles these records)
        return {**self.__dict__, "doc_chunks": None}


@dataclass
class _Prepared:
    question: str  # what was searched
    rewritten: str | None
    hits: list[Hit]  # what the answer may cite (top_k, plus cited extras)
    units: list[Unit]
    query: Query
    decision: Decision
    exclude: list[str]
    timings: dict[str, float]
    ctx: Context | None = None  # what the features saw (for training and inspection)
    X: np.ndarray | None = None  # unit features
    qrow: np.ndarray | None = None  # question features
    R: np.ndarray | None = None  # rerank features of the reread units
    doc_chunks: Callable[[str], list[Chunk]] | None = None  # a document's chunks (lists)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


def prepare(
    question: str, retriever: Retriever, settings: Settings, top_k: int | None = None,
    filters: dict[str, Any] | None = None, history: list[Message] | None = None,
) -> _Prepared:
    """Every step before composition: rewrite, retrieve, candidate units, features, scores,
    decision."""
    return _prepare(question, retriever, settings, top_k, filters, history)


def _prepare(
    question: str, retriever: Retriever, settings: Settings, top_k: int | None,
    filters: dict[str, Any] | None, history: list[Message] | None,
) -> _Prepared:
    r = retrieve(question, retriever, settings, top_k, filters, history)
    p = judge(r, settings)
    if r.weak and not p.decision.answerable:
        # A guessed context made it unanswerable: try the question as typed
        plain = _prepare(question, retriever, settings, top_k, filters, None)
        if plain.decision.answerable:
            return plain
    return p


def retrieve(
    question: str, retriever: Retriever, settings: Settings, top_k: int | None = None,
    filters: dict[str, Any] | None = None, history: list[Message] | None = None,
) -> Retrieved:
    """Rewrite a follow-up into a full question, then search (a few more passages than shown,
    to quote from)."""
    timings: dict[str, float] = {}
    learn_words(retriever)
    stats = stats_for(retriever)
    # Follow-ups become full questions
    t = time.perf_counter()
    rw = rewrite_question(question, history)
    if rw.weak and any(stats.contains(e) for e in analyze(question).entities):
        rw = Rewrite(question)  # names a known thing itself: no context needed
    timings["rewrite"] = _ms(t)
    t = time.perf_counter()
    k = top_k or settings.top_k
    hits = _retrieve(retriever, rw.question, question, history,
                     max(k, settings.answer_candidates), filters)
    timings["retrieve"] = _ms(t)
    expansions = getattr(retriever, "expansions", None)
    synonyms = expansions(rw.question) if callable(expansions) else {}
    docs = getattr(retriever, "documents", None)
    doc_chunks = getattr(retriever, "doc_chunks", None)
    return Retrieved(rw.question, rw.question if rw.changed else None, hits, rw.exclude, stats,
                     synonyms, docs if isinstance(docs, dict) else None, rw.weak, timings,
                     doc_chunks if callable(doc_chunks) else None)


def judge(r: Retrieved, settings: Settings) -> _Prepared:
    """Question analysis, candidate units, their features and probabilities, the decision.
    The answer reads the first `answer_candidates` passages, however many are shown, so
    its features (and its verdict) do not depend on `top_k`."""
    t = time.perf_counter()
    pool = r.hits[: settings.answer_candidates]
    query = _add_synonyms(analyze(r.question), r.synonyms)
    units = candidate_units(pool, settings.clause_min_chars, query.years)
    if r.exclude:
        units = [u for u in units if not any(is_duplicate(u.text, x) for x in r.exclude)]
    ctx, X, R, qrow, decision = read(query, units, pool, r.stats, settings.answer_threshold,
                                      r.documents)
    timings = dict(r.timings, judge=_ms(t))
    return _Prepared(r.question, r.rewritten, r.hits, units, query, decision, r.exclude,
                     timings, ctx, X, qrow, R, r.doc_chunks)


def with_synonyms(query: Query, retriever: Retriever) -> Query:
    """Let the synonyms retrieval added for a question word count as that word in a sentence."""
    expansions = getattr(retriever, "expansions", None)
    return _add_synonyms(query, expansions(query.text) if callable(expansions) else {})


def _add_synonyms(query: Query, synonyms: Mapping[str, list[str]]) -> Query:
    for word, syns in synonyms.items():
        if word in query.terms and word not in query.expansions:
            query.expansions[word] = (word, *syns)
    return query


def _retrieve(
    retriever: Retriever, searched: str, typed: str, history: list[Message] | None,
    k: int, filters: dict[str, Any] | None,
) -> list[Hit]:
    """Search with the (rewritten) question; in a chat, also with the previous question
    prepended to the typed one, and fuse both rankings by reciprocal rank. Rules cannot
    resolve every ellipsis (「十三五期间一共招了多少？」 after a question about teachers);
    the earlier question still carries the topic."""
    hits = retriever.search(searched, top_k=k, filters=filters)
    prev = next((m.content.strip() for m in reversed(history or [])
                 if m.role == "user" and m.content.strip()), "")
    if not prev:
        return hits
    context = retriever.search(f"{prev} {typed}", top_k=k, filters=filters)
    by_id = {h.chunk.id: h for h in context} | {h.chunk.id: h for h in hits}
    ids = list(by_id)
    fused = rrf({name: [(ids.index(h.chunk.id), h.score) for h in ranked]
                 for name, ranked in (("question", hits), ("context", context))},
                {"question": 1.0, "context": 1.0})
    order = sorted(fused, key=lambda i: -fused[i])[:k]
    return [replace(by_id[ids[i]], rank=r) for r, i in enumerate(order, start=1)]


def _passages(answer: Answer, hits: list[Hit], k: int) -> list[Hit]:
    # The top k passages, plus any cited passage ranked below them
    shown = hits[:k]
    ids = {h.chunk.id for h in shown}
    extra = [h for h in hits[k:] if h.chunk.id in {c.chunk_id for c in answer.citations}
             and h.chunk.id not in ids]
    return shown + extra


def _extractive(p: _Prepared, settings: Settings) -> Answer:
    chosen = choose(p.units, p.query, settings.max_answer_sentences, p.doc_chunks,
                    p.hits)
    return compose(chosen, p.query, p.decision, p.hits)


def _finish(ans: Answer, p: _Prepared, k: int, t: float) -> Answer:
    ans.passages = _passages(ans, p.hits, k) if ans.answerable else p.hits[:k]
    ans.rewritten_question = p.rewritten
    ans.timings_ms.update(p.timings)
    ans.timings_ms["answer"] = _ms(t)
    ans.confidence = p.decision.confidence
    return ans


def answer_question(
    question: str,
    retriever: Retriever,
    settings: Settings,
    *,
    top_k: int | None = None,
    filters: dict[str, Any] | None = None,
    history: list[Message] | None = None,
    llm: Any | None = None,
) -> Answer:
    """Answer `question` from `retriever`'s passages, every sentence cited, or abstain.

    `llm` is an object with `.chat(messages) -> str` (e.g. `ChatClient`); without one, the
    LLM configured in `settings` is used if any, else the extractive answerer.

    Example:
        >>> ans = answer_question("龙马物流园进展如何？", index, get_settings())  # doctest: +SKIP
        >>> ans.answer  # doctest: +SKIP
        '山东港口内陆港在龙马物流园正式揭牌，洪洞成为山东港口第49个内陆港…[1]…'
    """
    p = _prepare(question, retriever, settings, top_k, filters, history)
    client = llm if llm is not None else client_from_settings(settings)
    return _answer_from(p, settings, top_k or settings.top_k, client)


def _answer_from(p: _Prepared, settings: Settings, k: int, client: Any | None) -> Answer:
    t = time.perf_counter()
    if not p.decision.answerable:
        return _finish(abstention(p.decision, p.hits[:k]), p, k, t)
    if client is None:
        return _finish(_extractive(p, settings), p, k, t)
    # LLM generation, checked; any failure falls back to the extractive answer
    hits = p.hits[:k]
    try:
        reply = client.chat(build_messages(p.question, hits))
        ans, dropped = finalize(reply, hits, settings.llm_min_support)
    except LLMError as e:
        return _fallback(p, settings, k, t, f"LLM 不可用，已改用摘录式回答 (LLM failed: {e})")
    return _llm_result(ans, dropped, p, settings, k, t)


def _fallback(p: _Prepared, settings: Settings, k: int, t: float, note: str) -> Answer:
    ans = _extractive(p, settings)
    ans.notes.append(note)
    return _finish(ans, p, k, t)


def _llm_result(ans: Answer, dropped: int, p: _Prepared, settings: Settings, k: int,
                t: float) -> Answer:
    if not ans.answerable:
        return _fallback(p, settings, k, t,
                         "LLM 回答没有可核实的句子，已改用摘录式回答 (no supported sentence)")
    ans.notes.append("llm")
    ans.direct_answer = _extractive(p, settings).direct_answer  # verbatim, from the best quote
    if dropped:
        ans.notes.append(f"已删除 {dropped} 个无出处支持的句子 (dropped unsupported sentences)")
    return _finish(ans, p, k, t)


def stream_answer(
    question: str,
    retriever: Retriever,
    settings: Settings,
    *,
    top_k: int | None = None,
    filters: dict[str, Any] | None = None,
    history: list[Message] | None = None,
    llm: Any | None = None,
) -> Iterator[dict[str, Any]]:
    """The answer as events: `{"type": "rewritten", "question"}` when a follow-up was
    rewritten, `{"type": "sentence", "text"}` per checked sentence, then
    `{"type": "citations", "citations"}`, then `{"type": "done", "answer": Answer dict}`
    (equal to `answer_question`'s result but for timings). With an LLM that has `.stream()`,
    sentences are sent as soon as they are generated and checked; if the LLM then fails,
    `{"type": "reset"}` withdraws them before the extractive answer's sentences.

    Example:
        >>> [e["type"] for e in stream_answer("龙马物流园进展如何", index, s)]  # doctest: +SKIP
        ['sentence', 'sentence', 'citations', 'done']
    """
    p = _prepare(question, retriever, settings, top_k, filters, history)
    k = top_k or settings.top_k
    client = llm if llm is not None else client_from_settings(settings)
    if p.rewritten:
        yield {"type": "rewritten", "question": p.rewritten}
    if not p.decision.answerable or client is None or not hasattr(client, "stream"):
        ans = _answer_from(p, settings, k, client)
    else:
        t = time.perf_counter()
        hits = p.hits[:k]
        buf, seen, sent = "", 0, 0
        numbers: dict[int, int] = {}  # passage → [n], numbered as `finalize` does
        try:
            for delta in client.stream(build_messages(p.question, hits)):
                buf += delta
                # Emit each completed sentence once it passes the support check
                done = _complete(split_reply(buf))
                for body, cites in done[seen:]:
                    ck = check_sentence(body, cites, hits, settings.llm_min_support)
                    if ck.passage and ck.quote is not None:
                        n = numbers.setdefault(ck.passage, len(numbers) + 1)
                        sent += 1
                        yield {"type": "sentence", "text": f"{body}[{n}]"}
                seen = max(seen, len(done))
            res, dropped = finalize(buf, hits, settings.llm_min_support)
            ans = _llm_result(res, dropped, p, settings, k, t)
        except LLMError as e:
            ans = _fallback(p, settings, k, t, f"LLM 不可用，已改用摘录式回答 (LLM failed: {e})")
        if "llm" in ans.notes:
            yield {"type": "citations", "citations": [c.to_dict() for c in ans.citations]}
            yield {"type": "done", "answer": ans.to_dict()}
            return
        if sent:  # the generated sentences were withdrawn: start over
            yield {"type": "reset"}
    for part in _answer_sentences(ans.answer):
        yield {"type": "sentence", "text": part}
    yield {"type": "citations", "citations": [c.to_dict() for c in ans.citations]}
    yield {"type": "done", "answer": ans.to_dict()}


def _complete(entries: list[tuple[str, list[int]]]) -> list[tuple[str, list[int]]]:
    # Sentences whose citation markers can no longer grow: not the last, and not followed
    # by a marker still arriving ("…。[1" ends the buffer)
    n = len(entries) - 1
    if n > 0 and entries[-1][0].lstrip().startswith("["):
        n -= 1
    return entries[: max(n, 0)]


def _answer_sentences(text: str) -> list[str]:
    # Split an answer after each [n] marker (or keep it whole when it has none)
    parts = re.findall(r".+?\[\d+\]", text)
    return parts if parts and "".join(parts) == text else [text]


class ExtractiveAnswerer:
    """The `Answerer` protocol over hits already retrieved (no rewriting; term rarity taken
    from `stats`, e.g. `stats_for(index)`, or uniform without it).

    Example:
        >>> ans = ExtractiveAnswerer().answer("龙马物流园进展如何", hits)  # doctest: +SKIP
        >>> ans.answer  # doctest: +SKIP
        '山东港口内陆港在龙马物流园正式揭牌，…[1]…'
    """

    def __init__(self, max_sentences: int = 5, threshold: float | None = None,
                 stats: CorpusStats | None = None) -> None:
        from rag.settings import get_settings

        self.max_sentences = max_sentences
        self.threshold = get_settings().answer_threshold if threshold is None else threshold
        self.stats = stats or CorpusStats([])

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        query = analyze(question)
        units = candidate_units(hits, years=query.years)
        decision = read(query, units, hits, self.stats, self.threshold)[-1]
        if not decision.answerable:
            return abstention(decision, hits)
        return compose(choose(units, query, self.max_sentences, hits=hits), query, decision, hits)
