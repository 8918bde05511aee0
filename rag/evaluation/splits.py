"""Deterministic fit/test split of evaluation items by a stable key (question or paragraph id)."""

from __future__ import annotations

import hashlib
from typing import Literal

__all__ = ["Split", "SPLITS", "split_of", "in_split"]

Split = Literal["fit", "test"]
SPLITS = ("fit", "test", "all")


def split_of(key: str) -> Split:
    """Assign a key to the fit or the test half by the parity of its SHA-1.

    qa.jsonl items are split by question id; SQuAD/CMRC items by their paragraph id, so
    fitting on one paragraph's questions never leaks into the test half.

    Example:
        >>> split_of("q1"), split_of("q2")
        ('fit', 'test')
        >>> split_of("TRIAL_800") == split_of("TRIAL_800")
        True
    """
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    return "fit" if int(digest, 16) % 2 == 0 else "test"


def in_split(key: str, split: str) -> bool:
    """True when `key` belongs to `split` ("fit", "test" or "all").

    Raises:
        ValueError: `split` is not one of fit/test/all.

    Example:
        >>> in_split("q1", "fit"), in_split("q1", "test"), in_split("q1", "all")
        (True, False, True)
    """
    if split not in SPLITS:
        raise ValueError(f"划分须为 fit/test/all (split must be fit, test or all), got {split!r}")
    return split == "all" or split_of(key) == split
