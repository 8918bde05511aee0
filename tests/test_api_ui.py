"""The chat page mounted on the API app, and the HTML it renders for answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.api import create_app
from rag.settings import Settings
from ui.render import highlight, render_answer, render_pending, render_status

ANSWER = {
    "answer": "山东港口内陆港在龙马物流园正式揭牌。[1]园区包装了9个配套项目。[1][2]",
    "answerable": True,
    "citations": [
        {
            "n": 1, "title": "洪洞县2024年政府工作报告解读", "county": "洪洞县", "year": 2024,
            "source": "a.txt", "heading_path": ["洪洞县2024年政府工作报告解读", "一、回顾"],
            "text": "物流园提速，山东港口内陆港在龙马物流园正式揭牌。园区包装了9个配套项目。",
            "quote": "山东港口内陆港在龙马物流园正式揭牌。",
            "quotes": [{"quote": "山东港口内陆港在龙马物流园正式揭牌。"},
                       {"quote": "园区包装了9个配套项目。"}],
        },
        {
            "n": 2, "title": "<b>T2</b>", "county": "", "year": None, "source": "b.txt",
            "heading_path": [], "text": "园区 $x$ *项目*", "quote": "园区 $x$ *项目*",
        },
    ],
    "passages": [],
}


# Rendering
def test_markers_become_links_to_their_sources() -> None:
    html = render_answer(ANSWER, "u1")
    assert html.count('class="rag-cite"') == 3
    assert 'data-target="u1-1"' in html and 'id="u1-1"' in html and 'id="u1-2"' in html
    assert "\n\n" not in html  # stays one HTML block for the Markdown renderer


def test_quotes_are_highlighted_and_text_escaped() -> None:
    html = render_answer(ANSWER, "u1")
    assert "<mark>山东港口内陆港在龙马物流园正式揭牌。园区包装了9个配套项目。</mark>" in html
    assert "<b>T2</b>" not in html and "&lt;b&gt;T2&lt;/b&gt;" in html
    assert "$x$" not in html  # no LaTeX/Markdown surprises
    assert "一、回顾" in html  # the section path


def test_highlight_merges_overlaps_and_ignores_missing() -> None:
    assert highlight("甲乙丙丁", ["乙丙", "丙丁", "戊"]) == "甲<mark>乙丙丁</mark>"
    assert highlight("a<b", []) == "a&lt;b"


def test_abstention_shows_closest_passages() -> None:
    ans = {"answer": "现有资料中没有找到相关内容。", "answerable": False, "citations": [],
           "passages": [{"title": "T", "text": "近似段落", "heading_path": []}],
           "notes": ["abstained: weak", "LLM 不可用，已改用摘录式回答"]}
    html = render_answer(ans, "u2")
    assert "rag-abstain" in html and "最接近的段落" in html and "近似段落" in html
    assert "abstained" not in html and "LLM 不可用" in html  # only notes meant for people


def test_status_banner() -> None:
    assert "已收录 5 份文件" in render_status({"status": "ok", "documents": 5, "chunks": 9})
    warn = render_status({"status": "no_index", "message": "run `rag index`"})
    assert "索引尚未建立" in warn and "rag index" in warn
    assert "索引已过期" in render_status({"status": "stale_index", "message": "stale"})
    assert "rag-caret" in render_pending("甲")


# The page and the API share one app
@pytest.fixture(scope="module")
def ui_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("ui") / "index", ui=True,
                        llm_base_url=None, llm_model=None)
    with TestClient(create_app(settings)) as c:
        yield c


def test_page_at_root_and_api_alongside(ui_client: TestClient) -> None:
    page = ui_client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "gradio" in page.text.lower()
    assert "swagger-ui" in ui_client.get("/docs").text
    assert "/ask" in ui_client.get("/openapi.json").json()["paths"]
    assert ui_client.get("/health").json()["status"] == "no_index"
    r = ui_client.post("/ask", json={"question": "龙马物流园进展如何？"})
    assert r.status_code == 503 and "rag index" in r.json()["detail"]
    assert ui_client.get("/search", params={"q": "x", "top_k": 0}).status_code == 422
    assert ui_client.get("/documents").status_code == 503


def test_page_config_says_the_index_is_missing(ui_client: TestClient) -> None:
    config = ui_client.get("/config").text
    assert "索引尚未建立" in config and "rag index" in config
    assert "龙马物流园进展如何" in config  # an example question


def test_style_sheet_is_served_inline(ui_client: TestClient) -> None:
    css = (Path(__file__).parents[1] / "ui" / "style.css").read_text(encoding="utf-8")
    assert "@media (max-width: 760px)" in css
    assert "rag-cite" in ui_client.get("/config").text


# The chat handler itself, over the shared tiny index (no browser)
def test_chat_streams_then_renders_and_keeps_history(
    tiny_settings: Settings, tiny_index: Any
) -> None:
    from rag.api.runtime import ComputeGate
    from rag.service import RAGService
    from ui.chat import ALL_COUNTIES, ALL_DOCS, ALL_YEARS, _respond

    service = RAGService(tiny_settings, index=tiny_index)
    gate = ComputeGate(1)
    steps = list(_respond(service, gate, "洪洞县地区生产总值增长多少？", [], [],
                          ALL_COUNTIES, ALL_YEARS, ALL_DOCS))
    assert "rag-caret" in steps[0][0][-1]["content"]  # a placeholder while it works
    chat, _, history, box = steps[-1]
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    assert "rag-cite" in chat[-1]["content"] and "<mark>" in chat[-1]["content"]
    # A follow-up is rewritten with the history and says how it was understood
    chat2, _, history2, _ = list(_respond(service, gate, "那绛县呢？", chat, history,
                                          ALL_COUNTIES, ALL_YEARS, ALL_DOCS))[-1]
    assert len(history2) == 4 and len(chat2) == 4
    assert "理解为" in chat2[-1]["content"] and "绛县" in chat2[-1]["content"]


def test_chat_filters_and_errors(tiny_settings: Settings, tiny_index: Any) -> None:
    from rag.api.runtime import ComputeGate
    from rag.service import RAGService
    from ui.chat import ALL_DOCS, ALL_YEARS, _filters, _respond

    assert _filters("绛县", "2025", "a.txt") == {"county": "绛县", "year": 2025, "source": "a.txt"}
    assert _filters("全部县区", ALL_YEARS, ALL_DOCS) is None
    service = RAGService(tiny_settings, index=tiny_index)
    last = list(_respond(service, ComputeGate(0), "问" * 600, [], [], None, None, None))[-1]
    assert "问题过长" in last[0][-1]["content"] and "rag-error" in last[0][-1]["content"]
