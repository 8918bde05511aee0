"""The 「文档管理」 tab in headless Chromium: upload a .docx, see it listed, ask about it, open
the citation, preview its chunks, delete it. `rag serve` runs as a subprocess behind a key."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.settings import Settings
from tests.kb_helpers import BEE_QUESTION, TINY, docx_bytes
from tests.test_ui_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, open_page, rag_serve

KEY = "browser-key-42"
NAME = "翼城蜂业.docx"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian Chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_settings: Settings,
           tiny_index: Any) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("kb_browser")
    corpus, index_dir = work / "corpus", work / "index"
    shutil.copytree(TINY, corpus)
    shutil.copytree(tiny_settings.index_dir, index_dir)
    mp = pytest.MonkeyPatch()
    mp.setenv("RAG_API_KEY", KEY)
    try:
        with rag_serve(index_dir, corpus, work) as url:
            yield url, corpus
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _kb_tab(page: Any) -> None:
    page.get_by_role("tab", name="文档管理").click()
    page.wait_for_selector("#kb-table tr.kb-doc", timeout=30_000)
    page.wait_for_timeout(500)  # the list reloads once when the tab opens


def _row(page: Any, source: str) -> Any:
    return page.locator(f'#kb-table tr.kb-doc[data-source="{source}"]')


def test_upload_list_ask_cite_preview_delete(browser: Any, server: tuple[str, Path],
                                             tmp_path: Path) -> None:
    url, corpus = server
    upload = tmp_path / NAME
    upload.write_bytes(docx_bytes())
    with open_page(browser, url, 1280, 900) as (page, outside):
        _kb_tab(page)
        assert "API 密钥" in page.locator("#kb-access").inner_text()
        assert _row(page, "hongtong_2024_report.txt").count() == 1
        # Without the key the upload is refused, in plain words, and nothing is stored
        page.locator("#kb-files").set_input_files(str(upload))
        page.locator("#kb-upload-btn").click()
        page.wait_for_function(
            "() => document.querySelector('#kb-msg').textContent.includes('上传被拒绝')",
            timeout=30_000)
        assert "RAG_API_KEY" in page.locator("#kb-msg").inner_text()
        assert not (corpus / NAME).exists()
        # With the key: uploaded, indexed, listed with its chunk count
        page.locator("#kb-key").fill(KEY)
        page.locator("#kb-upload-btn").click()
        page.wait_for_function(
            "() => document.querySelector('#kb-msg').textContent.includes('完成')",
            timeout=180_000)
        row = _row(page, NAME)
        row.wait_for(timeout=10_000)  # the list is redrawn before the message says 完成
        assert "已索引" in row.locator(".kb-status").inner_text()
        assert int(row.locator(".kb-chunks").inner_text()) >= 1
        # Chunk preview: heading path and length of each chunk
        row.locator(".kb-prev").click()
        page.wait_for_selector("#kb-preview .kb-chunk", timeout=10_000)
        head = page.locator("#kb-preview .kb-chunk summary").first.inner_text()
        assert "翼城县2026年特色农业工作要点" in head and "字" in head
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui_kb_tab.png"), full_page=True)
        # Ask about it in the chat and open the citation
        page.get_by_role("tab", name="问答").click()
        box = page.locator("#rag-input textarea")
        box.fill(BEE_QUESTION)
        box.press("Enter")
        page.wait_for_selector("#rag-chat .rag-sources details.rag-src", timeout=90_000)
        answer = page.locator("#rag-chat .rag-answer").last
        answer.locator("a.rag-cite").first.click()
        source = answer.locator("details.rag-src[open]").first
        source.wait_for(timeout=5_000)
        assert "3800" in source.locator("blockquote.rag-passage").inner_text()
        assert "翼城县2026年特色农业工作要点" in source.locator(".rag-title").inner_text()
        page.screenshot(path=str(ARTIFACTS / "ui_kb_cited.png"), full_page=True)
        # Delete, confirming the dialog: the row goes, the file goes
        _kb_tab(page)
        page.once("dialog", lambda d: d.accept())
        _row(page, NAME).locator(".kb-del").click()
        page.wait_for_function(
            "() => document.querySelector('#kb-msg').textContent.includes('删除完成')",
            timeout=180_000)
        page.wait_for_function(
            f"() => !document.querySelector('#kb-table tr.kb-doc[data-source=\"{NAME}\"]')",
            timeout=10_000)
        assert not (corpus / NAME).exists()
        assert outside == [], f"the page reached outside the machine: {outside}"
