"""Sentence and clause spans with exact offsets, and the jieba word tokenizer answers use."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Span", "split_sentences", "split_units", "tokenize", "get_tokenizer", "nouns",
    "plain_words", "pos_words", "bigrams", "add_words", "added_words"
]

_SENT_END = "。！？!?"
_CLAUSE_END = "；;"
_CLOSERS = "”’」』）)】》\"'"
_LEAD_JUNK = " \t\r\n\u3000*★☆●•·#>-—_|"
_TRAIL_JUNK = " \t\r\n\u3000*"


@dataclass(frozen=True)
class Span:
    """A piece of a passage: `text == passage[start:end]` (offsets relative to the passage).

    Example:
        >>> [s.text for s in split_sentences("甲。乙！")]
        ['甲。', '乙！']
    """

    text: str
    start: int
    end: int
    para: int  # index of the paragraph (line) the span sits in
    sent: int  # index of the sentence within the passage
    clause: int = -1  # index of the clause within its sentence, -1 for a whole sentence


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    # Drop bullets, markdown bold and spaces at both ends, keeping offsets exact
    while start < end and text[start] in _LEAD_JUNK:
        start += 1
    while end > start and text[end - 1] in _TRAIL_JUNK:
        end -= 1
    return start, end


def _cut(text: str, ends: str) -> list[tuple[int, int]]:
    """Cut `text` after each char of `ends` (plus closing quotes) and at newlines."""
    out: list[tuple[int, int]] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            out.append((start, i))
            start = i + 1
        elif ch in ends:
            j = i + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            out.append((start, j))
            start, i = j, j - 1
        i += 1
    out.append((start, n))
    return out


def split_sentences(text: str) -> list[Span]:
    """Sentences of a passage (split at 。！？ and line ends), trimmed, offsets exact."""
    spans: list[Span] = []
    para, seen = 0, 0
    for a, b in _cut(text, _SENT_END):
        s, e = _trim(text, a, b)
        if e - s >= 2:
            para += text.count("\n", seen, s)  # paragraphs are lines
            seen = s
            spans.append(Span(text[s:e], s, e, para, len(spans)))
    return spans


def split_units(text: str, clause_min_chars: int = 40) -> list[Span]:
    """Sentences, with long ones split further into their ；-separated clauses."""
    units: list[Span] = []
    for sent in split_sentences(text):
        if len(sent.text) < clause_min_chars or not any(c in sent.text for c in _CLAUSE_END):
            units.append(sent)
            continue
        pieces = [(a, b) for a, b in _cut(sent.text, _CLAUSE_END)]
        k = 0
        for a, b in pieces:
            s, e = _trim(sent.text, a, b)
            if e - s >= 2:
                units.append(
                    Span(sent.text[s:e], sent.start + s, sent.start + e, sent.para, sent.sent, k)
                )
                k += 1
    return units


# Words: one jieba.Tokenizer per process, made on first use
_JIEBA: Any = None
_POS: Any = None
_LOCK = threading.Lock()
_WORD_RE = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?%?|[\u4e00-\u9fff]+")
_ADDED: set[str] = set()


def _jieba() -> Any:
    global _JIEBA
    if _JIEBA is None:
        with _LOCK:
            if _JIEBA is None:
                import jieba

                jieba.setLogLevel(60)
                tk = jieba.Tokenizer()
                tk.initialize()
                _JIEBA = tk
    return _JIEBA


def add_words(words: Iterable[str]) -> None:
    """Teach the answer tokenizer words jieba should keep whole, e.g. the index's own
    domain dictionary (mined from its documents)."""
    new = [w for w in words if w and w not in _ADDED]
    if not new:
        return
    tk = _jieba()
    with _LOCK:
        for w in new:
            tk.add_word(w, freq=20000, tag="n")
            _ADDED.add(w)


def added_words() -> frozenset[str]:
    """The words `add_words` taught the answer tokenizer so far."""
    return frozenset(_ADDED)


def get_tokenizer() -> Callable[[str], list[str]]:
    """The word tokenizer: jieba search-mode words on a private `jieba.Tokenizer`.

    Example:
        >>> "物流园" in get_tokenizer()("龙马物流园进展如何")
        True
    """
    tk = _jieba()

    def cut(text: str) -> list[str]:
        return [w for w in tk.lcut_for_search(text) if _WORD_RE.fullmatch(w)]

    return cut


def plain_words(text: str) -> list[str]:
    """jieba's default-mode words (no sub-words), punctuation included."""
    return list(_jieba().lcut(text))


def pos_words(text: str) -> list[tuple[str, str]]:
    """jieba's words of `text` with their part-of-speech tags, covering the text in order.

    Example:
        >>> pos_words("我们的学校")[:2]
        [('我们', 'r'), ('的', 'uj')]
    """
    global _POS
    if _POS is None:
        import jieba.posseg

        tk = _jieba()
        with _LOCK:
            if _POS is None:
                _POS = jieba.posseg.POSTokenizer(tk)
    return [(p.word, p.flag) for p in _POS.lcut(text)]


def nouns(text: str) -> list[str]:
    """Nouns of `text` by jieba's part-of-speech tagger (n*, vn, eng), in order.

    Example:
        >>> nouns("柴油货车淘汰多少辆？")
        ['柴油', '货车']
    """
    return [w for w, f in pos_words(text)
            if (f.startswith("n") and f != "ng") or f in ("vn", "eng")]


def tokenize(text: str) -> list[str]:
    """Word tokens of `text` (Chinese words, numbers, latin words), punctuation dropped."""
    return get_tokenizer()(text)


def bigrams(text: str) -> set[str]:
    """Character bigrams of the CJK/alnum characters of `text`."""
    t = "".join(ch for ch in text if ch.isalnum())
    return {t[i : i + 2] for i in range(len(t) - 1)}
