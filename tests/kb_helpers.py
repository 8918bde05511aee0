"""Shared helpers of the knowledge-base tests: hostile and ordinary files, a live server."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from rag_server import free_port  # noqa: F401  (re-exported for the kb tests)
from rag_server import serve_app as live_server  # noqa: F401

TINY = Path(__file__).parent / "data" / "tiny"
BEE_TEXT = (
    "翼城县2026年特色农业工作要点",
    "一、蜂业发展",
    "翼城县中华蜜蜂保种场已经建成，蜂群数量达到3800群，带动农户增收1260万元。",
    "二、林果产业",
    "全县新栽核桃经济林2万亩，建设核桃初加工车间4个。",
)
BEE_QUESTION = "翼城县中华蜜蜂保种场的蜂群数量是多少？"






def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def docx_bytes(paragraphs: tuple[str, ...] = BEE_TEXT, heading_first: bool = True) -> bytes:
    """A real .docx (python-docx): the first line a title, 一、… lines as Heading 1."""
    import docx

    document = docx.Document()
    for i, text in enumerate(paragraphs):
        if i == 0 and heading_first:
            document.add_heading(text, level=0)
        elif text.startswith(("一、", "二、", "三、")):
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def zip_bomb_docx(path: Path, inflated_mb: int = 150) -> Path:
    """A .docx whose word/document.xml inflates to `inflated_mb` MB (a few hundred KB on disk)."""
    block = b"<w:t>" + b"0" * (1024 * 1024 - 12) + b"</w:t>\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as f:
            for _ in range(inflated_mb):
                f.write(block)
    return path


def nested_html(depth: int = 100_000) -> bytes:
    body = b"<div>" * depth + "正文".encode() + b"</div>" * depth
    return b"<html><body>" + body + b"</body></html>"


def random_bytes(n: int = 64 * 1024, seed: int = 7) -> bytes:
    import random

    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(n))
