"""Per-file budgets checked before a file is parsed: size, type by content, zip bombs, HTML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from rag.corpus.encoding import EncodingError, decode_bytes
from rag.exceptions import (
    DocumentLoadError,
    FileTooLargeError,
    FileTypeError,
    UnsafeFileError,
)

if TYPE_CHECKING:
    from rag.corpus.models import Document
    from rag.settings import Settings

__all__ = ["check_document", "check_file", "html_shape"]

_MB = 1024 * 1024
_TEXT = {".txt", ".text", ".md", ".markdown"}
_HTML = {".html", ".htm"}
_ZIP_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml",
              ".pptx": "ppt/presentation.xml"}
_SAMPLE = 64 * 1024
_RATIO_MIN_BYTES = 1 * _MB  # small parts compress well legitimately: only big ones are judged
_MAX_ZIP_ENTRIES = 10_000


def check_file(path: str | Path, settings: Settings, name: str | None = None) -> None:
    """Refuse `path` fast when it breaks a budget or is not what its name says.

    Linear-time checks, before any parser runs: file size (`RAG_MAX_UPLOAD_MB`), content
    type by magic bytes or decodable text, PDF pages (`RAG_MAX_PDF_PAGES`), docx/xlsx
    decompressed size and ratio (`RAG_MAX_UNZIP_MB`, `RAG_MAX_ZIP_RATIO`), HTML nesting
    depth and element count (`RAG_MAX_HTML_DEPTH`, `RAG_MAX_HTML_ELEMENTS`).
    `name` is what messages call the file (an upload's own name instead of its temp path).

    Raises:
        FileTooLargeError: over a size, page or element budget.
        FileTypeError: the content is not of the type the suffix names.
        UnsafeFileError: a zip bomb or HTML nested too deep.
        DocumentLoadError: the file cannot be read at all.

    Example:
        >>> import tempfile, pathlib
        >>> from rag.settings import Settings
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.pdf"
        >>> _ = p.write_bytes(b"not a pdf")
        >>> check_file(p, Settings(), name="x.pdf")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        rag.exceptions.FileTypeError: cannot read x.pdf: ...
    """
    path = Path(path)
    label = name or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentLoadError(label, exc.strerror or str(exc)) from exc
    _check_size(label, size, settings)
    suffix = Path(label).suffix.lower() or path.suffix.lower()
    if suffix in _TEXT:
        _check_text(path, label)
    elif suffix in _HTML:
        _check_html(path, label, settings)
    elif suffix == ".pdf":
        _check_pdf(path, label, settings)
    elif suffix in _ZIP_PARTS:
        _check_zip(path, label, suffix, settings)


def check_document(doc: Document, settings: Settings, name: str | None = None) -> None:
    """Refuse a loaded document whose text is over `RAG_MAX_DOC_CHARS` (chunking and
    embedding time grow with it: a 6 MB text file is about 2 million characters).

    Raises:
        FileTooLargeError: the text is over the budget.

    Example:
        >>> from rag.corpus.models import Document
        >>> from rag.settings import Settings
        >>> doc = Document("a", "a.txt", "T", "正文" * 10)
        >>> check_document(doc, Settings(max_doc_chars=5))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        rag.exceptions.FileTooLargeError: cannot read a.txt: ...
    """
    n, limit = len(doc.text), settings.max_doc_chars
    if n > limit:
        raise FileTooLargeError(
            name or doc.source,
            f"正文过长：{n} 字，上限 {limit} 字，可调大 RAG_MAX_DOC_CHARS "
            f"({n} characters of text, over the {limit} limit; raise RAG_MAX_DOC_CHARS)",
        )


# Size
def _check_size(label: str, size: int, settings: Settings) -> None:
    limit = settings.max_upload_mb * _MB
    if size > limit:
        raise FileTooLargeError(
            label,
            f"文件过大：{size / _MB:.1f} MB，上限 {settings.max_upload_mb:g} MB，可调大 "
            f"RAG_MAX_UPLOAD_MB (file is {size / _MB:.1f} MB, over the "
            f"{settings.max_upload_mb:g} MB limit; raise RAG_MAX_UPLOAD_MB)",
        )


def _head(path: Path, n: int = _SAMPLE) -> bytes:
    with path.open("rb") as f:
        return f.read(n)


# Text: decodable, not binary
def _check_text(path: Path, label: str) -> None:
    sample = _head(path)
    try:
        decode_bytes(_trim_partial(sample))
    except EncodingError as exc:
        raise FileTypeError(
            label, f"不是文本文件：{exc} (not a text file; the content decides, not the name)"
        ) from exc


def _trim_partial(sample: bytes) -> bytes:
    """Cut a multi-byte character split by the sample's end (UTF-8 or GB18030)."""
    if len(sample) < _SAMPLE:
        return sample
    for cut in range(0, 4):
        part = sample[: len(sample) - cut]
        for enc in ("utf-8", "gb18030"):
            try:
                part.decode(enc)
                return part
            except UnicodeDecodeError:
                continue
    return sample


# PDF: magic bytes and page count
def _check_pdf(path: Path, label: str, settings: Settings) -> None:
    if b"%PDF-" not in _head(path, 1024):
        raise FileTypeError(label, "不是 PDF 文件：缺少 %PDF- 文件头 (not a PDF: no %PDF- header)")
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files warn per object
    try:
        pages = len(PdfReader(io.BytesIO(path.read_bytes())).pages)
    except Exception as exc:
        raise DocumentLoadError(label, f"PDF 无法解析 (PDF could not be parsed: {exc})") from exc
    if pages > settings.max_pdf_pages:
        raise FileTooLargeError(
            label,
            f"PDF 页数过多：{pages} 页，上限 {settings.max_pdf_pages} 页，可调大 RAG_MAX_PDF_PAGES "
            f"({pages} pages, over the {settings.max_pdf_pages}-page limit; "
            "raise RAG_MAX_PDF_PAGES)",
        )


# docx/xlsx: a zip whose parts must not inflate past the budget
def _check_zip(path: Path, label: str, suffix: str, settings: Settings) -> None:
    kind = suffix[1:]
    if not _head(path, 4).startswith(b"PK\x03\x04"):
        raise FileTypeError(
            label, f"不是 {kind} 文件：内容不是 zip 压缩包 (not a {kind}: the content is not a zip)"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentLoadError(label, f"{kind} could not be parsed (文件已损坏): {exc}") from exc
    if _ZIP_PARTS[suffix] not in {i.filename for i in infos}:
        raise FileTypeError(
            label, f"不是 {kind} 文件：缺少 {_ZIP_PARTS[suffix]} (not a {kind}: "
            f"no {_ZIP_PARTS[suffix]} inside)"
        )
    if len(infos) > _MAX_ZIP_ENTRIES:
        raise UnsafeFileError(
            label, f"压缩包条目过多：{len(infos)} 个 (zip has {len(infos)} entries, over "
            f"{_MAX_ZIP_ENTRIES})"
        )
    # Python's zipfile never inflates past the declared size (a lie fails the CRC check),
    # so the declared sizes bound what the parsers will see
    total = sum(i.file_size for i in infos)
    limit = settings.max_unzip_mb * _MB
    if total > limit:
        raise UnsafeFileError(
            label,
            f"解压后过大（疑似压缩炸弹）：{total / _MB:.0f} MB，上限 {settings.max_unzip_mb:g} MB，"
            f"可调大 RAG_MAX_UNZIP_MB (inflates to {total / _MB:.0f} MB, over the "
            f"{settings.max_unzip_mb:g} MB limit: a zip bomb? raise RAG_MAX_UNZIP_MB)",
        )
    for info in infos:
        if info.file_size < _RATIO_MIN_BYTES:
            continue
        ratio = info.file_size / max(1, info.compress_size)
        if ratio > settings.max_zip_ratio:
            raise UnsafeFileError(
                label,
                f"压缩比过高（疑似压缩炸弹）：{info.filename} 压缩比 {ratio:.0f}，上限 "
                f"{settings.max_zip_ratio:g}，可调大 RAG_MAX_ZIP_RATIO ({info.filename} inflates "
                f"{ratio:.0f}x, over the {settings.max_zip_ratio:g}x limit: a zip bomb? "
                "raise RAG_MAX_ZIP_RATIO)",
            )


# HTML: one linear pass over the tags, before any parser builds a tree
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)>|<!--")
_RAW_TEXT = {b"script", b"style", b"textarea", b"title"}  # their content is not markup
_VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
         b"param", b"source", b"track", b"wbr", b"keygen", b"command", b"basefont", b"frame"}
