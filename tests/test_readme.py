"""The README keeps its promises: the two commands, and every setting documented."""

from __future__ import annotations

from pathlib import Path

from rag.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_are_there_and_ci_runs_the_test_one() -> None:
    assert "make run" in README and "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nmake test\n" in ci


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.model_fields if f"`RAG_{name.upper()}`" not in README]
    assert not missing, f"README lacks settings: {missing}"
