"""The assembled system: one index, one encoder, one answerer, loaded once and shared.

The API, the CLI and the eval harness all go through `RAGService`, so they answer
the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rag.answer.models import Answer, Message
from rag.exceptions import IndexCorruptError, IndexMissingError, QueryError, RAGError
from rag.retrieval.models import Hit
from rag.settings import Settings, get_settings
from rag.text.hygiene import clean_input
from rag.text.question_form import normalize_question

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
        self._failed: tuple[tuple[int, int, int] | None, RAGError] | None = None

    # Lazy loading, once; then swapped for a newer build when one appears on disk
    @property
    def index(self) -> HybridIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._load_checked()
        elif self._watch and self.settings.index_reload_s > 0:
            self._maybe_reload()
        return self._index

    def _load_checked(self) -> HybridIndex:
        # A failed load is remembered until the manifest changes (a new `rag index`): every
        # request gets the same clear error without re-reading the files, logged once
        from rag.index.manifest import manifest_stamp

        stamp = manifest_stamp(self.settings.index_dir)
        if self._failed is not None and self._failed[0] == stamp:
            raise self._failed[1].with_traceback(None)
        try:
            index = self._load()
        except RAGError as exc:
            self._remember(stamp, exc)
            raise
        except Exception as exc:  # a file that passed its checksum but does not parse
            err = _unreadable(exc)
            self._remember(stamp, err)
            raise err from exc
        self._failed = None
        return index

    def _remember(self, stamp: tuple[int, int, int] | None, exc: RAGError) -> None:
        if self._failed is None or self._failed[0] != stamp:
            level = logging.INFO if isinstance(exc, IndexMissingError) else logging.WARNING
            logger.log(level, "index not available: %s", exc)
        self._failed = (stamp, exc)

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

    def refresh(self) -> None:
        """Load the index on disk now and swap it in (after a build); the loaded one keeps
        serving until the new one is ready. A passed-in index is never swapped."""
        if not self._watch:
            return
        with self._reloading:
            index = self._load()
            self._index = index
        logger.info("index refreshed: %d documents, %d chunks", len(index.documents), len(index))

    def loaded_encoder(self) -> Encoder | None:
        """The encoder already in memory (passed in or the loaded index's), if any."""
        if self._encoder is not None:
            return self._encoder
        return self._index.encoder if self._index is not None else None

    @property
    def llm(self) -> Any | None:
        """The LLM client passed in, if any (None: the one in settings, or extractive)."""
        return self._llm

    def reload(self) -> None:
        """Drop the loaded index so the next call reads it from disk again."""
        with self._lock:
            self._index = None
            self._failed = None

    # Validation shared by every interface
    def check_question(self, question: str) -> str:
        q = clean_input(question or "").strip()  # lone surrogates refused, controls -> spaces
        if not q:
            raise QueryError("问题不能为空 (the question is empty)")
        if len(q) > self.settings.max_question_chars:
            raise QueryError(
                f"问题过长：{len(q)} 字，上限 {self.settings.max_question_chars} 字 "
                f"(question longer than {self.settings.max_question_chars} characters)"
            )
        return normalize_question(q)  # 龍馬 → 龙马, ２０２４ → 2024: the documents' forms

    def check_history(
        self, history: list[Message] | None, names: Sequence[str] | None = None
    ) -> list[Message] | None:
        """The history a follow-up is read against, bounded: the last `max_history_messages`
        turns, each cleaned like a question; a user turn longer than `max_question_chars`, an
        assistant turn longer than `max_history_chars` or more than `max_history_total_chars`
        in all is a QueryError (so no request can carry unbounded work). `names[i]` is how
        the error calls turn i (default `history[i]`; /v1 says `messages[j]`).

        Example:
            >>> svc.check_history([Message("user", "洪洞\\x00呢")])[0].content  # doctest: +SKIP
            '洪洞 呢'
        """
        s = self.settings
        if not history:
            return None
        recent = history[-s.max_history_messages :] if s.max_history_messages > 0 else []
        first = len(history) - len(recent)
        out: list[Message] = []
        for i, msg in enumerate(recent, start=first):
            name = names[i] if names is not None and i < len(names) else f"history[{i}]"
            text = clean_input(msg.content or "", f"{name}.content")
            limit = s.max_question_chars if msg.role == "user" else s.max_history_chars
            if len(text) > limit:
                raise QueryError(
                    f"历史消息 {name} 过长：{len(text)} 字，上限 {limit} 字 "
                    f"({name} has {len(text)} characters, the limit is {limit})"
                )
            out.append(Message(msg.role, text))
        total = sum(len(m.content) for m in out)
        if total > s.max_history_total_chars:
            raise QueryError(
                f"对话历史过长：共 {total} 字，上限 {s.max_history_total_chars} 字 "
                f"(history holds {total} characters, the limit is {s.max_history_total_chars})"
            )
        return out or None

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
        history = self.check_history(history)
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


def _unreadable(exc: Exception) -> IndexCorruptError:
    # An index file a library could not read: name it when the error does
    from rag.index.integrity import corrupt_error

    name = getattr(exc, "filename", None)
    files = [str(name)] if name else []
    return corrupt_error(files, f"{type(exc).__name__}: {exc}")
