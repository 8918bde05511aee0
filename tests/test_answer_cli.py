"""`rag ask` end to end over the real tiny index (settings from RAG_* env vars)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rag.cli import app
from rag.settings import get_settings


@pytest.fixture()
def env(tiny_index: Any, tiny_settings: Any) -> Iterator[dict[str, str]]:
    get_settings.cache_clear()
    yield {"RAG_INDEX_DIR": str(tiny_settings.index_dir),
           "RAG_CORPUS_DIR": str(tiny_settings.corpus_dir), "RAG_NUM_THREADS": "1"}
    get_settings.cache_clear()


def test_ask_prints_answer_with_sources(env: dict[str, str]) -> None:
    res = CliRunner().invoke(app, ["ask", "龙马物流园进展如何？", "--top-k", "3"], env=env)
    assert res.exit_code == 0, res.output
    assert "[1]" in res.output and "来源" in res.output and "第49个内陆港" in res.output
    assert "洪洞县2024年政府工作报告解读 › 一、2023年工作回顾" in res.output


def test_ask_json_is_the_api_shape(env: dict[str, str]) -> None:
    res = CliRunner().invoke(app, ["ask", "绛县地区生产总值增长多少？", "--json",
                                   "--county", "绛县"], env=env)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"answer", "answerable", "citations", "passages", "rewritten_question",
            "timings_ms"} <= set(data)
    assert data["answerable"] and data["citations"][0]["county"] == "绛县"
    assert all(p["county"] == "绛县" for p in data["passages"])


def test_ask_abstains_and_shows_closest(env: dict[str, str]) -> None:
    res = CliRunner().invoke(app, ["ask", "霍州2024年GDP增长多少？"], env=env)
    assert res.exit_code == 0 and "现有资料中没有找到关于霍州" in res.output
    assert "最接近的资料" in res.output


def test_ask_errors_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["ask", "   "], env=env)
    assert res.exit_code == 2 and "问题不能为空" in res.output
    missing = dict(env, RAG_INDEX_DIR=str(tmp_path / "none"))
    get_settings.cache_clear()
    res = CliRunner().invoke(app, ["ask", "龙马物流园进展如何？"], env=missing)
    assert res.exit_code == 2 and "rag index" in res.output
    res = CliRunner().invoke(app, ["ask", "龙马物流园", "--top-k", "0"], env=env)
    assert res.exit_code == 2 and "top_k" in res.output
