"""Small real passages for the answer-layer tests."""

from __future__ import annotations

from rag.answer.candidates import candidate_units
from rag.answer.compose import choose
from rag.answer.query import analyze
from rag.corpus.models import Chunk
from rag.retrieval.models import Hit


def hit(text: str, rank: int = 1, county: str = "洪洞县", heading: str = "民生") -> Hit:
    """A ranked passage of a 2024 洪洞县 report under one heading."""
    c = Chunk(f"c{rank}", "d", "d.txt", "洪洞县2024年报告", county, 2024, ["洪洞县2024年报告",
              heading], text, 0, len(text))
    return Hit(c, 1.0 / rank, rank, {"dense": 0.8})


def chosen_texts(question: str, *sentences: tuple[str, float]) -> list[str]:
    """What composition quotes for `question` among one-sentence passages (ranked in order)
    whose sentences the model gave the probabilities paired with them."""
    units = candidate_units([hit(text, rank=n) for n, (text, _) in enumerate(sentences, 1)])
    for u, (_, p) in zip(units, sentences, strict=True):
        u.p = p
    return [u.text for u in choose(units, analyze(question), 5)]
