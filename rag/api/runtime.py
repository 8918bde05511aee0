"""Process set-up for serving: thread counts and loading the index once."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rag.exceptions import RAGError
from rag.service import RAGService
from rag.settings import Settings

__all__ = ["ComputeGate", "configure_threads", "load_index"]

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
        log.warning("index not available: %s", exc)
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


class ComputeGate:
    """At most `limit` queries compute at once; the rest wait their turn (0 = no limit).

    Sync endpoints run in a thread pool of ~40 threads; on 2 cores, letting all of them
    run the encoder and the scorers at once only adds switching and GIL contention.

    Example:
        >>> gate = ComputeGate(2)
        >>> with gate.slot():
        ...     pass
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sem = threading.BoundedSemaphore(limit) if limit > 0 else None

    @contextmanager
    def slot(self) -> Iterator[None]:
        if self._sem is None:
            yield
            return
        with self._sem:
            yield
