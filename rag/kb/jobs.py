"""Background indexing jobs, one at a time, with progress; later requests join the queued one."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.encoders.base import Encoder
    from rag.settings import Settings

__all__ = ["Job", "JobQueue", "split_error"]

log = logging.getLogger("rag.kb")

_ERROR = re.compile(r"^cannot read (.+?): (.*)$", re.S)
_KEEP = 50  # finished jobs remembered


def split_error(message: str) -> dict[str, str]:
    """{file, message} of a load error string (`cannot read PATH: REASON`).

    Example:
        >>> split_error("cannot read corpus/a.pdf: PDF has no text layer")
        {'file': 'a.pdf', 'message': 'PDF has no text layer'}
    """
    m = _ERROR.match(message)
    if not m:
        return {"file": "", "message": message}
    return {"file": Path(m.group(1)).name, "message": m.group(2)}


@dataclass
class Job:
    """One index update: what asked for it, where it is, what went wrong per file."""

    id: str
    kind: str  # add, remove, update, index
    files: list[str] = field(default_factory=list)
    state: str = "queued"  # queued, running, done, failed
    phase: str = ""  # loading, embedding, swapping
    chunks_done: int = 0
    chunks_total: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    summary: str = ""
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class JobQueue:
    """Runs `build_index` in one worker thread; the loaded index serves until the swap.

    `submit` while a job is queued (not yet started) adds to that job; while one runs, a
    new job waits behind it. After each build `on_built()` runs (the service swaps the new
    index in). Embedding goes in small steps so queries keep getting the encoder.

    Example:
        >>> q = JobQueue(get_settings())            # doctest: +SKIP
        >>> job = q.submit("add", ["a.docx"])       # doctest: +SKIP
        >>> q.wait(job.id, timeout=60).state        # doctest: +SKIP
        'done'
    """

    def __init__(
        self,
        settings: Settings,
        on_built: Callable[[], None] | None = None,
        encoder: Callable[[], Encoder | None] | None = None,
    ) -> None:
        self.settings = settings
        self._on_built = on_built
        self._encoder = encoder
        self._jobs: dict[str, Job] = {}
        self._pending: list[Job] = []
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None

    # Asking
    def submit(self, kind: str, files: list[str]) -> Job:
        """Queue an index update (or join the one already waiting); returns the job."""
        with self._cond:
            if self._pending:
                job = self._pending[-1]
                job.files = list(dict.fromkeys([*job.files, *files]))
                if job.kind != kind:
                    job.kind = "index"
                return job
            job = Job(id=uuid.uuid4().hex[:12], kind=kind, files=list(files))
            self._jobs[job.id] = job
            self._pending.append(job)
            self._forget_old()
            self._cond.notify_all()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="rag-index-jobs",
                                                daemon=True)
                self._worker.start()
            return job

    def get(self, job_id: str) -> Job | None:
        with self._cond:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        """Every remembered job, newest first."""
        with self._cond:
            return sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)

    def active(self) -> list[Job]:
        """Jobs queued or running."""
        return [j for j in self.jobs() if not j.finished]

    def wait(self, job_id: str, timeout: float = 600.0) -> Job:
        """Block until the job finishes (or `timeout` seconds pass); the job."""
        deadline = time.monotonic() + timeout
        with self._cond:
            job = self._jobs[job_id]
            while not job.finished and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.01, deadline - time.monotonic()))
            return job

    # Working
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    if not self._cond.wait(timeout=30):
                        if not self._pending:  # idle: the next submit starts a new worker
                            self._worker = None
                            return
                job = self._pending.pop(0)
                job.state, job.started_at, job.phase = "running", time.time(), "loading"
            self._build(job)
            with self._cond:
                job.finished_at = time.time()
                self._cond.notify_all()

    def _build(self, job: Job) -> None:
        from rag.index.build import build_index

        def progress(done: int, total: int) -> None:
            job.phase, job.chunks_done, job.chunks_total = "embedding", done, total

        # Small steps: the encoder's lock is shared with the queries being served
        settings = self.settings.model_copy(
            update={"embedding_batch_size": min(self.settings.embedding_batch_size, 2)})
        try:
            encoder = self._encoder() if self._encoder else None
            report = build_index(settings, encoder=encoder, progress=False, on_progress=progress)
            job.errors = [split_error(e) for e in report.errors]
            job.summary = report.summary()
            job.chunks_total = job.chunks_total or report.embedded
            job.chunks_done = job.chunks_total
            job.phase = "swapping"
            if self._on_built:
                self._on_built()
            job.state, job.phase = "done", ""
        except Exception as exc:  # the old index is untouched: say what failed
            log.exception("indexing job %s failed", job.id)
            job.errors.append({"file": "", "message": f"索引失败 (indexing failed): {exc}"})
            job.state, job.phase = "failed", ""

    def _forget_old(self) -> None:
        done = [j for j in sorted(self._jobs.values(), key=lambda j: j.created_at)
                if j.finished]
        for j in done[: max(0, len(done) - _KEEP)]:
            del self._jobs[j.id]
