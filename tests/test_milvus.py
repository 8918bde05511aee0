"""RAG_STORE=milvus against a real Milvus Lite file: index, search, ask, filters, live updates."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from rag.exceptions import ConfigError, FilterError, IndexMissingError
from rag.index.build import build_index
from rag.index.hybrid import HybridIndex
from rag.service import RAGService
from rag.settings import Settings

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

pytestmark = pytest.mark.milvus
ROOT = Path(__file__).resolve().parents[1]
NEW_DOC = "洪洞县2026年新闻\n\n太岳山航空飞行营地建成开放，首批滑翔伞爱好者入驻营地。\n"


@pytest.fixture(scope="module")
def lite(tmp_path_factory: pytest.TempPathFactory, tiny_corpus_dir: Path, tiny_settings: Settings,
         encoder) -> Settings:
    """The tiny corpus indexed into a Milvus Lite file (read-only for the tests using it)."""
    tmp = tmp_path_factory.mktemp("milvus")
    settings = tiny_settings.model_copy(update={
        "store": "milvus", "milvus_uri": str(tmp / "kb.db"), "milvus_collection": "tiny",
        "index_dir": tmp / "unused-index"})
    report = build_index(settings, encoder=encoder, progress=False)
    assert report.documents == 3 and report.chunks > 0 and not report.errors
    return settings


@pytest.fixture()
def live(tmp_path: Path, tiny_corpus_dir: Path, tiny_settings: Settings, encoder) -> Settings:
    """A corpus copy of our own, indexed into its own Lite file (tests add and remove files)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_dir, corpus)
    settings = tiny_settings.model_copy(update={
        "store": "milvus", "milvus_uri": str(tmp_path / "live.db"), "corpus_dir": corpus,
        "milvus_collection": "live", "index_dir": tmp_path / "unused-index",
        "index_reload_s": 0.05})
    build_index(settings, encoder=encoder, progress=False)
    return settings


def test_search_and_ask_through_milvus_match_the_embedded_store(lite: Settings, tiny_index,
                                                               encoder) -> None:
    index = HybridIndex.load(lite, encoder=encoder)
    assert type(index).__name__ == "MilvusHybridIndex" and len(index) == len(tiny_index)
    assert set(index.chunks) == set(tiny_index.chunks)
    assert set(index.documents) == set(tiny_index.documents)
    assert not (Path(lite.index_dir)).exists()  # nothing written to the embedded index dir
    caps = index.capabilities  # measured by the probe at build time
    assert caps["server"].startswith("milvus_lite")
    assert caps["bm25_function"] and caps["jieba_tokenizer"] and caps["filtered_search"]
    assert caps["hnsw"] and index.manifest.dense_kind == "hnsw"
    for q in ("龙马物流园进展如何", "绛县山楂产业园", "老旧小区改造多少个", "新能源装机容量"):
        got = [h.chunk.id for h in index.search(q, top_k=3)]
        want = [h.chunk.id for h in tiny_index.search(q, top_k=3)]
        assert got[0] == want[0], q
        hit = index.search(q, top_k=1)[0]
        assert set(hit.scores) == {"dense", "bm25_word", "bm25_bigram"}
        assert hit.scores["bm25_bigram"] > 0
    answer = RAGService(lite, encoder=encoder).ask("龙马物流园进展如何？")
    assert answer.answerable and answer.citations
    assert "龙马物流园" in answer.citations[0].quote


def test_filters_run_inside_milvus_and_exclude_other_counties(lite: Settings, encoder) -> None:
    index = HybridIndex.load(lite, encoder=encoder)
    everything = index.search("地区生产总值增长", top_k=10)
    assert {h.chunk.county for h in everything} == {"洪洞县", "绛县"}
    jiang = index.search("地区生产总值增长", top_k=10, filters={"county": "绛县"})
    assert jiang and {h.chunk.county for h in jiang} == {"绛县"}
    assert len(jiang) == sum(c.county == "绛县" for c in index.chunks.values())
    both = index.search("地区生产总值增长", top_k=10, filters={"county": "洪洞", "year": 2025})
    assert both and {(h.chunk.county, h.chunk.year) for h in both} == {("洪洞县", 2025)}
    ranked, _ = index.rank_channels("龙马物流园", {"county": "绛县"}, n=50)
    assert all(index.chunk_of(i).county == "绛县" for pairs in ranked.values() for i, _ in pairs)
    assert index.search("龙马物流园", top_k=5, filters={"year": 2030}) == []
    with pytest.raises(FilterError, match="unknown filter key"):
        index.search("龙马", filters={"colour": "red"})
    with pytest.raises(FilterError, match="year"):
        index.search("龙马", filters={"year": "去年"})


