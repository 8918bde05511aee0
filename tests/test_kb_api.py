"""The knowledge base over HTTP (a real uvicorn on loopback): upload, ask, delete, edit, limits."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.api import create_app
from rag.index.manifest import manifest_stamp
from rag.service import RAGService
from rag.settings import Settings
from tests.kb_helpers import (
    BEE_QUESTION,
    TINY,
    docx_bytes,
    live_server,
    random_bytes,
    zip_bomb_docx,
)

KEY = "test-key-123"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, tiny_settings: Settings, tiny_index: Any,
       encoder: Any) -> Iterator[tuple[str, Settings]]:
    """A server over a private copy of the tiny corpus and its index, behind an API key."""
    work = tmp_path_factory.mktemp("kb")
    corpus, index_dir = work / "corpus", work / "index"
    shutil.copytree(TINY, corpus)
    shutil.copytree(tiny_settings.index_dir, index_dir)
    settings = tiny_settings.model_copy(update={
        "corpus_dir": corpus, "index_dir": index_dir, "api_key": KEY, "ui": False,
        "max_upload_mb": 1.0, "max_upload_files": 4,
    })
    app = create_app(settings, RAGService(settings, encoder=encoder), ui=False)
    with live_server(app) as url:
        yield url, settings


def wait_job(url: str, job: dict[str, Any], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = httpx.get(f"{url}/jobs/{job['id']}", timeout=10).json()
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"job did not finish: {body}"
        time.sleep(0.3)


def ask(url: str, question: str) -> dict[str, Any]:
    r = httpx.post(f"{url}/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def docs(url: str) -> dict[str, dict[str, Any]]:
    r = httpx.get(f"{url}/documents", timeout=10)
    assert r.status_code == 200, r.text
    return {d["source"]: d for d in r.json()["documents"]}


def snapshot(settings: Settings, url: str) -> tuple[Any, ...]:
    """What a refused upload must leave alone: the corpus files, the index, the list."""
    files = sorted(p.name for p in Path(settings.corpus_dir).iterdir())
    return files, manifest_stamp(settings.index_dir), sorted(docs(url))


# The whole path: upload a .docx, get cited, delete it, get a decline
def test_upload_docx_ask_delete(kb: tuple[str, Settings]) -> None:
    url, settings = kb
    assert ask(url, BEE_QUESTION)["answerable"] is False  # not in the tiny corpus yet
    r = httpx.post(f"{url}/documents", headers=AUTH, timeout=60,
                   files=[("files", ("翼城蜂业.docx", docx_bytes(), "application/octet-stream"))])
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["files"][0]["name"] == "翼城蜂业.docx" and body["files"][0]["chars"] > 50
    job = wait_job(url, body["job"])
    assert job["state"] == "done" and job["errors"] == [], job
    assert job["chunks_total"] >= 1 and job["chunks_done"] == job["chunks_total"]
    listed = docs(url)["翼城蜂业.docx"]
    assert listed["status"] == "indexed" and listed["chunks"] >= 1
    # The new document answers, with a citation into it
    ans = ask(url, BEE_QUESTION)
    assert ans["answerable"] is True, ans
    cited = [c for c in ans["citations"] if c["source"] == "翼城蜂业.docx"]
    assert cited and "3800" in cited[0]["text"]
    # Its chunks: heading paths and lengths
    chunks = httpx.get(f"{url}/documents/{listed['doc_id']}/chunks", timeout=10).json()
    assert chunks["count"] == listed["chunks"]
    assert all(c["chars"] == len(c["text"]) for c in chunks["chunks"])
    assert all(c["heading_path"][0] == "翼城县2026年特色农业工作要点" for c in chunks["chunks"])
    assert "一、蜂业发展" in "".join(c["text"] for c in chunks["chunks"])
    # Delete: the file goes, the job drops it, the question is declined again
    r = httpx.delete(f"{url}/documents/{listed['doc_id']}", headers=AUTH, timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["file_removed"] is True
    assert wait_job(url, r.json()["job"])["state"] == "done"
    assert not (Path(settings.corpus_dir) / "翼城蜂业.docx").exists()
    assert "翼城蜂业.docx" not in docs(url)
    assert ask(url, BEE_QUESTION)["answerable"] is False


# Write protection
@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/documents", {"files": [("files", ("a.txt", "正文。".encode()))]}),
        ("delete", "/documents/hongtong_2024_report", {}),
        ("patch", "/documents/hongtong_2024_report", {"json": {"year": 2030}}),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
def test_writes_need_the_key(kb: tuple[str, Settings], method: str, path: str,
                             kwargs: dict[str, Any], headers: dict[str, str]) -> None:
    url, settings = kb
    before = snapshot(settings, url)
    r = httpx.request(method.upper(), f"{url}{path}", headers=headers, timeout=30, **kwargs)
    assert r.status_code == 401, r.text
    assert "RAG_API_KEY" in r.json()["detail"]
    assert snapshot(settings, url) == before


def test_without_a_key_only_loopback_writes(tmp_path: Path, tiny_settings: Settings,
                                            tiny_index: Any) -> None:
    from fastapi.testclient import TestClient

    settings = tiny_settings.model_copy(update={
        "corpus_dir": tmp_path, "api_key": None, "host": "0.0.0.0", "ui": False})
    app = create_app(settings, RAGService(settings, index=tiny_index), ui=False)
    with TestClient(app) as client:
        r = client.post("/documents", files=[("files", ("a.txt", "正文。".encode()))])
    assert r.status_code == 403 and "RAG_API_KEY" in r.json()["detail"]
    assert list(tmp_path.iterdir()) == []


# Limits: each refusal is a 4xx naming the file and the limit; nothing changes
def _bomb(tmp: Path) -> bytes:
    return zip_bomb_docx(tmp / "bomb.docx").read_bytes()


@pytest.mark.parametrize(
    ("name", "make", "status", "words"),
    [
        ("big.txt", lambda tmp: ("长" * 400_000).encode(), 413, ["big.txt", "RAG_MAX_UPLOAD_MB"]),
        ("report.docx", lambda tmp: random_bytes(), 415, ["report.docx", "zip"]),
        ("notes.txt", lambda tmp: b"\x00\x01" * 5000, 415, ["notes.txt", "文本"]),
        ("scan.pdf", lambda tmp: random_bytes(), 415, ["scan.pdf", "%PDF-"]),
        ("bomb.docx", _bomb, 422, ["bomb.docx", "RAG_MAX_UNZIP_MB"]),
        ("../../evil.txt", lambda tmp: "正文。".encode(), 422, ["evil.txt", "路径"]),
        ("manifest.toml", lambda tmp: b"x = 1", 422, ["manifest.toml"]),
        ("tool.exe", lambda tmp: b"MZ" + random_bytes(100), 415, ["tool.exe", ".exe"]),
    ],
)
def test_refused_uploads(kb: tuple[str, Settings], tmp_path: Path, name: str, make: Any,
                         status: int, words: list[str]) -> None:
    url, settings = kb
    before = snapshot(settings, url)
    good = ("good.txt", "翼城县新建图书馆一座。".encode())  # refused along with the bad one
    r = httpx.post(f"{url}/documents", headers=AUTH, timeout=60,
                   files=[("files", good), ("files", (name, make(tmp_path)))])
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert all(w in detail for w in words), detail
    assert snapshot(settings, url) == before
    assert not [p for p in Path(settings.corpus_dir).iterdir() if p.name.startswith(".upload")]


def test_too_many_files_and_existing_names(kb: tuple[str, Settings]) -> None:
    url, settings = kb
    before = snapshot(settings, url)
    many = [("files", (f"n{i}.txt", "正文。".encode())) for i in range(5)]
    r = httpx.post(f"{url}/documents", headers=AUTH, files=many, timeout=30)
    assert r.status_code == 413 and "RAG_MAX_UPLOAD_FILES" in r.json()["detail"]
    same = [("files", ("hongtong_2024_report.txt", "覆盖。".encode()))]
    r = httpx.post(f"{url}/documents", headers=AUTH, files=same, timeout=30)
    assert r.status_code == 409 and "replace=true" in r.json()["detail"]
    assert snapshot(settings, url) == before
    original = (TINY / "hongtong_2024_report.txt").read_text(encoding="utf-8")
    assert (Path(settings.corpus_dir) / "hongtong_2024_report.txt").read_text(
        encoding="utf-8") == original
    twin = [("files", ("hongtong_2024_report.md", "# 另一份\n\n正文。".encode()))]
    r = httpx.post(f"{url}/documents?replace=true", headers=AUTH, files=twin, timeout=30)
    assert r.status_code == 409 and "hongtong_2024_report.txt" in r.json()["detail"]
    assert snapshot(settings, url) == before
    r = httpx.post(f"{url}/documents", headers=AUTH, files=[("files", ("x.txt", b""))],
                   timeout=30)
    assert r.status_code == 422 and "x.txt" in r.json()["detail"]  # empty: nothing to index


def test_patch_metadata_and_chunks(kb: tuple[str, Settings]) -> None:
    url, settings = kb
    r = httpx.patch(f"{url}/documents/hongtong_2025_feature", headers=AUTH, timeout=30,
                    json={"year": 2031, "kind": "news"})
    assert r.status_code == 202, r.text
    assert r.json()["entry"] == {"year": 2031, "kind": "news"}
    assert wait_job(url, r.json()["job"])["state"] == "done"
    doc = docs(url)["hongtong_2025_feature.txt"]
    assert doc["year"] == 2031 and doc["kind"] == "news"
    manifest = (Path(settings.corpus_dir) / "manifest.toml").read_text(encoding="utf-8")
    assert '[documents."hongtong_2025_feature.txt"]' in manifest and "2031" in manifest
    bad = httpx.patch(f"{url}/documents/hongtong_2025_feature", headers=AUTH, timeout=30,
                      json={"population": 5})
    assert bad.status_code == 422
    assert httpx.patch(f"{url}/documents/nope", headers=AUTH, json={"year": 2020},
                       timeout=30).status_code == 404
    assert httpx.get(f"{url}/documents/nope/chunks", timeout=10).status_code == 404
    assert httpx.get(f"{url}/jobs/nope", timeout=10).status_code == 404
    assert httpx.get(f"{url}/jobs", timeout=10).json()["jobs"]


def test_oversized_body_without_a_length_is_cut_off(kb: tuple[str, Settings]) -> None:
    url, settings = kb
    before = snapshot(settings, url)
    boundary = "kbtest"

    def body() -> Any:  # chunked: no Content-Length for the server to check first
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
               f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
        for _ in range(7):
            yield ("长" * 350_000).encode()
        yield f"\r\n--{boundary}--\r\n".encode()

    r = httpx.post(f"{url}/documents", content=body(), timeout=60,
                   headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413, r.text
    assert "RAG_MAX_UPLOAD_MB" in r.json()["detail"]
    assert snapshot(settings, url) == before
