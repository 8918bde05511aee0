"""The chat page (Gradio Blocks): streamed answers, clickable citations, filters, examples,
and the 「文档管理」 tab."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.answer.models import Message
from rag.api.errors import user_message
from rag.api.routers.health import health_info
from rag.api.runtime import ComputeGate
from rag.api.streaming import answer_events
from rag.exceptions import RAGError
from rag.service import RAGService
from ui.kb_panel import render_kb_panel
from ui.render import render_answer, render_error, render_pending, render_status

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["build_chat", "EXAMPLES"]

log = logging.getLogger("rag.ui")

EXAMPLES = [
    "龙马物流园进展如何？",
    "洪洞县2024年地区生产总值增长目标是多少？",
    "绛县2025年有哪些重点工作？",
    "洪洞县“十四五”时期交通建设有哪些规划？",
]

ALL_COUNTIES, ALL_YEARS, ALL_DOCS = "全部县区", "全部年份", "全部文件"

_HEADER = (
    '<header class="rag-header"><div class="rag-logo">问</div><div><h1>政务文档问答</h1>'
    "<p>基于县域政府工作报告、五年规划与政务新闻作答；<wbr>每句话都标注来源，"
    "点击上标数字即可查看原文。</p></div></header>"
)

_PLACEHOLDER = (
    "<div class='rag-empty'><strong>您好！</strong>请在下方输入问题，"
    "或点击一个示例问题。<br>回答只引用已收录的文件；资料中没有的内容会如实说明。</div>"
)

_TEXT_EVENTS = ("sentence", "token", "delta", "text")
ChatList = list[dict[str, Any]]


def _choices(service: RAGService) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    # Filter choices from the index's documents (empty when there is no index)
    try:
        docs = service.documents()
    except Exception:  # no index (or a broken one): the banner explains, filters stay empty
        return [ALL_COUNTIES], [ALL_YEARS], [(ALL_DOCS, ALL_DOCS)]
    counties = sorted({d.county for d in docs if d.county})
    years = sorted({str(d.year) for d in docs if d.year}, reverse=True)
    files = [(f"{d.title[:24]}（{d.county} {d.year or ''}）", d.source)
             for d in sorted(docs, key=lambda d: d.source)]
    return [ALL_COUNTIES, *counties], [ALL_YEARS, *years], [(ALL_DOCS, ALL_DOCS), *files]


def _filters(county: str | None, year: str | None, doc: str | None) -> dict[str, Any] | None:
    f: dict[str, Any] = {}
    if county and county != ALL_COUNTIES:
        f["county"] = county
    if year and year != ALL_YEARS:
        f["year"] = int(year)
    if doc and doc != ALL_DOCS:
        f["source"] = doc
    return f or None


def _set_last(chat: ChatList, content: str) -> ChatList:
    # A new list each time: every yielded state stays as it was sent
    return [*chat[:-1], {"role": "assistant", "content": content}]


def _respond(
    service: RAGService,
    gate: ComputeGate,
    question: str,
    chat: ChatList,
    history: ChatList,
    county: str | None,
    year: str | None,
    doc: str | None,
) -> Iterator[tuple[ChatList, ChatList, ChatList, str]]:
    # Stream one answer into the chat; `history` keeps plain text for follow-up rewriting
    q = (question or "").strip()
    if not q:
        yield chat, chat, history, ""
        return
    chat = [*chat, {"role": "user", "content": q},
            {"role": "assistant", "content": render_pending("")}]
    yield chat, chat, history, ""
    final: dict[str, Any] | None = None
    try:
        with gate.slot():
            events = answer_events(
                service, q, filters=_filters(county, year, doc),
                history=[Message(m["role"], m["content"]) for m in history] or None,
            )
        text = ""
        for ev in events:
            kind = ev.get("type")
            if kind == "reset":  # the generated sentences were withdrawn
                text = ""
            if kind in _TEXT_EVENTS:
                piece = str(ev.get("text", ""))
                if ev.get("cites") and not piece.rstrip().endswith("]"):
                    piece += "".join(f"[{n}]" for n in ev["cites"])
                text += piece
                chat = _set_last(chat, render_pending(text))
                yield chat, chat, history, ""
            elif kind == "done":
                final = ev["answer"]
    except RAGError as exc:
        chat = _set_last(chat, render_error(user_message(exc)))
        yield chat, chat, history, ""
        return
    except Exception:
        log.exception("chat answer failed")
        chat = _set_last(chat, render_error("出错了，请稍后再试 (internal error)"))
        yield chat, chat, history, ""
        return
    if final is None:
        final = {"answer": "没有得到回答，请重试。", "answerable": False}
    chat = _set_last(chat, render_answer(final))
    history = [*history, {"role": "user", "content": q},
               {"role": "assistant", "content": str(final.get("answer", ""))}]
    yield chat, chat, history, ""


def build_chat(service: RAGService, gate: ComputeGate | None = None) -> gr.Blocks:
    """The page as a `gr.Blocks`; mount it with `ui.mount_ui(app, service)`.

    Example:
        >>> demo = build_chat(RAGService())   # doctest: +SKIP
    """
    import gradio as gr

    gate = gate or ComputeGate(service.settings.api_concurrency)
    counties, years, files = _choices(service)
    with gr.Blocks(title="政务文档问答", analytics_enabled=False) as demo:
        chat_state = gr.State([])
        history_state = gr.State([])
        with gr.Column(elem_id="rag-shell"):
            gr.HTML(_HEADER, padding=False)
            status = gr.HTML(render_status(health_info(service)), padding=False)
            with gr.Tabs(elem_id="rag-tabs"):
                with gr.Tab("问答", id="chat", elem_id="rag-tab-chat") as chat_tab:
                    with gr.Row(elem_id="rag-main", equal_height=False):
                        # Conversation
                        with gr.Column(scale=3, min_width=300, elem_id="rag-chat-col"):
                            chatbot = gr.Chatbot(
                                elem_id="rag-chat", show_label=False, height="62vh",
                                min_height=360, placeholder=_PLACEHOLDER, latex_delimiters=[],
                                feedback_options=None, buttons=["copy"], layout="bubble",
                                autoscroll=True,
                            )
                            box = gr.Textbox(
                                elem_id="rag-input", show_label=False, lines=1, max_lines=4,
                                placeholder="请输入问题，例如：龙马物流园进展如何？",
                                submit_btn="发送", autofocus=True,
                            )
                            with gr.Row(elem_id="rag-examples"):
                                example_btns = [
                                    gr.Button(q, size="sm", variant="secondary",
                                              elem_classes="rag-ex")
                                    for q in EXAMPLES
                                ]
                        # Filters and actions
                        with gr.Column(scale=1, min_width=240, elem_id="rag-side"):
                            gr.HTML("<div class='rag-side-title'>筛选范围</div>", padding=False)
                            county = gr.Dropdown(counties, value=ALL_COUNTIES, label="县区",
                                                 elem_id="rag-county")
                            year = gr.Dropdown(years, value=ALL_YEARS, label="年份",
                                               elem_id="rag-year")
                            doc = gr.Dropdown(files, value=ALL_DOCS, label="文件",
                                              elem_id="rag-doc")
                            clear = gr.Button("清空对话", variant="secondary", elem_id="rag-clear")
                            gr.HTML(
                                "<div class='rag-help'>提示：可以接着追问，例如先问洪洞县的目标，"
                                "再问「那绛县呢？」。回答中的上标数字即来源编号。<br>"
                                "<a href='/docs' target='_blank'>API 文档</a></div>",
                                padding=False,
                            )
                # The knowledge base: the tab calls the API itself (ui/kb.js), under the key
                with gr.Tab("文档管理", id="kb", elem_id="rag-tab-kb"):
                    gr.HTML(render_kb_panel(service.settings), padding=False)

        # Wiring: ask, examples, clear, refresh on load
        def respond(q: str, c: ChatList, h: ChatList, co: str, y: str, d: str) -> Iterator[Any]:
            yield from _respond(service, gate, q, c, h, co, y, d)

        ask_io: dict[str, Any] = dict(
            fn=respond,
            inputs=[box, chat_state, history_state, county, year, doc],
            outputs=[chatbot, chat_state, history_state, box],
            show_progress="hidden",
        )
        box.submit(**ask_io)
        for btn, q in zip(example_btns, EXAMPLES, strict=True):
            btn.click(lambda q=q: q, outputs=box, show_progress="hidden").then(**ask_io)
        clear.click(lambda: ([], [], [], ""), outputs=[chatbot, chat_state, history_state, box],
                    show_progress="hidden")

        def refresh() -> tuple[Any, Any, Any, Any]:
            c, y, f = _choices(service)
            return (render_status(health_info(service)), gr.update(choices=c),
                    gr.update(choices=y), gr.update(choices=f))

        demo.load(refresh, outputs=[status, county, year, doc], show_progress="hidden")
        chat_tab.select(refresh, outputs=[status, county, year, doc], show_progress="hidden")
    demo.queue(default_concurrency_limit=4)
    return demo
