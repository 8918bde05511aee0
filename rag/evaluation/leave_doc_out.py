"""Leave-document-out: ask answerable questions again without their document; expect a decline.

For each answerable item that names its `doc`, the question is asked against
`without_documents(index, {doc})`. The copy's gold is "decline", unless one of its evidence
strings still appears in a remaining chunk (another document says it too): then the copy
stays answerable and is scored as such. For items with `match_doc` (SQuAD paragraphs) only
the item's own paragraph counts, so their copies are always unanswerable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rag.evaluation import metrics as m
from rag.evaluation.harness import EvidenceMatcher, QuestionResult

if TYPE_CHECKING:
    from rag.evaluation.dataset import EvalItem
    from rag.index.hybrid import HybridIndex
    from rag.service import RAGService

__all__ = ["COPY_TYPE", "ask_left_out", "lodo_metrics", "left_out_item"]

COPY_TYPE = "left-out"
AskOne = Callable[["RAGService", "EvalItem"], QuestionResult]


def left_out_item(item: EvalItem, subset: HybridIndex, matcher: EvidenceMatcher) -> EvalItem:
    """The copy of `item` asked against `subset`: unanswerable unless its evidence survives.

    Example:
        >>> copy = left_out_item(item, without_documents(index, {item.doc}), matcher)
        ... # doctest: +SKIP
        >>> copy.answerable, copy.id                              # doctest: +SKIP
        (False, 'q001')
    """
    survives = False
    if not item.match_doc:
        variants = matcher.variants(item.evidence)
        survives = any(any(matcher.found(c.index_text, variants)) for c in subset.chunks.values())
    return dataclasses.replace(
        item,
        evidence=item.evidence if survives else (),
        direct=item.direct if survives else (),
    )


def ask_left_out(
    service: RAGService,
    results: Sequence[QuestionResult],
    ask_one: AskOne,
    matcher: EvidenceMatcher,
    *,
    on_result: Callable[[QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """One left-out copy per answerable result whose `doc` is in the index, in results' order.

    Questions are visited document by document, so each subset index is built once.

    Example:
        >>> copies = ask_left_out(service, run.results, ask_one, matcher)  # doctest: +SKIP
    """
    from rag.index.subset import SubsetCache
    from rag.service import RAGService

    index = service.index
    known = {d.source for d in index.documents.values()} | set(index.documents)
    todo = [r.item for r in results
            if r.item.answerable and r.item.doc in known and not r.error]
    order = {it.id: n for n, it in enumerate(todo)}
    copies: list[QuestionResult] = []
    subsets = SubsetCache(index, maxsize=1)  # documents are visited in turn: one at a time
    current: tuple[str, RAGService] | None = None
    for item in sorted(todo, key=lambda it: (str(it.doc), order[it.id])):
        doc = str(item.doc)
        if current is None or current[0] != doc:
            current = (doc, RAGService(service.settings, index=subsets({doc}), llm=service.llm))
        sub = current[1]
        copy = left_out_item(item, sub.index, matcher)
        result = ask_one(sub, copy)
        result.copy_of = item.id
        copies.append(result)
        if on_result is not None:
            on_result(result)
    return sorted(copies, key=lambda r: order[str(r.copy_of)])


def lodo_metrics(
    results: Sequence[QuestionResult], copies: Sequence[QuestionResult]
) -> dict[str, float | int | None]:
    """Abstention over the originals plus their copies, and the copies' own decline rate.

    `lodo_false_abstention` is the share of answerable questions (originals and copies whose
    evidence survives) declined; `lodo_copy_decline_rate` the share of copies that should be
    declined that were.

    Example:
        >>> lodo_metrics([], [])["lodo_copies"]
        0
    """
    both = [*results, *copies]
    precision, recall = m.abstain_precision_recall(
        [r.abstained for r in both], [not r.item.answerable for r in both]
    )
    answerable = [r for r in both if r.item.answerable]
    unanswerable_copies = [r for r in copies if not r.item.answerable]

    def share(values: list[bool]) -> float | None:
        return None if not values else round(sum(values) / len(values), 4)

    return {
        "lodo_abstain_precision": None if precision is None else round(precision, 4),
        "lodo_abstain_recall": None if recall is None else round(recall, 4),
        "lodo_false_abstention": share([r.abstained for r in answerable]),
        "lodo_copy_decline_rate": share([r.abstained for r in unanswerable_copies]),
        "lodo_copies": len(copies),
        "lodo_copies_answerable": sum(r.item.answerable for r in copies),
        "lodo_copies_answered": sum(r.answerable for r in unanswerable_copies),
    }