def test_adding_and_removing_a_document_reaches_a_second_service(live: Settings,
                                                                 encoder) -> None:
    writer = RAGService(live, encoder=encoder)
    reader = RAGService(live, encoder=encoder)  # another server on the same Milvus URI
    before = reader.index
    assert "飞行营地" not in reader.search("太岳山航空飞行营地", top_k=1)[0].chunk.text

    # Add: only the new document's chunks are embedded, the rest come from Milvus
    (live.corpus_dir / "hongtong_2026_news.txt").write_text(NEW_DOC, encoding="utf-8")
    report = build_index(live, encoder=encoder, progress=False)
    assert report.added == ["hongtong_2026_news.txt"] and report.embedded == 1
    assert report.reused == report.chunks - 1
    time.sleep(0.1)
    for svc in (writer, reader):
        hits = svc.search("太岳山航空飞行营地", top_k=1)
        assert "飞行营地" in hits[0].chunk.text and hits[0].chunk.year == 2026
    assert reader.index is not before and len(reader.index.documents) == 4
    assert reader.index.encoder is before.encoder
    assert reader.search("飞行营地", top_k=5, filters={"county": "洪洞", "year": 2026})

    # Remove: its rows are deleted by document id
    (live.corpus_dir / "hongtong_2026_news.txt").unlink()
    report = build_index(live, encoder=encoder, progress=False)
    assert report.removed == ["hongtong_2026_news.txt"] and report.embedded == 0
    time.sleep(0.1)
    assert all("飞行营地" not in h.chunk.text for h in reader.search("太岳山航空飞行营地"))
    assert reader.search("飞行营地", filters={"year": 2026}) == []
    assert len(reader.index.documents) == 3
    assert build_index(live, encoder=encoder, progress=False).noop


