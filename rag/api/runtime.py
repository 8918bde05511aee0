"""Process set-up for serving: thread counts and loading the index once."""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rag.deadline import deadline_error, remaining
from rag.exceptions import RAGError
from rag.service import RAGService
from rag.settings import Settings

__all__ = ["ComputeGate", "Ticket", "configure_threads", "load_index"]

log = logging.getLogger("rag.api")

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def configure_threads(settings: Settings) -> int:
    """Pin BLAS/OpenMP/torch threads per call to `settings.num_threads`.

    Call before the encoder loads: concurrent requests each run in a worker thread, so
    N requests × num_threads should not exceed the cores (2 here). Returns the count.

    Example:
        >>> configure_threads(Settings(num_threads=1))
        1
    """
    n = max(1, settings.num_threads)
    for var in _THREAD_VARS:
        os.environ.setdefault(var, str(n))
    if "torch" in sys.modules:  # already imported: env vars are too late, tell torch directly
        import torch

        torch.set_num_threads(n)
    return n


def load_index(service: RAGService) -> str | None:
    """Load the index and warm it with one query; return an error message or None.

    The server starts either way: without an index, queries get 503 and the page
    says to run `rag index`.
    """
    t0 = time.perf_counter()
    try:
        index = service.index
        service.warm_up()  # first jieba/encoder/answerer call pays its set-up here
    except RAGError as exc:
        log.debug("index not available: %s", exc)  # the service logged it once
        return str(exc) or type(exc).__name__
    except Exception as exc:  # a bug, not a missing index: serve anyway, queries will say 500
        log.exception("loading the index failed")
        return f"{type(exc).__name__}: {exc}"
    configure_threads(service.settings)  # the encoder imported torch by now
    log.info(
        "index loaded: %d documents, %d chunks in %.1f s",
        len(index.documents), len(index.chunks), time.perf_counter() - t0,
    )
    return None


class Ticket:
    """One request's place at the gate: waiting, holding a slot, or done."""

    __slots__ = ("cost", "key", "held", "done")

    def __init__(self, key: tuple[float, int], cost: float) -> None:
        self.key, self.cost = key, cost
        self.held = self.done = False

    def __lt__(self, other: Ticket) -> bool:
        return self.key < other.key


class ComputeGate:
    """At most `limit` queries compute at once; the rest wait their turn (0 = no limit).

    Sync endpoints run in a thread pool of ~40 threads; on 2 cores, letting all of them
    run the encoder and the scorers at once only adds switching and GIL contention.
    Waiting requests are served by arrival time plus their expected cost (`cost` in
    characters of text to embed and parse, `cost_s` seconds each): a short question that
    arrives behind a queue of long ones goes first, and a long one waits at most its own
    cost before later arrivals queue behind it (nobody starves). Requests costing more
    than `heavy_cost` hold at most `limit - 1` slots together, so one slot always stays
    open to short questions however many long ones are queued.
    A slot is held by a `Ticket`; `cancel` (a request past its deadline) frees it at once,
    even while the worker thread still runs, and releasing it again later is harmless.

    Example:
        >>> gate = ComputeGate(2)
        >>> with gate.slot(cost=20):
        ...     gate.in_use
        1
    """

    def __init__(self, limit: int, cost_s: float = 0.005, heavy_cost: float = 120.0) -> None:
        self.limit, self.cost_s, self.heavy_cost = limit, cost_s, heavy_cost
        self._heavy_limit = max(1, limit - 1)
        self._heavy = 0
        self._cond = threading.Condition()
        self._queue: list[Ticket] = []
        self._active = 0
        self._seq = itertools.count()

    @property
    def in_use(self) -> int:
        """Slots held right now."""
        return self._active

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot."""
        return len(self._queue)

    def ticket(self, cost: float = 0.0) -> Ticket:
        """A place in line, stamped now; pass it to `acquire`."""
        return Ticket((time.monotonic() + max(cost, 0.0) * self.cost_s, next(self._seq)), cost)

    def acquire(self, ticket: Ticket, timeout: float | None = None) -> None:
        """Wait for a slot; DeadlineError after `timeout` s or when the ticket was cancelled."""
        if self.limit <= 0:
            ticket.held = not ticket.done
            return
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if ticket.done:
                raise deadline_error(None, "排队")
            self._queue.append(ticket)
            while True:
                if ticket.done:  # cancelled while waiting (release() took it out of line)
                    raise deadline_error(None, "排队")
                if self._next() is ticket:
                    break
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    self._drop(ticket)
                    budget = None if remaining() is not None else timeout
                    raise deadline_error(budget, "排队等待计算资源")
                self._cond.wait(left)
            self._queue.remove(ticket)
            self._active += 1
            self._heavy += self._is_heavy(ticket)
            ticket.held = True
            self._cond.notify_all()  # the next in line may fit too

    def release(self, ticket: Ticket) -> None:
        """Give the slot back (idempotent); a waiting ticket leaves the line."""
        with self._cond:
            ticket.done = True
            if ticket.held:
                ticket.held = False
                if self.limit > 0:
                    self._active -= 1
                    self._heavy -= self._is_heavy(ticket)
            else:
                self._drop(ticket)
            self._cond.notify_all()

    cancel = release  # a request past its deadline: free its slot now, the thread stops later

    def _is_heavy(self, ticket: Ticket) -> bool:
        return ticket.cost > self.heavy_cost

    def _next(self) -> Ticket | None:
        # The first waiting ticket, in (arrival + cost) order, that may take a free slot now
        if self._active >= self.limit:
            return None
        heavy_ok = self._heavy < self._heavy_limit
        return min((t for t in self._queue if heavy_ok or not self._is_heavy(t)), default=None)

    def _drop(self, ticket: Ticket) -> None:
        if ticket in self._queue:
            self._queue.remove(ticket)
            self._cond.notify_all()

    @contextmanager
    def slot(self, cost: float = 0.0, timeout: float | None = None) -> Iterator[Ticket]:
        """Hold a slot for the block (waiting at most `timeout` s, else DeadlineError)."""
        ticket = self.ticket(cost)
        self.acquire(ticket, timeout)
        try:
            yield ticket
        finally:
            self.release(ticket)
