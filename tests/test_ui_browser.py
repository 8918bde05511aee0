"""The chat page in headless Chromium: `rag serve` as a subprocess, a question, a cited answer.

Screenshots go to artifacts/ (gitignored). Needs Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

ROOT = Path(__file__).parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
QUESTION = "龙马物流园进展如何"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


# A real `rag serve` process on a free loopback port
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def rag_serve(index_dir: Path, corpus_dir: Path, workdir: Path) -> Iterator[str]:
    """Start `rag serve` over `index_dir`; yield its URL once /health answers."""
    port = _free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), "RAG_CORPUS_DIR": str(corpus_dir),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log_path = workdir / f"serve-{port}.log"
    cmd = [sys.executable, "-c", "from rag.cli import main; main()",
           "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "w") as log:  # cwd=workdir: no stray .env is read
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(f"rag serve exited:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"rag serve did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _build(corpus: Path, index_dir: Path) -> None:
    from rag.index.build import build_index
    from rag.settings import Settings

    build_index(Settings(corpus_dir=corpus, index_dir=index_dir), progress=False)


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("tiny", id="tiny"),
        pytest.param("corpus", id="corpus", marks=pytest.mark.slow),
    ],
)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
    tuple[str, str]
]:
    """(name, URL) of `rag serve` over the tiny test corpus or the bundled corpus."""
    name: str = request.param
    work = tmp_path_factory.mktemp(f"serve_{name}")
    if name == "tiny":
        corpus, index_dir = TINY, work / "index"
        _build(corpus, index_dir)
    else:  # the session's bundled-corpus index, built once for every slow test
        settings = request.getfixturevalue("corpus_settings")
        corpus, index_dir = settings.corpus_dir, settings.index_dir
    with rag_serve(index_dir, corpus, work) as url:
        yield name, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def open_page(browser: Any, url: str, width: int, height: int) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page at `url`; also yields the list of non-loopback URLs it requested."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    outside: list[str] = []

    def watch(req: Any) -> None:
        host = urlparse(req.url).hostname
        if req.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in (
            "127.0.0.1", "localhost"
        ):
            outside.append(req.url)

    page.on("request", watch)
    page.goto(url, wait_until="load")
    page.wait_for_selector("#rag-chat", timeout=30_000)
    try:
        yield page, outside
    finally:
        context.close()


def _ask(page: Any, question: str) -> Any:
    box = page.locator("#rag-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector("#rag-chat .rag-sources details.rag-src", timeout=90_000)
    return page.locator("#rag-chat .rag-answer").last


# The tests
def test_question_gets_a_cited_answer(browser: Any, server: tuple[str, str]) -> None:
    name, url = server
    with open_page(browser, url, 1280, 900) as (page, outside):
        assert "已收录" in page.locator(".rag-status").inner_text()
        answer = _ask(page, QUESTION)
        assert answer.locator(".rag-text").inner_text().strip()
        markers = answer.locator("a.rag-cite")
        assert markers.count() >= 1
        # Clicking [1] opens source 1: its passage mentions the park, the quote is marked
        markers.first.click()
        source = answer.locator("details.rag-src[open]").first
        source.wait_for(timeout=5_000)
        passage = source.locator("blockquote.rag-passage").inner_text()
        assert "龙马物流园" in passage
        quote = source.locator("mark").first.inner_text()
        assert quote and quote in passage
        assert source.locator(".rag-title").inner_text().strip()
        page.wait_for_timeout(400)  # let the highlight animation settle
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ui_desktop_{name}.png"), full_page=True)
        assert outside == [], f"the page reached outside the machine: {outside}"


def test_phone_layout_example_and_clear(browser: Any, server: tuple[str, str]) -> None:
    name, url = server
    with open_page(browser, url, 390, 844) as (page, outside):
        page.get_by_role("button", name="龙马物流园进展如何？").click()
        page.wait_for_selector("#rag-chat .rag-sources", timeout=90_000)
        assert "龙马物流园" in page.locator("#rag-chat").inner_text()
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= 392, f"page is wider than the phone: {overflow}px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ui_phone_{name}.png"), full_page=True)
        # The clear button empties the conversation
        page.locator("#rag-clear").click()
        page.wait_for_function(
            "() => document.querySelectorAll('#rag-chat .rag-answer').length === 0",
            timeout=10_000,
        )
        assert outside == []


def test_api_docs_render_offline(browser: Any, server: tuple[str, str]) -> None:
    _, url = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None) else None)
    try:
        page.goto(f"{url}/docs", wait_until="load")
        page.wait_for_selector(".opblock", timeout=30_000)
        assert "/ask/stream" in page.locator(".swagger-ui").inner_text()
        assert outside == [], f"/docs reached outside the machine: {outside}"
    finally:
        context.close()


def test_missing_index_is_explained(browser: Any, tmp_path: Path) -> None:
    with rag_serve(tmp_path / "no-index", TINY, tmp_path) as url, open_page(
        browser, url, 1280, 900
    ) as (page, _):
        banner = page.locator(".rag-status.warn").inner_text()
        assert "索引尚未建立" in banner and "rag index" in banner
        box = page.locator("#rag-input textarea")
        box.fill(QUESTION)
        box.press("Enter")
        error = page.locator("#rag-chat .rag-error")
        error.wait_for(timeout=30_000)
        assert "rag index" in error.inner_text()
