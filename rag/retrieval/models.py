"""What a search returns: ranked hits with fused and per-channel scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from rag.corpus.models import Chunk

__all__ = ["Hit", "Retriever"]


@dataclass
class Hit:
    """One ranked passage."""

    chunk: Chunk
    score: float  # fused score, higher is better
    rank: int = 0  # 1-based
    scores: dict[str, float] = field(default_factory=dict)  # per channel, e.g. {"dense": .8}

    def to_dict(self) -> dict[str, Any]:
        d = self.chunk.to_dict()
        d.update(score=self.score, rank=self.rank, scores=dict(self.scores))
        return d


class Retriever(Protocol):
    """Anything that ranks passages for a question."""

    def search(
        self, query: str, top_k: int = 5, filters: dict[str, Any] | None = None
    ) -> list[Hit]: ...
