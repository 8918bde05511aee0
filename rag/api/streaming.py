"""Answer events for streaming (SSE and the chat page): text pieces, citations, done.

Uses `rag.answer.pipeline.stream_answer` when the answerer provides it; otherwise it
computes the whole answer with `RAGService.ask` and replays it sentence by sentence, so
the final answer is always the same one `/ask` returns.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

from rag.answer.models import Message
from rag.answer.pipeline import stream_answer
from rag.service import RAGService

__all__ = ["answer_events"]

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
    history = service.check_history(history)  # bounded and cleaned, as for /ask
    index = service.index  # IndexMissingError here, before streaming starts
    events = _timed(
        stream_answer(q, index, service.settings, top_k=k, filters=filters, history=history,
                      llm=service.llm)
    )
    # Run retrieval up to the first event now, so its errors are HTTP errors, not events
    first = next(events, None)
    return itertools.chain([first] if first is not None else [], events)


def _timed(events: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    # Pass the pipeline's events through; add the total time to the final answer
    t0 = time.perf_counter()
    for ev in events:
        if ev.get("type") == "done" and isinstance(ev.get("answer"), dict):
            timings = ev["answer"].setdefault("timings_ms", {})
            timings.setdefault("total", round((time.perf_counter() - t0) * 1000, 2))
        yield ev