# Tags a browser closes when a sibling of the same kind opens (<p>a<p>b is not nesting)
_SELF_SIBLING = {b"p", b"li", b"dt", b"dd", b"tr", b"td", b"th", b"option", b"optgroup",
                 b"thead", b"tbody", b"tfoot", b"rt", b"rp", b"colgroup"}


def html_shape(data: bytes) -> tuple[int, int]:
    """(deepest nesting, number of elements) of an HTML document, in one linear pass.

    Example:
        >>> html_shape(b"<html><body><div><p>a<p>b</div><br><!-- <i> --></body></html>")
        (4, 6)
    """
    stack: list[bytes] = []
    open_count: dict[bytes, int] = {}
    deepest = elements = pos = 0
    lower = data.lower()
    while (m := _TAG.search(data, pos)) is not None:
        pos = m.end()
        if m.group(0) == b"<!--":  # skip the comment (an unclosed one ends the document)
            end = data.find(b"-->", pos)
            pos = len(data) if end < 0 else end + 3
            continue
        closing, name, rest = m.group(1), m.group(2).lower(), m.group(3)
        if closing:
            if open_count.get(name):  # pop up to the matching open tag (amortised linear)
                while stack:
                    top = stack.pop()
                    open_count[top] -= 1
                    if top == name:
                        break
            continue
        elements += 1
        if name in _VOID or rest.rstrip().endswith(b"/"):
            deepest = max(deepest, len(stack) + 1)
            continue
        if name in _RAW_TEXT:  # jump to its end tag
            end = lower.find(b"</" + name, pos)
            pos = len(data) if end < 0 else end
            deepest = max(deepest, len(stack) + 1)
            if end >= 0:
                close = data.find(b">", end)
                pos = len(data) if close < 0 else close + 1
            continue
        if name in _SELF_SIBLING and open_count.get(name):  # <td>1<td>2, <tr><td><tr>
            k = len(stack) - 1
            while k >= 0 and stack[k] in _SELF_SIBLING and stack[k] != name:
                k -= 1
            if k >= 0 and stack[k] == name:
                for top in stack[k:]:
                    open_count[top] -= 1
                del stack[k:]
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
        deepest = max(deepest, len(stack))
    return deepest, elements


def _check_html(path: Path, label: str, settings: Settings) -> None:
    data = path.read_bytes()
    if b"\x00" in data[:_SAMPLE] or b"<" not in data[:_SAMPLE]:
        _check_text(path, label)  # not markup: it must at least be text
    depth, elements = html_shape(data)
    if depth > settings.max_html_depth:
        raise UnsafeFileError(
            label,
            f"HTML 嵌套过深：{depth} 层，上限 {settings.max_html_depth} 层，可调大 "
            f"RAG_MAX_HTML_DEPTH (elements nest {depth} deep, over the "
            f"{settings.max_html_depth} limit; raise RAG_MAX_HTML_DEPTH)",
        )
    if elements > settings.max_html_elements:
        raise FileTooLargeError(
            label,
            f"HTML 元素过多：{elements} 个，上限 {settings.max_html_elements} 个，可调大 "
            f"RAG_MAX_HTML_ELEMENTS ({elements} elements, over the "
            f"{settings.max_html_elements} limit; raise RAG_MAX_HTML_ELEMENTS)",
        )
