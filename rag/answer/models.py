"""What an answer is: text with [n] markers, the citations behind them, timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from rag.retrieval.models import Hit

__all__ = ["Citation", "Answer", "Answerer", "Message"]


@dataclass
class Citation:
    """The passage behind marker `[n]` and the exact sentence quoted from it."""

    n: int
    chunk_id: str
    source: str
    title: str
    county: str
    year: int | None
    heading_path: list[str]
    text: str  # the whole passage
    quote: str  # the sentence used; a substring of `text`
    quote_start: int  # offsets of `quote` in the normalised document text
    quote_end: int
    # every sentence quoted from this passage, in answer order:
    # {"quote", "quote_start", "quote_end"}
    quotes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Message:
    """One chat turn."""

    role: str  # "user" or "assistant"
    content: str


@dataclass
class Answer:
    """A cited answer, or an honest abstention (`answerable=False`)."""

    answer: str
    answerable: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    rewritten_question: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. "LLM unavailable, extractive answer"
    direct_answer: str = ""  # the shortest span of the first quote that answers ("256天")
    confidence: float = 0.0  # calibrated probability that the documents answer the question

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "answerable": self.answerable,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "rewritten_question": self.rewritten_question,
            "timings_ms": dict(self.timings_ms),
            "notes": list(self.notes),
            "direct_answer": self.direct_answer,
            "confidence": self.confidence,
        }


class Answerer(Protocol):
    """Turns a question and its retrieved passages into an Answer."""

    def answer(self, question: str, hits: list[Hit]) -> Answer: ...