def test_a_lite_file_is_locked_to_one_process(lite: Settings, encoder) -> None:
    HybridIndex.load(lite, encoder=encoder)  # this process holds the file
    code = textwrap.dedent(f"""
        from rag.settings import Settings
        from rag.stores.milvus_store import connect
        from rag.exceptions import StoreUnavailableError
        try:
            connect(Settings(store="milvus", milvus_uri={lite.milvus_uri!r})).read_state()
        except StoreUnavailableError as exc:
            print("REFUSED", exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert "REFUSED" in out.stdout and "one process" in out.stdout, out.stdout + out.stderr


def test_no_index_in_milvus_and_a_bad_store_say_what_to_do(tmp_path: Path,
                                                           tiny_settings: Settings,
                                                           encoder) -> None:
    empty = tiny_settings.model_copy(update={"store": "milvus",
                                             "milvus_uri": str(tmp_path / "empty.db")})
    with pytest.raises(IndexMissingError, match="RAG_STORE=milvus rag index"):
        HybridIndex.load(empty, encoder=encoder)
    with pytest.raises(ConfigError, match="RAG_STORE"):
        HybridIndex.load(tiny_settings.model_copy(update={"store": "redis"}), encoder=encoder)


def test_the_default_store_never_imports_milvus(tiny_settings: Settings, tiny_index) -> None:
    assert Settings().store == "embedded"
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from rag.index.hybrid import HybridIndex
        from rag.settings import Settings
        s = Settings(index_dir=Path({str(tiny_settings.index_dir)!r}), num_threads=1)
        hits = HybridIndex.load(s).search("龙马物流园", top_k=1)
        print("OK", hits[0].chunk.county, "pymilvus" in sys.modules, "milvus_lite" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert "OK 洪洞县 False False" in out.stdout, out.stdout + out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_server_processes_share_one_milvus_server(tmp_path: Path, tiny_corpus_dir: Path,
                                                     tiny_settings: Settings, encoder) -> None:
    """Milvus Lite's gRPC server stands in for Milvus standalone: `rag serve` in another
    process sees a document this process indexes, without a restart."""
    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_dir, corpus)
    mport, aport = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_STORE": "milvus",
           "RAG_MILVUS_URI": f"http://127.0.0.1:{mport}", "RAG_MILVUS_COLLECTION": "shared",
           "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_RELOAD_S": "0.2", "RAG_NUM_THREADS": "1",
           "RAG_INDEX_DIR": str(tmp_path / "unused-index")}
    milvus = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                               str(tmp_path / "srv"), "--host", "127.0.0.1", "--port",
                               str(mport)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    api = None
    try:
        _wait(lambda: socket.create_connection(("127.0.0.1", mport), 1).close() is None, 60,
              "the Milvus Lite server")
        settings = tiny_settings.model_copy(update={
            "store": "milvus", "milvus_uri": f"http://127.0.0.1:{mport}",
            "milvus_collection": "shared", "corpus_dir": corpus, "index_reload_s": 0.2})
        build_index(settings, encoder=encoder, progress=False)
        api = subprocess.Popen(
            [sys.executable, "-c", "from rag.cli import main; main()", "serve", "--port",
             str(aport), "--no-ui", "--log-level", "warning"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{aport}"
        _wait(lambda: httpx.get(f"{base}/health", timeout=5).status_code == 200, 180,
              "rag serve")

        def top(q: str) -> dict:  # type: ignore[type-arg]
            r = httpx.get(f"{base}/search", params={"q": q, "top_k": 1}, timeout=30)
            assert r.status_code == 200, r.text
            return r.json()["hits"][0]

        assert "飞行营地" not in top("太岳山航空飞行营地")["text"]
        (corpus / "hongtong_2026_news.txt").write_text(NEW_DOC, encoding="utf-8")
        assert build_index(settings, encoder=encoder, progress=False).added
        _wait(lambda: "飞行营地" in top("太岳山航空飞行营地")["text"], 30,
              "the other process to see the new document")
        local = RAGService(settings, encoder=encoder)
        assert "飞行营地" in local.search("太岳山航空飞行营地", top_k=1)[0].chunk.text
    finally:
        for proc in (api, milvus):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_rag_index_and_search_cli_work_the_same_against_milvus(
        tmp_path: Path, tiny_corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BM25-only (RAG_EMBEDDING_MODEL=none: no vector field), through the CLI."""
    from typer.testing import CliRunner

    from rag.cli import app
    from rag.settings import get_settings

    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_dir, corpus)
    (corpus / "broken.txt").write_bytes(b"")
    for key, value in {"RAG_EMBEDDING_MODEL": "none", "RAG_STORE": "milvus",
                       "RAG_MILVUS_URI": str(tmp_path / "cli.db"),
                       "RAG_MILVUS_COLLECTION": "cli"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        args = ["index", "--corpus", str(corpus), "--no-progress"]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "+3 added" in first.stdout and "broken.txt" in first.output
        assert "cli.db#cli" in first.stdout
        second = CliRunner().invoke(app, args)
        assert second.exit_code == 0 and "up to date" in second.stdout
        found = CliRunner().invoke(app, ["search", "龙马物流园", "-k", "2", "--county", "洪洞"])
        assert found.exit_code == 0 and "龙马物流园" in found.stdout, found.output
        assert not (tmp_path / "index").exists()
    finally:
        get_settings.cache_clear()


class _StoredVectors:
    """The session encoder, with passages answered from an embedded index's cache."""

    def __init__(self, real, stored) -> None:  # type: ignore[no-untyped-def]
        self.real, self.stored, self.name, self.dim = real, stored, real.name, real.dim
        self.embedded = 0

    def embed_queries(self, texts):  # type: ignore[no-untyped-def]
        return self.real.embed_queries(texts)

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        import numpy as np

        from rag.index.keys import embedding_key

        out = []
        for t in texts:
            vec = self.stored.get(embedding_key(self.name, t))
            if vec is None:
                self.embedded += 1
                vec = self.real.embed_passages([t])[0]
            out.append(vec)
        return np.stack(out)


@pytest.mark.slow
def test_bundled_corpus_eval_through_milvus_is_within_0_01_of_embedded(
        corpus_settings: Settings, encoder, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "eval" / "bench"))
    from bench_retrieval import load_questions, metrics

    from rag.index.storage import read_embeddings

    reuse = _StoredVectors(encoder, read_embeddings(corpus_settings.index_dir))
    ms = corpus_settings.model_copy(update={
        "store": "milvus", "milvus_uri": str(tmp_path / "corpus.db"),
        "milvus_collection": "corpus"})
    report = build_index(ms, encoder=reuse, progress=False)
    assert report.documents == 5 and report.chunks > 250 and reuse.embedded == 0
    questions = load_questions(ROOT / "eval" / "qa.jsonl")
    scores = {}
    for name, settings in (("embedded", corpus_settings), ("milvus", ms)):
        index = HybridIndex.load(settings, encoder=encoder)
        ranked = [[h.chunk.index_text for h in index.search(q["query"], top_k=10)]
                  for q in questions]
        scores[name] = metrics(ranked, questions)
    print(scores)
    for key in ("hit@5", "mrr@10"):
        assert abs(scores["milvus"][key] - scores["embedded"][key]) <= 0.01, (key, scores)
    service = RAGService(ms, encoder=encoder)
    assert service.ask("龙马物流园进展如何？").answerable
    hits = service.search("地区生产总值增长", top_k=20, filters={"county": "绛县"})
    assert hits and {h.chunk.county for h in hits} == {"绛县"}
