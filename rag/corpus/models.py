"""Records that flow out of ingestion: a normalised Document and its Chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Document", "Chunk"]


@dataclass(frozen=True)
class Document:
    """One source file after loading and normalisation.

    `text` is the normalised text every chunk offset and citation points into.
    """

    doc_id: str
    source: str  # file name, e.g. "000_cc6c187a06165f0b.txt"
    title: str
    text: str
    county: str = ""
    year: int | None = None
    kind: str = ""
    sha256: str = ""  # hash of the raw file bytes
    meta: dict[str, Any] = field(default_factory=dict)  # bylines, authors, extra manifest fields

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(**data)


@dataclass(frozen=True)
class Chunk:
    """One coherent piece of a section; `Document.text[start:end] == text`.

    Example:
        >>> c = Chunk("id", "d", "d.txt", "T", "洪洞县", 2024, ["T", "一、总体"], "正文。", 0, 3)
        >>> c.index_text
        'T › 一、总体\\n正文。'
    """

    id: str
    doc_id: str
    source: str
    title: str
    county: str
    year: int | None
    heading_path: list[str]
    text: str
    start: int
    end: int
    # headings inside the text that the path does not name (merged sections, lead phrases)
    subheadings: list[str] = field(default_factory=list)
    ordinal: int = 0  # position of the chunk in its document

    @property
    def heading(self) -> str:
        """The heading path joined for display."""
        return " › ".join(self.heading_path)

    @property
    def index_text(self) -> str:
        """What gets embedded and indexed: heading path, then the text."""
        return f"{self.heading}\n{self.text}" if self.heading_path else self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
