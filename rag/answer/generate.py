"""LLM answers: numbered passages in, cited sentences out, each checked against its passage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.models import Answer, Citation
from rag.answer.text import bigrams, split_sentences
from rag.retrieval.models import Hit

__all__ = ["build_messages", "check_sentence", "finalize", "SYSTEM_PROMPT", "split_reply"]

SYSTEM_PROMPT = (
    "你是政府文件问答助手。只能根据用户给出的编号资料回答，用简洁的中文，不超过5句。"
    "每一句话末尾必须标注它所依据的资料编号，如[1]或[2]；不能标注的内容不要写。"
    "资料中没有答案时，只回答：现有资料中没有找到相关内容。"
)
_MARK = re.compile(r"\[(\d+)\]")
_LEAD_MARKS = re.compile(r"^(?:\s*\[\d+\])+")


def build_messages(question: str, hits: list[Hit]) -> list[dict[str, str]]:
    """The chat messages: instructions, then the numbered passages and the question."""
    blocks = [f"[{i}] 《{h.chunk.title}》 {h.chunk.heading}\n{h.chunk.text}"
              for i, h in enumerate(hits, 1)]
    user = (
        "资料：\n" + "\n\n".join(blocks)
        + f"\n\n问题：{question}\n请用中文回答，每句末尾标注[编号]。"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


@dataclass
class Checked:
    """One generated sentence after the support check."""

    text: str  # without markers
    cites: list[int]  # passage numbers (1-based, into the hits given to the LLM)
    quote: tuple[int, int] | None  # best supporting sentence in the first supporting passage
    passage: int  # the supporting passage number, 0 if none


def split_reply(reply: str) -> list[tuple[str, list[int]]]:
    """Generated sentences with the passage numbers they cite (markers may follow 。)."""
    out: list[tuple[str, list[int]]] = []
    for sp in split_sentences(reply):
        text = sp.text
        lead = _LEAD_MARKS.match(text)
        if lead and out:  # "。[1]下一句": the markers close the sentence before
            out[-1][1].extend(int(n) for n in _MARK.findall(lead.group(0)))
            text = text[lead.end() :]
        cites = [int(n) for n in _MARK.findall(text)]
        body = _MARK.sub("", text).strip()
        if out and not body.strip("。！？!?，,；; ") and cites:  # "。[1]" split off its sentence
            out[-1][1].extend(cites)
            continue
        if body.strip("。！？!?，,；; "):
            out.append((body, cites))
    return out


def _support(sentence: str, passage: str) -> float:
    # Share of the sentence's character bigrams found in the passage
    b = bigrams(sentence)
    return len(b & bigrams(passage)) / len(b) if b else 0.0


def check_sentence(body: str, cites: list[int], hits: list[Hit], min_support: float) -> Checked:
    """Keep the first cited passage that supports the sentence (bigram overlap), with the
    passage sentence that supports it best as the quote."""
    for n in cites:
        if not 1 <= n <= len(hits):
            continue
        text = hits[n - 1].chunk.text
        if _support(body, text) < min_support:
            continue
        best = max(split_sentences(text), key=lambda s: _support(body, s.text), default=None)
        quote = (best.start, best.end) if best else None
        return Checked(body, [n], quote, n)
    return Checked(body, cites, None, 0)


def finalize(reply: str, hits: list[Hit], min_support: float = 0.5) -> tuple[Answer, int]:
    """Turn an LLM reply into an Answer: unsupported or uncited sentences are dropped,
    passages renumbered in order of use. Returns the answer and how many were dropped."""
    numbers: dict[int, int] = {}
    parts: list[str] = []
    citations: list[Citation] = []
    dropped = 0
    for body, cites in split_reply(reply):
        ck = check_sentence(body, cites, hits, min_support)
        if not ck.passage or ck.quote is None:
            dropped += 1
            continue
        hit = hits[ck.passage - 1]
        c = hit.chunk
        if ck.passage not in numbers:
            numbers[ck.passage] = len(numbers) + 1
        n = numbers[ck.passage]
        parts.append(f"{body}[{n}]")
        qs, qe = ck.quote
        span = {"quote": c.text[qs:qe], "quote_start": c.start + qs, "quote_end": c.start + qe}
        if n <= len(citations):
            citations[n - 1].quotes.append(span)
            continue
        citations.append(Citation(
            n=n, chunk_id=c.id, source=c.source, title=c.title, county=c.county, year=c.year,
            heading_path=list(c.heading_path), text=c.text, quote=c.text[qs:qe],
            quote_start=c.start + qs, quote_end=c.start + qe, quotes=[span],
        ))
    return Answer("".join(parts), bool(parts), citations, list(hits)), dropped
