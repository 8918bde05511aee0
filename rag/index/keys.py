"""Stable keys: int64 store ids from chunk ids, embedding-cache keys from content."""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["embedding_key", "int_id", "int_ids"]


def int_id(chunk_id: str) -> int:
    """A stable non-negative int64 for a chunk id (FAISS and the stores key on these).

    Example:
        >>> int_id("abc") == int_id("abc") and int_id("abc") >= 0
        True
    """
    return int.from_bytes(hashlib.blake2b(chunk_id.encode(), digest_size=8).digest(), "big") >> 1


def int_ids(chunk_ids: list[str]) -> np.ndarray:
    return np.array([int_id(c) for c in chunk_ids], dtype=np.int64)


def embedding_key(encoder_name: str, text: str) -> str:
    """Cache key of an embedding: the encoder plus the exact text embedded.

    Example:
        >>> embedding_key("none", "a") != embedding_key("none", "b")
        True
    """
    return hashlib.blake2b(f"{encoder_name}\n{text}".encode(), digest_size=16).hexdigest()
