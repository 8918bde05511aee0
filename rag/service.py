"""The assembled system: one index, one encoder, one answerer, loaded once and shared.

The API, the CLI and the eval harness all go through `RAGService`, so they answer
the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from rag.answer.models import Answer, Message
from rag.exceptions import QueryError
from rag.retrieval.models import Hit
from rag.settings import Settings, get_settings

if TYPE_CHECKING:
    from rag.corpus.models import Document
    from rag.encoders.base import Encoder
    from rag.index.hybrid import HybridIndex

__all__ = ["RAGService"]

logger = logging.getLogger(__name__)


class RAGService:
    """Search and ask over a built index.

    Pass `index` (and optionally `encoder`, `llm`) to use your own objects; otherwise
    they are loaded from `settings` the first time they are needed.

    Example:
        >>> svc = RAGService(get_settings())          # doctest: +SKIP
        >>> svc.ask("龙马物流园进展如何？").answer     # doctest: +SKIP
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        index: HybridIndex | None = None,
        encoder: Encoder | None = None,
        llm: Any | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._index = index
        self._encoder = encoder
        self._llm = llm
        self._lock = threading.Lock()
        self._watch = index is None  # an index passed in is the caller's: never swapped
        self._stamp: Any = None  # manifest stat, or the Milvus state row's version
        self._next_check = 0.0
        self._reloading = threading.Lock()

    # Lazy loading, once; then swapped for a newer build when one appears on disk
    @property
    def index(self) -> HybridIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._load()
        elif self._watch and self.settings.index_reload_s > 0:
            self._maybe_reload()
        return self._index

    def _load(self) -> HybridIndex:
        from rag.index.hybrid import HybridIndex
        from rag.index.state import index_stamp

        self._stamp = index_stamp(self.settings)  # before reading: never misses one
        self._next_check = time.monotonic() + self.settings.index_reload_s
        encoder = self._encoder or (self._index.encoder if self._index is not None else None)
        return HybridIndex.load(self.settings, encoder=encoder)

    def _maybe_reload(self) -> None:
        # Cheap: one stat() every index_reload_s; one caller loads, the others keep serving
        from rag.index.state import index_stamp

        if time.monotonic() < self._next_check or not self._reloading.acquire(blocking=False):
            return
        try:
            self._next_check = time.monotonic() + self.settings.index_reload_s
            stamp = index_stamp(self.settings)
            if stamp is None or stamp == self._stamp:
                return
            try:
                index = self._load()
            except Exception as exc:  # a broken or foreign build must not take the service down
                logger.warning("a new index appeared but did not load; serving the loaded "
                               "one (%s)", exc)
                return
            self._index = index
            logger.info("index reloaded: %d documents, %d chunks", len(index.documents),
                        len(index))
        finally:
            self._reloading.release()

    @property
    def llm(self) -> Any | None:
        """The LLM client passed in, if any (None: the one in settings, or extractive)."""
        return self._llm

    def reload(self) -> None:
        """Drop the loaded index so the next call reads it from disk again."""
        with self._lock:
            self._index = None

    # Validation shared by every interface
    def check_question(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise QueryError("问题不能为空 (the question is empty)")
        if len(q) > self.settings.max_question_chars:
            raise QueryError(
                f"问题过长：{len(q)} 字，上限 {self.settings.max_question_chars} 字 "
                f"(question longer than {self.settings.max_question_chars} characters)"
            )
        return q

    def check_top_k(self, top_k: int | None) -> int:
        k = self.settings.top_k if top_k is None else top_k
        if not 1 <= k <= self.settings.max_top_k:
            raise QueryError(f"top_k 必须在 1 到 {self.settings.max_top_k} 之间 (got {k})")
        return k

    # Search
    def search(
        self, query: str, top_k: int | None = None, filters: dict[str, Any] | None = None
    ) -> list[Hit]:
        q = self.check_question(query)
        return self.index.search(q, top_k=self.check_top_k(top_k), filters=filters)

    def expansions(self, query: str) -> dict[str, list[str]]:
        """Synonyms the keyword channels add for `query`'s words the corpus never uses."""
        return self.index.expansions(self.check_question(query))

    # Ask
    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: dict[str, Any] | None = None,
        history: list[Message] | None = None,
    ) -> Answer:
        from rag.answer.pipeline import answer_question

        t0 = time.perf_counter()
        q = self.check_question(question)
        k = self.check_top_k(top_k)
        ans = answer_question(
            q, self.index, self.settings, top_k=k, filters=filters, history=history, llm=self._llm
        )
        ans.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 2)
        return ans

    def warm_up(self) -> None:
        """Pay every first-call cost now (index, encoder, jieba dictionaries, follow-up rules)
        instead of in the first request: one follow-up question, answered and discarded."""
        history = [Message("user", "洪洞2024年空气优良天数多少？")]
        self.ask("在全省排第几？", top_k=1, history=history)  # goes through the topic rules

    # Catalogue
    def documents(self) -> list[Document]:
        return list(self.index.documents.values())
