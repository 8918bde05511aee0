"""The chat web page, served by the API process at "/" (`rag serve`).

Example:
    >>> from fastapi import FastAPI
    >>> from ui import mount_ui
    >>> mount_ui(FastAPI(), RAGService())   # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rag.api.runtime import ComputeGate
    from rag.service import RAGService

__all__ = ["mount_ui", "STYLE_PATH"]

STYLE_PATH = Path(__file__).with_name("style.css")

# Clicking a [n] marker opens and scrolls to source n (plain JS, no network)
_HEAD = """
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("a.rag-cite");
  if (!a) return;
  e.preventDefault();
  var id = a.getAttribute("data-target") || (a.getAttribute("href") || "").slice(1);
  var el = document.getElementById(id);
  if (!el) return;
  el.open = true;
  el.scrollIntoView({behavior: "smooth", block: "nearest"});
  el.classList.remove("rag-flash"); void el.offsetWidth; el.classList.add("rag-flash");
}, true);
</script>
"""


def mount_ui(
    app: FastAPI, service: RAGService, path: str = "/", gate: ComputeGate | None = None
) -> FastAPI:
    """Mount the Gradio chat page on `app` at `path`; API routes added earlier keep priority.

    Gradio is configured not to reach the internet: analytics off, system fonts only,
    no server-side rendering (no Node process).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from ui.chat import build_chat
    from ui.kb_panel import KB_SCRIPT_PATH

    theme = gr.themes.Soft(
        primary_hue="blue",
        neutral_hue="slate",
        radius_size="md",
        font=["-apple-system", "BlinkMacSystemFont", "PingFang SC", "Hiragino Sans GB",
              "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui",
              "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    ).set(
        block_label_background_fill="transparent",
        block_title_background_fill="transparent",
        block_label_text_color="*neutral_600",
        block_title_text_color="*neutral_600",
        body_background_fill="#f6f8fb",
    )
    from ui.guard import GradioWriteGuard

    demo = build_chat(service, gate=gate)
    # No anonymous writes through Gradio: its upload and other state-changing endpoints
    app.add_middleware(GradioWriteGuard, prefix=path.rstrip("/") + "/gradio_api/")
    return gr.mount_gradio_app(
        app,
        demo,
        path=path,
        theme=theme,
        css=STYLE_PATH.read_text(encoding="utf-8"),
        head=_HEAD + "<script>\n" + KB_SCRIPT_PATH.read_text(encoding="utf-8") + "</script>\n",
        ssr_mode=False,
        run_history=False,
        footer_links=[],
        show_error=False,
        max_file_size=f"{service.settings.max_upload_mb:g}mb",
    )
