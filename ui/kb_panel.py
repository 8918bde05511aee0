"""The 「文档管理」 tab's markup: who may write, upload, the document list, chunk preview.

The tab talks to the API itself (`ui/kb.js`: fetch with the key typed into the tab), so no
Gradio event can change the knowledge base and Gradio's own upload stays refused.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from rag.api.auth import loopback
from rag.corpus.loaders import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from rag.settings import Settings

__all__ = ["KB_SCRIPT_PATH", "access_note", "render_kb_panel"]

KB_SCRIPT_PATH = Path(__file__).with_name("kb.js")


def access_note(settings: Settings) -> tuple[str, str, bool]:
    """(css class, message, writes possible) for the write-protection rule in force.

    Example:
        >>> from rag.settings import Settings
        >>> access_note(Settings(api_key=None, host="0.0.0.0"))[2]
        False
    """
    if settings.api_key:
        return ("info", "写入需要 API 密钥：请在下面输入 RAG_API_KEY 后再上传或删除"
                "（密钥只保存在本页，随请求以 Authorization: Bearer 发送）。", True)
    if loopback(settings.host):
        return ("info", f"本机模式：未设置 RAG_API_KEY，服务只监听 {html.escape(settings.host)}，"
                "因此只接受本机的上传和删除，无需密钥。", True)
    return ("warn", f"写入已关闭：服务监听 {html.escape(settings.host)} 而没有设置 RAG_API_KEY，"
            "为防止任何人改动资料库，上传、删除和修改都会被拒绝。请设置 RAG_API_KEY 后重启服务。",
            False)


def render_kb_panel(settings: Settings) -> str:
    """The tab's static HTML; `ui/kb.js` fills the list and handles every action."""
    kind, note, writable = access_note(settings)
    accept = ",".join(sorted(SUPPORTED_SUFFIXES))
    disabled = "" if writable else " disabled"
    key_row = (
        '<label class="kb-key">API 密钥 <input type="password" id="kb-key" autocomplete="off" '
        'placeholder="RAG_API_KEY"></label>' if settings.api_key else ""
    )
    limits = (f"单个文件不超过 {settings.max_upload_mb:g} MB，每次最多 "
              f"{settings.max_upload_files} 个；支持 {'、'.join(sorted(SUPPORTED_SUFFIXES))}。")
    return (
        f'<div id="kb-root" class="kb" data-writable="{str(writable).lower()}">'
        f'<div class="kb-access {kind}" id="kb-access">{note}</div>'
        '<div class="kb-upload">'
        f"{key_row}"
        f'<input type="file" id="kb-files" multiple accept="{accept}"{disabled}>'
        f'<label class="kb-check"><input type="checkbox" id="kb-replace"{disabled}> 替换同名文件'
        "</label>"
        f'<button type="button" id="kb-upload-btn" class="kb-btn primary"{disabled}>上传并索引'
        "</button>"
        '<button type="button" id="kb-refresh" class="kb-btn">刷新列表</button>'
        f'<div class="kb-limits">{html.escape(limits)}</div>'
        '<progress id="kb-progress" max="100" value="0" hidden></progress>'
        '<div id="kb-msg" class="kb-msg" role="status"></div>'
        "</div>"
        '<div class="kb-table-wrap"><table id="kb-table" class="kb-table"><thead><tr>'
        "<th>文件</th><th>县区</th><th>年份</th><th>段落</th><th>状态</th><th></th>"
        '</tr></thead><tbody><tr><td colspan="6" class="kb-empty">正在读取…</td></tr></tbody>'
        "</table></div>"
        '<div id="kb-preview" class="kb-preview"></div>'
        "</div>"
    )
