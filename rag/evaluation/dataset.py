"""Load and validate an evaluation set: one JSON question per line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer.models import Message
from rag.exceptions import RAGError

__all__ = ["DatasetError", "EvalItem", "load_dataset", "parse_item"]

UNTYPED = "other"
UNANSWERABLE = "unanswerable"


class DatasetError(RAGError):
    """The evaluation file is missing or a line of it is malformed (names the line)."""


@dataclass(frozen=True)
class EvalItem:
    """One question with the evidence that supports its reference answer.

    An item without evidence is unanswerable: the system should abstain. `direct` holds
    optional gold short answers (scored with CMRC's F1/EM against `Answer.direct_answer`);
    `group` is the key the fit/test split uses (default: the id; a SQuAD paragraph id);
    `match_doc` makes a passage count as relevant only when it is from `doc` too.

    Example:
        >>> item = parse_item({"id": "q1", "question": "GDP增长多少？", "doc": "a.txt",
        ...                    "evidence": ["增长6.5%"], "answer": "6.5%"})
        >>> item.answerable, item.type
        (True, 'other')
    """

    id: str
    question: str
    doc: str | None
    evidence: tuple[str, ...]
    answer: str
    type: str
    history: tuple[Message, ...] = field(default=())
    direct: tuple[str, ...] = field(default=())
    group: str = ""
    match_doc: bool = False

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)

    @property
    def split_key(self) -> str:
        """What `rag.evaluation.splits.split_of` splits this item by."""
        return self.group or self.id


def load_dataset(path: str | Path) -> list[EvalItem]:
    """Read a JSONL evaluation set; blank lines are skipped.

    Raises:
        DatasetError: the file is missing, a line is not JSON or lacks a field, or ids repeat.

    Example:
        >>> load_dataset("eval/qa.jsonl")[0].question  # doctest: +SKIP
        '龙马物流园进展如何？'
    """
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"评测集不存在 (dataset not found): {p}")
    try:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read dataset {p}: {exc}") from exc

    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{p}:{lineno}: not valid JSON ({exc.msg})") from exc
        try:
            item = parse_item(data)
        except ValueError as exc:
            raise DatasetError(f"{p}:{lineno}: {exc}") from exc
        if item.id in seen:
            raise DatasetError(f"{p}:{lineno}: id {item.id!r} already used on line {seen[item.id]}")
        seen[item.id] = lineno
        items.append(item)
    if not items:
        raise DatasetError(f"评测集为空 (dataset has no questions): {p}")
    return items


def parse_item(data: Any) -> EvalItem:
    """Validate one decoded line; `type`, `history`, `doc` and `direct` are optional.

    Raises:
        ValueError: a required field is missing or has the wrong type.
    """
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    # Required fields
    qid = _required_str(data, "id")
    question = _required_str(data, "question").strip()
    if not question:
        raise ValueError("'question' is empty")
    answer = _required_str(data, "answer")
    evidence = data.get("evidence")
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise ValueError("'evidence' must be a list of strings")
    evidence = [e for e in evidence if e.strip()]

    # Optional fields
    doc = data.get("doc")
    if doc is not None and not isinstance(doc, str):
        raise ValueError("'doc' must be a string or null")
    qtype = data.get("type")
    if qtype is not None and not isinstance(qtype, str):
        raise ValueError("'type' must be a string")
    direct = data.get("direct", [])
    if not isinstance(direct, list) or not all(isinstance(d, str) for d in direct):
        raise ValueError("'direct' must be a list of strings (gold short answers)")
    default_type = UNTYPED if evidence else UNANSWERABLE
    return EvalItem(
        id=qid,
        question=question,
        doc=doc,
        evidence=tuple(evidence),
        answer=answer,
        type=(qtype or "").strip() or default_type,
        history=_history(data.get("history")),
        direct=tuple(d for d in direct if d.strip()),
    )


def _required_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"missing or non-string field {key!r}")
    return value


def _history(raw: Any) -> tuple[Message, ...]:
    """Accept a string, a list of strings (user turns) or a list of {role, content}."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        return (Message("user", raw),)
    if not isinstance(raw, list):
        raise ValueError("'history' must be a string or a list")
    turns: list[Message] = []
    for turn in raw:
        if isinstance(turn, str):
            turns.append(Message("user", turn))
        elif isinstance(turn, dict) and isinstance(turn.get("content"), str):
            role = turn.get("role", "user")
            if role not in ("user", "assistant"):
                raise ValueError(f"history role must be 'user' or 'assistant', got {role!r}")
            turns.append(Message(role, turn["content"]))
        else:
            raise ValueError("each history turn must be a string or {'role', 'content'}")
    return tuple(turns)
