"""Text processing for keyword retrieval: tokenizers, stopwords, domain dictionary."""

from __future__ import annotations

from rag.text.dictionary import build_domain_dictionary
from rag.text.stopwords import stopwords
from rag.text.tokenizers import TOKENIZER_VERSION, Tokenizer, WordTokenizer, bigram_tokenize

__all__ = [
    "TOKENIZER_VERSION",
    "Tokenizer",
    "WordTokenizer",
    "bigram_tokenize",
    "build_domain_dictionary",
    "stopwords",
]
