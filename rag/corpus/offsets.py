"""A string that remembers, for every character, where it came from in the raw file."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["MappedStr", "SYNTHETIC"]

SYNTHETIC = -1  # offset of a character the normaliser inserted (a paragraph break, a space)


def _offsets(values: Iterable[int] = ()) -> array[int]:
    """Offsets as a compact array of 32-bit ints (a list would cost ~36 bytes a character)."""
    return array("i", values)


@dataclass(frozen=True)
class MappedStr:
    """Text plus one raw offset per character (`SYNTHETIC` for inserted ones).

    Every edit (slice, join, drop) keeps the map aligned, so a span of the normalised
    text can always be traced back to the raw file. The map is a compact `array`.

    Example:
        >>> s = MappedStr.from_raw("ab cd", 0, 5)
        >>> t = s[0:2] + MappedStr.literal("\\n") + s[3:5]
        >>> t.text, list(t.offs)
        ('ab\\ncd', [0, 1, -1, 3, 4])
    """

    text: str
    offs: array[int] = field(default_factory=_offsets)  # a list or range is converted

    def __post_init__(self) -> None:
        if not isinstance(self.offs, array):
            object.__setattr__(self, "offs", _offsets(self.offs))

    # Construction
    @classmethod
    def from_raw(cls, raw: str, start: int, end: int) -> MappedStr:
        """The slice `raw[start:end]` mapped onto itself."""
        import numpy as np  # builds the run of offsets ~20x faster than array(range(...))

        offs = _offsets()
        offs.frombytes(np.arange(start, end, dtype=np.int32).tobytes())
        return cls(raw[start:end], offs)

    @classmethod
    def literal(cls, text: str) -> MappedStr:
        """Inserted text with no raw origin."""
        return cls(text, _offsets([SYNTHETIC]) * len(text))

    @classmethod
    def join(cls, parts: Iterable[MappedStr], sep: str = "") -> MappedStr:
        """Concatenate `parts` with a synthetic separator."""
        texts: list[str] = []
        offs = _offsets()
        gap = _offsets([SYNTHETIC]) * len(sep)
        for i, part in enumerate(parts):
            if i and sep:
                texts.append(sep)
                offs.extend(gap)
            texts.append(part.text)
            offs.extend(part.offs)
        return cls("".join(texts), offs)

    # Editing
    def __len__(self) -> int:
        return len(self.text)

    def __add__(self, other: MappedStr) -> MappedStr:
        return MappedStr(self.text + other.text, self.offs + other.offs)

    def __getitem__(self, key: slice) -> MappedStr:
        return MappedStr(self.text[key], self.offs[key])

    def keep(self, mask: Sequence[bool]) -> MappedStr:
        """Only the characters whose mask entry is True."""
        chars = [c for c, k in zip(self.text, mask, strict=True) if k]
        offs = _offsets(o for o, k in zip(self.offs, mask, strict=True) if k)
        return MappedStr("".join(chars), offs)

    def strip(self, chars: str | None = None) -> MappedStr:
        """Like `str.strip`, keeping the map."""
        left = len(self.text) - len(self.text.lstrip(chars))
        right = len(self.text.rstrip(chars))
        return self[left : max(left, right)]

    def raw_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Raw `(start, end)` covering normalised `[start, end)`, or None if all synthetic."""
        real = [o for o in self.offs[start:end] if o != SYNTHETIC]
        return (min(real), max(real) + 1) if real else None
