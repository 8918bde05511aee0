"""A per-request deadline carried in a context variable; long steps check it and give up."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rag.exceptions import DeadlineError

__all__ = ["check_deadline", "deadline", "deadline_error", "remaining"]

# (monotonic time it ends, its length in seconds) or None
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "rag_deadline", default=None)


@contextmanager
def deadline(seconds: float | None, total: float | None = None) -> Iterator[None]:
    """Run the block under a deadline `seconds` from now (None or <= 0: none); `total` is
    the whole request's budget, for the message (default `seconds`).

    Worker threads started with a copy of the context (anyio, `run_in_threadpool`) see it.

    Example:
        >>> with deadline(5.0):
        ...     remaining() is not None
        True
    """
    value = None
    if seconds is not None and seconds > 0:
        value = (time.monotonic() + seconds, total or seconds)
    token = _DEADLINE.set(value)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left before the current deadline (may be negative), or None without one."""
    d = _DEADLINE.get()
    return None if d is None else d[0] - time.monotonic()


def deadline_error(seconds: float | None = None, where: str = "") -> DeadlineError:
    """The error of a request past its deadline (Chinese and English).

    Example:
        >>> str(deadline_error(10)).split(" (")[0]
        '请求超时：超过 10 秒，已放弃，请稍后重试或缩短问题'
    """
    if seconds is None:
        d = _DEADLINE.get()
        seconds = d[1] if d else 0.0
    at = f"（{where}）" if where else ""
    return DeadlineError(
        f"请求超时：超过 {seconds:g} 秒，已放弃，请稍后重试或缩短问题{at} "
        f"(the request took longer than {seconds:g} s and was abandoned; try again, or shorten "
        "it)"
    )


def check_deadline(where: str = "") -> None:
    """Raise DeadlineError when the current deadline has passed (a cheap call: use it often).

    Example:
        >>> check_deadline()   # no deadline set: returns
    """
    left = remaining()
    if left is not None and left <= 0:
        raise deadline_error(None, where)
