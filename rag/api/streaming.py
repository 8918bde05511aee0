"""Answer events for streaming (SSE and the chat page): text pieces, citations, done.

Uses `rag.answer.pipeline.stream_answer` when the answerer provides it; otherwise it
computes the whole answer with `RAGService.ask` and replays it sentence by sentence, so
the final answer is always the same one `/ask` returns.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

from rag.answer.models import Answer, Message
from rag.service import RAGService

__all__ = ["answer_events", "split_sentences"]

# A sentence ends after its citation markers, or at 。！？ when it has none
_SENTENCE = re.compile(r".+?(?:(?:\[\d+\])+|[。！？!?]+(?!\s*\[)|$)", re.S)


def split_sentences(text: str) -> list[str]:
    """Cut an answer into displayable pieces, keeping each `[n]` with its sentence.

    Example:
        >>> split_sentences("甲。[1]乙。[2]")
        ['甲。[1]', '乙。[2]']
    """
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]


def answer_events(
    service: RAGService,
    question: str,
    *,
    top_k: int | None = None,
    filters: dict[str, Any] | None = None,
    history: list[Message] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield `{"type": ...}` events ending with `{"type": "done", "answer": {...}}`.

    The question and top_k are validated, the index loaded and the first event computed
    before this returns, so such errors surface as exceptions (HTTP errors), not events.
    Event types: `sentence` (`text`, maybe `cites`), `reset` (drop the text so far),
    `citations`, `done`.

    Example:
        >>> events = answer_events(svc, "龙马物流园进展如何？")   # doctest: +SKIP
        >>> [e["type"] for e in events][-1]                       # doctest: +SKIP
        'done'
    """
    q = service.check_question(question)
    k = service.check_top_k(top_k)
    index = service.index  # IndexMissingError here, before streaming starts
    stream = _pipeline_stream()
    if stream is None:
        return _replay(service.ask(q, top_k=k, filters=filters, history=history))
    events = _timed(
        stream(q, index, service.settings, top_k=k, filters=filters, history=history,
               llm=getattr(service, "_llm", None))
    )
    # Run retrieval up to the first event now, so its errors are HTTP errors, not events
    first = next(events, None)
    return itertools.chain([first] if first is not None else [], events)


def _pipeline_stream() -> Any:
    # The answerer's streaming generator, if it has one
    try:
        from rag.answer import pipeline
    except ImportError:
        return None
    return getattr(pipeline, "stream_answer", None)


def _timed(events: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    # Pass the pipeline's events through; add the total time to the final answer
    t0 = time.perf_counter()
    for ev in events:
        if ev.get("type") == "done" and isinstance(ev.get("answer"), dict):
            timings = ev["answer"].setdefault("timings_ms", {})
            timings.setdefault("total", round((time.perf_counter() - t0) * 1000, 2))
        yield ev


def _replay(ans: Answer) -> Iterator[dict[str, Any]]:
    # A finished answer as a stream: sentences, then citations, then done
    data = ans.to_dict()
    if data.get("rewritten_question"):
        yield {"type": "rewritten", "question": data["rewritten_question"]}
    for piece in split_sentences(ans.answer):
        yield {"type": "sentence", "text": piece}
    yield {"type": "citations", "citations": data["citations"]}
    yield {"type": "done", "answer": data}
