"""Text processing for keyword retrieval: tokenizers, stopwords, domain dictionary, thesaurus."""

from __future__ import annotations

from rag.text.dictionary import build_domain_dictionary
from rag.text.stopwords import stopwords
from rag.text.thesaurus import Thesaurus, load_thesaurus
from rag.text.tokenizers import TOKENIZER_VERSION, Tokenizer, WordTokenizer, bigram_tokenize

__all__ = [
    "TOKENIZER_VERSION",
    "Thesaurus",
    "Tokenizer",
    "WordTokenizer",
    "bigram_tokenize",
    "build_domain_dictionary",
    "load_thesaurus",
    "stopwords",
]
