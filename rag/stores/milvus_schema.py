"""Milvus collection schemas, analyzers and a capability probe (Milvus Lite lacks some features)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["META_SUFFIX", "Capabilities", "chunk_schema", "index_params", "meta_schema", "probe"]

META_SUFFIX = "_meta"
_PUNCT = list("，。、；：？！“”‘’（）《》【】—…·「」『』〔〕,.;:?!\"'()[]<>-_/%*+=~|")


@dataclass
class Capabilities:
    """What the connected Milvus supports, measured on a throwaway collection.

    Example:
        >>> Capabilities(server="milvus_lite-3.2.2").lite
        True
    """

    server: str = ""
    chinese_analyzer: bool = False  # {"type": "chinese"}: jieba + cnalphanumonly, built in
    jieba_tokenizer: bool = False  # {"tokenizer": {"type": "jieba", "dict": [...]}}
    whitespace_tokenizer: bool = False  # {"tokenizer": "whitespace"}
    bm25_function: bool = False  # BM25 function -> sparse field, full-text search
    global_bm25_stats: bool = False  # IDF/avgdl over all segments (not per segment)
    hnsw: bool = False
    hybrid_search: bool = False  # server-side RRF / weighted fusion
    filtered_search: bool = False  # boolean expression applied inside the ANN search

    @property
    def lite(self) -> bool:
        return self.server.startswith("milvus_lite")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capabilities:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _bigram_analyzer(caps: Capabilities) -> dict[str, Any]:
    """Pre-split terms: `whitespace`; Milvus Lite has no whitespace tokenizer, and its
    `standard` one (regex \\w+) splits our \\w-only terms the same way."""
    return {"tokenizer": "whitespace" if caps.whitespace_tokenizer else "standard"}


def _word_analyzer(caps: Capabilities, words: list[str], stop: list[str]) -> dict[str, Any]:
    """jieba search mode with the corpus' domain words and our stopwords. Milvus keeps the
    default dictionary only when "_default_" is listed; Lite adds `dict` words to its
    default. Lite ignores named filters (cnalphanumonly), so punctuation is stopped there."""
    tokenizer: dict[str, Any]
    if caps.lite:
        tokenizer = {"type": "jieba", "dict": words, "mode": "search"}
        return {"tokenizer": tokenizer, "filter": [
            {"type": "stop", "stop_words": sorted(set(stop) | set(_PUNCT))}]}
    tokenizer = {"type": "jieba", "dict": ["_default_", *words], "mode": "search", "hmm": True}
    return {"tokenizer": tokenizer,
            "filter": ["lowercase", "cnalphanumonly", {"type": "stop", "stop_words": stop}]}


def chunk_schema(caps: Capabilities, dim: int, words: list[str], stop: list[str],
                 word_analyzer: str) -> tuple[Any, dict[str, Any]]:
    """The chunk collection: scalar fields for filters, the record, two BM25 fields, the vector.

    `word_analyzer="jieba"`: Milvus analyses the chunk text itself; `"client"`: the text
    arrives as our jieba tokens separated by spaces (the embedded word channel's exact terms).
    """
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    for name, size in (("chunk_id", 256), ("doc_id", 256), ("source", 512), ("county", 128),
                       ("kind", 128), ("title", 1024), ("heading_path", 4096),
                       ("embed_key", 64)):
        s.add_field(name, DataType.VARCHAR, max_length=size)
    s.add_field("year", DataType.INT64)
    s.add_field("meta", DataType.JSON)
    s.add_field("record", DataType.VARCHAR, max_length=65535)
    if word_analyzer == "jieba":
        wa = _word_analyzer(caps, words, stop)
    else:
        wa = _bigram_analyzer(caps)
    s.add_field("word_text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                analyzer_params=wa)
    s.add_field("bigram_text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                analyzer_params=_bigram_analyzer(caps))
    s.add_field("word_sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("bigram_sparse", DataType.SPARSE_FLOAT_VECTOR)
    for field in ("word", "bigram"):
        s.add_function(Function(name=f"bm25_{field}", function_type=FunctionType.BM25,
                                input_field_names=[f"{field}_text"],
                                output_field_names=[f"{field}_sparse"]))
    if dim:
        s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    facts = {"word_analyzer": word_analyzer, "word_analyzer_params": _summary(wa),
             "bigram_analyzer_params": _bigram_analyzer(caps),
             "dense_index": "HNSW" if caps.hnsw else "IVF_FLAT"}
    return s, facts


def _summary(params: dict[str, Any]) -> dict[str, Any]:
    """Analyzer params without the long word lists (for the state row and README)."""
    tok = params.get("tokenizer")
    if isinstance(tok, dict) and "dict" in tok:
        tok = {**tok, "dict": f"{len(tok['dict'])} words"}
    filters = [f if isinstance(f, str) else {**f, "stop_words": f"{len(f['stop_words'])} words"}
               for f in params.get("filter", [])]
    return {"tokenizer": tok, "filter": filters}


def _params(caps: Capabilities, params: dict[str, Any]) -> dict[str, Any]:
    """pymilvus 3 sends index params as flat key/value pairs; Milvus Lite 3.2 reads only a
    JSON `params` pair (measured: without it bm25_k1/b and M were silently dropped), which
    is also the older wire form Milvus servers accept. Lite gets both."""
    return {**params, "params": dict(params)} if caps.lite else params


def index_params(client: Any, caps: Capabilities, dim: int, k1: float, b: float) -> Any:
    """HNSW (IP, M 32) on the vector, BM25 inverted indexes, INVERTED scalar indexes."""
    ip = client.prepare_index_params()
    if dim:
        if caps.hnsw:
            ip.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                         params=_params(caps, {"M": 32, "efConstruction": 80}))
        else:
            ip.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP",
                         params=_params(caps, {"nlist": 128}))
    for field in ("word_sparse", "bigram_sparse"):
        ip.add_index(field_name=field, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params=_params(caps, {"bm25_k1": k1, "bm25_b": b}))
    for field in ("doc_id", "county", "year", "source"):
        ip.add_index(field_name=field, index_type="INVERTED")
    return ip


def meta_schema(client: Any) -> tuple[Any, Any]:
    """The side collection: the state row (version, manifest) and documents/dictionary parts.
    Milvus wants a vector field in every collection: a 2-d placeholder."""
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=256)
    s.add_field("kind", DataType.VARCHAR, max_length=32)
    s.add_field("payload", DataType.VARCHAR, max_length=65535)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index(field_name="v", index_type="AUTOINDEX", metric_type="IP")
    return s, ip


# The probe: each feature tried on a throwaway collection, then dropped
def probe(client: Any, prefix: str) -> Capabilities:
    """Measure what this Milvus supports (a few throwaway collections; ~0.3 s on Lite).

    Example:
        >>> probe(MilvusClient("/tmp/p.db"), "kb").bm25_function   # doctest: +SKIP
        True
    """
    import logging

    log = logging.getLogger("pymilvus")
    level, log.level = log.level, logging.CRITICAL + 1  # refusals are the answer here
    try:
        return _probe(client, prefix)
    finally:
        log.setLevel(level)


def _probe(client: Any, prefix: str) -> Capabilities:
    caps = Capabilities(server=str(client.get_server_version()))
    name = f"{prefix}_probe_{uuid.uuid4().hex[:8]}"
    caps.chinese_analyzer = _try(client, name, {"type": "chinese"})
    caps.jieba_tokenizer = _try(client, name, {"tokenizer": {"type": "jieba", "dict": [
        "_default_", "龙马物流园"], "mode": "search"}})
    caps.whitespace_tokenizer = _try(client, name, {"tokenizer": "whitespace"})
    try:
        _features(client, name, caps)
    finally:
        if client.has_collection(name):
            client.drop_collection(name)
    return caps


def _collection(client: Any, name: str, analyzer: dict[str, Any], hnsw: bool = True) -> None:
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    if client.has_collection(name):
        client.drop_collection(name)
    s = MilvusClient.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("county", DataType.VARCHAR, max_length=64)
    s.add_field("text", DataType.VARCHAR, max_length=1024, enable_analyzer=True,
                analyzer_params=analyzer)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                            input_field_names=["text"], output_field_names=["sparse"]))
    ip = client.prepare_index_params()
    ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    if hnsw:
        ip.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                     params={"M": 8, "efConstruction": 16})
    else:
        ip.add_index(field_name="vector", index_type="IVF_FLAT", metric_type="IP",
                     params={"nlist": 1})
    client.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")


def _try(client: Any, name: str, analyzer: dict[str, Any]) -> bool:
    try:
        _collection(client, name, analyzer)
        return True
    except Exception:
        return False
    finally:
        try:
            if client.has_collection(name):
                client.drop_collection(name)
        except Exception:
            pass


def _features(client: Any, name: str, caps: Capabilities) -> None:
    """BM25, filtered search, hybrid search, HNSW and whether BM25 statistics span segments:
    two rows with the same terms and length, in two segments of different make-up, score
    the same only when IDF and avgdl are collection-wide."""
    from pymilvus import AnnSearchRequest, RRFRanker

    analyzer = {"tokenizer": "whitespace" if caps.whitespace_tokenizer else "standard"}
    try:
        _collection(client, name, analyzer, hnsw=True)
        caps.hnsw = True
    except Exception:
        _collection(client, name, analyzer, hnsw=False)
    client.insert(name, [{"id": 1, "county": "a", "text": "x y", "vector": [1.0, 0.0]}])
    client.flush(name)
    client.insert(name, [{"id": 2, "county": "b", "text": "x z", "vector": [0.0, 1.0]},
                         {"id": 3, "county": "b", "text": "u v", "vector": [0.6, 0.8]}])
    client.flush(name)
    try:
        hits = client.search(name, data=["x"], anns_field="sparse", limit=3,
                             search_params={"metric_type": "BM25"})[0]
        scores = {int(h["id"]): abs(float(h["distance"])) for h in hits}
        caps.bm25_function = set(scores) == {1, 2}
        caps.global_bm25_stats = caps.bm25_function and abs(scores[1] - scores[2]) < 1e-4
    except Exception:
        caps.bm25_function = False
    try:
        hits = client.search(name, data=[[1.0, 0.0]], anns_field="vector", limit=3,
                             filter='county == "b"', search_params={"metric_type": "IP"})[0]
        caps.filtered_search = {int(h["id"]) for h in hits} == {2, 3}
    except Exception:
        caps.filtered_search = False
    try:
        reqs = [AnnSearchRequest(data=[[1.0, 0.0]], anns_field="vector",
                                 param={"metric_type": "IP"}, limit=3),
                AnnSearchRequest(data=["x"], anns_field="sparse",
                                 param={"metric_type": "BM25"}, limit=3)]
        hits = client.hybrid_search(name, reqs, ranker=RRFRanker(60), limit=3)[0]
        caps.hybrid_search = len(hits) > 0
    except Exception:
        caps.hybrid_search = False
