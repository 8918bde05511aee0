"""No anonymous writes through the mounted Gradio app; the 「文档管理」 tab says who may write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.api import create_app
from rag.service import RAGService
from rag.settings import Settings
from tests.kb_helpers import live_server
from ui.kb_panel import access_note, render_kb_panel


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, tiny_settings: Settings,
         tiny_index: Any) -> Iterator[tuple[str, Path]]:
    gradio_tmp = tmp_path_factory.mktemp("gradio")
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADIO_TEMP_DIR", str(gradio_tmp))
    settings = tiny_settings.model_copy(update={"ui": True, "api_key": "k"})
    app = create_app(settings, RAGService(settings, index=tiny_index), ui=True)
    try:
        with live_server(app) as url:
            yield url, gradio_tmp
    finally:
        mp.undo()


def _stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_gradio_upload_stores_nothing(page: tuple[str, Path]) -> None:
    url, gradio_tmp = page
    payload = b"x" * 2_000_000
    for path in ("/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/process_recording"):
        r = httpx.post(f"{url}{path}", files=[("files", ("big.bin", payload))], timeout=30)
        assert r.status_code == 403, (path, r.status_code, r.text[:200])
        assert "POST /documents" in r.json()["detail"]
    assert _stored(gradio_tmp) == []
    # Other state-changing Gradio endpoints are closed too; the page's own ones stay open
    for path in ("/gradio_api/run-history/connect", "/gradio_api/vibe-edit",
                 "/gradio_api/component_server", "/gradio_api/stream/abc"):
        assert httpx.post(f"{url}{path}", json={}, timeout=10).status_code == 403, path
    assert httpx.get(f"{url}/gradio_api/proxy=http://example.com/x", timeout=10).status_code == 403
    assert httpx.post(f"{url}/gradio_api/queue/join", json={}, timeout=10).status_code != 403
    assert httpx.get(f"{url}/config", timeout=10).status_code == 200


def test_the_tab_is_on_the_page(page: tuple[str, Path]) -> None:
    url, _ = page
    config = httpx.get(f"{url}/config", timeout=10).text
    assert "文档管理" in config and "kb-root" in config and "kb-key" in config
    assert "/jobs/" in config and "xhr.upload.onprogress" in config  # ui/kb.js, in the head


def test_access_notes_say_why() -> None:
    kind, note, ok = access_note(Settings(api_key="k"))
    assert ok and "API 密钥" in note
    kind, note, ok = access_note(Settings(api_key=None, host="127.0.0.1"))
    assert ok and "本机" in note
    kind, note, ok = access_note(Settings(api_key=None, host="0.0.0.0"))
    assert not ok and kind == "warn" and "RAG_API_KEY" in note and "0.0.0.0" in note
    html = render_kb_panel(Settings(api_key=None, host="0.0.0.0"))
    assert 'id="kb-upload-btn" class="kb-btn primary" disabled' in html
    assert 'id="kb-key"' not in html
