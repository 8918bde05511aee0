"""Any sentence-transformers model, by hub id or local directory, loaded offline."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from rag.encoders.base import l2_normalize
from rag.exceptions import EncoderError

__all__ = ["SentenceTransformerEncoder"]


class SentenceTransformerEncoder:
    """A sentence-transformers model with configurable query/passage prefixes.

    Nothing is downloaded: the model loads with `local_files_only=True`, so it must be a
    local directory or already in the Hugging Face cache.

    Example:
        >>> enc = SentenceTransformerEncoder(                              # doctest: +SKIP
        ...     "/models/bge-small-zh-v1.5",
        ...     query_prefix="为这个句子生成表示以用于检索相关文章：", passage_prefix="")
        >>> enc.embed_passages(["正文"]).shape                                 # doctest: +SKIP
        (1, 512)
    """

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
        num_threads: int = 1,
    ) -> None:
        self.name = f"st:{model}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = max(1, batch_size)
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(max(1, num_threads))
            self._model: Any = SentenceTransformer(
                str(Path(model).expanduser()) if Path(model).expanduser().exists() else model,
                device="cpu",
                local_files_only=True,
            )
        except Exception as exc:
            raise EncoderError(
                f"无法加载向量模型 {model!r} (cannot load sentence-transformers model {model!r}: "
                f"{type(exc).__name__}: {exc}). Give a local model directory or a model already "
                f"in the Hugging Face cache; nothing is downloaded."
            ) from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise EncoderError(f"model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode(
                [prefix + t for t in texts],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return l2_normalize(vecs)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions with the query prefix."""
        return self._embed(list(texts), self.query_prefix)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages with the passage prefix."""
        return self._embed(list(texts), self.passage_prefix)
