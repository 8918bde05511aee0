"""Corpus stage: load files, normalise them, find headings, and cut heading-aware chunks.

Example:
    >>> from rag.corpus import load_corpus, chunk_document
    >>> load = load_corpus("corpus")  # doctest: +SKIP
    >>> chunks = [c for d in load.documents for c in chunk_document(d)]  # doctest: +SKIP
"""

from __future__ import annotations

from rag.corpus.chunker import CHUNKER_VERSION, chunk_document, chunk_id
from rag.corpus.manifest import ManifestEntry, guess_entry, load_manifest
from rag.corpus.models import Chunk, Document
from rag.corpus.normalize import NormalizedText, Paragraph, normalize_text
from rag.corpus.pipeline import CorpusLoad, load_corpus, load_document

__all__ = [
    "CHUNKER_VERSION",
    "Chunk",
    "CorpusLoad",
    "Document",
    "ManifestEntry",
    "NormalizedText",
    "Paragraph",
    "chunk_document",
    "chunk_id",
    "guess_entry",
    "load_corpus",
    "load_document",
    "load_manifest",
    "normalize_text",
]
