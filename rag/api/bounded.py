"""Run a query's work in a worker thread under the compute gate and the request deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import anyio
from fastapi import Request

from rag.answer.models import Message
from rag.api.runtime import ComputeGate
from rag.deadline import deadline, deadline_error
from rag.settings import Settings

__all__ = ["query_cost", "run_bounded", "run_gated"]

log = logging.getLogger("rag.api")

T = TypeVar("T")


def query_cost(question: str, history: Sequence[Message] | None = None) -> float:
    """Expected work of a query in characters: the question and the user turns it is
    read against (what gets embedded and parsed).

    Example:
        >>> query_cost("那绛县呢？", [Message("user", "洪洞2024年GDP增长目标是多少？")])
        23.0
    """
    return float(len(question) + sum(len(m.content) for m in history or () if m.role == "user"))


async def run_bounded(request: Request, work: Callable[[], T], *, cost: float = 0.0) -> T:
    """`work()` in a worker thread, holding a gate slot, within `request_timeout_s`.

    Past the deadline the caller gets DeadlineError (503) at once and the slot is freed;
    the thread cannot be killed, but it stops at its next deadline check (waiting for a
    slot or the encoder, each text embedded) and its result is discarded.
    """
    settings: Settings = request.app.state.settings
    gate: ComputeGate = request.app.state.gate
    rid = getattr(request.state, "request_id", None)
    return await run_gated(gate, settings.request_timeout_s, work, cost=cost,
                           label=f"request {rid}")


async def run_gated(gate: ComputeGate | None, timeout_s: float | None, work: Callable[[], T],
                    *, cost: float = 0.0, label: str = "request") -> T:
    """`run_bounded` without an HTTP request: the MCP tools use it (both transports).

    Args:
        gate: the compute gate to hold a slot of (None: no gate, the deadline only).
        timeout_s: the deadline in seconds (None or <= 0: none).
        work: what to run in a worker thread.
        cost: the query's expected work in characters (`query_cost`).
        label: names the caller in the log line of an abandoned request.

    Example:
        >>> import anyio
        >>> anyio.run(lambda: run_gated(ComputeGate(1), 5.0, lambda: 42))
        42
    """
    timeout = timeout_s if timeout_s and timeout_s > 0 else None
    ticket = gate.ticket(cost) if gate is not None else None
    t0 = time.monotonic()

    def bounded() -> T:
        left = None if timeout is None else timeout - (time.monotonic() - t0)
        with deadline(left if left is None else max(left, 1e-6), timeout):
            if gate is None or ticket is None:
                return work()
            gate.acquire(ticket, left)
            try:
                return work()
            finally:
                gate.release(ticket)

    if timeout is None:
        return await anyio.to_thread.run_sync(bounded)
    with anyio.move_on_after(timeout) as scope:
        return await anyio.to_thread.run_sync(bounded, abandon_on_cancel=True)
    if gate is not None and ticket is not None:
        gate.cancel(ticket)  # past the deadline: free the slot now; the thread gives up later
    log.warning("%s ran past its %.1f s deadline (cost %.0f chars); abandoned",
                label, timeout, cost)
    assert scope.cancelled_caught
    raise deadline_error(timeout)
