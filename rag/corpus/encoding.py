"""Bytes -> str for Chinese text: UTF-8 first, then GB18030 (a superset of GBK), then a guess."""

from __future__ import annotations

import codecs

__all__ = ["decode_bytes", "EncodingError"]


class EncodingError(ValueError):
    """The bytes are not text in any encoding we accept."""


_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode `data`; returns (text, encoding name).

    Order: a byte-order mark, strict UTF-8, strict GB18030, then charset-normalizer's
    best guess. Binary data (NUL bytes, many control characters) is refused.

    Example:
        >>> decode_bytes("洪洞县".encode("gbk"))
        ('洪洞县', 'gb18030')
        >>> decode_bytes("洪洞县".encode())
        ('洪洞县', 'utf-8')
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(name), name), name
    if b"\x00" in data[:4096]:
        raise EncodingError("binary data (NUL bytes), not a text file")
    for name in ("utf-8", "gb18030"):
        try:
            return _checked(data.decode(name), name), name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise EncodingError("unknown text encoding (tried UTF-8, GB18030 and detection)")
    return _checked(str(best), best.encoding), best.encoding


def _checked(text: str, name: str) -> str:
    """Refuse text that is mostly control characters (a binary file that happened to decode)."""
    sample = text[:4096]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    if sample and controls > 0.05 * len(sample):
        raise EncodingError(f"binary data (decodes as {name} only to control characters)")
    return text
