"""Indexing jobs: one at a time, later requests join the waiting job, the old index serves."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from rag.index.build import build_index
from rag.kb.jobs import JobQueue
from rag.service import RAGService
from rag.settings import Settings
from tests.kb_helpers import TINY


def _until(cond: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_one_job_at_a_time_and_the_old_index_serves(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(TINY, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedding_model="none",
                        index_reload_s=0)
    build_index(settings, progress=False)
    service = RAGService(settings)
    assert len(service.index.documents) == 3
    release = threading.Event()
    swapped: list[int] = []

    def on_built() -> None:  # hold the first job between its build and its swap
        release.wait(timeout=60)
        service.refresh()
        swapped.append(len(service.index.documents))

    jobs = JobQueue(settings, on_built=on_built)
    (corpus / "a.txt").write_text("翼城县新建图书馆一座。", encoding="utf-8")
    first = jobs.submit("add", ["a.txt"])
    _until(lambda: first.phase == "swapping")
    # While it runs: the loaded index still answers, with the old documents
    assert {h.source for h in service.search("图书馆", top_k=5)} <= {p.name for p in TINY.iterdir()}
    (corpus / "b.txt").write_text("翼城县新建体育馆一座。", encoding="utf-8")
    second = jobs.submit("add", ["b.txt"])
    # the file goes before its remove job is asked for (the first job has already built)
    (corpus / "hongtong_2025_feature.txt").unlink()
    third = jobs.submit("remove", ["hongtong_2025_feature.txt"])
    assert second is third and second.id != first.id  # joined the waiting job
    assert second.state == "queued" and second.files == ["b.txt", "hongtong_2025_feature.txt"]
    assert [j.id for j in jobs.active()] == [second.id, first.id]
    release.set()
    assert jobs.wait(first.id, 60).state == "done"
    assert jobs.wait(second.id, 60).state == "done", second.errors
    assert swapped == [4, 4]  # +a.txt; then +b.txt and -feature
    assert "b.txt" in {d.source for d in service.index.documents.values()}
    assert second.kind == "index" and second.summary


def test_a_failed_build_keeps_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(TINY, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index",
                        embedding_model="no-such-encoder")
    jobs = JobQueue(settings)
    job = jobs.wait(jobs.submit("index", []).id, 60)
    assert job.state == "failed" and "no-such-encoder" in job.errors[0]["message"]
    assert not (tmp_path / "index").exists()
