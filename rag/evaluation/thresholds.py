"""Quality gate: metric floors (and optional ceilings) read from TOML or JSON."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from rag.evaluation.harness import EXTRA_METRICS, LODO_METRICS, METRICS
from rag.exceptions import ConfigError

__all__ = ["GATEABLE", "Thresholds", "load_thresholds", "check_thresholds"]

# Every metric a bound may name; lodo_* exist only in runs with --leave-doc-out
GATEABLE: tuple[str, ...] = (*METRICS, *EXTRA_METRICS, *LODO_METRICS)
# {"min": {metric: floor}, "max": {metric: ceiling}, "by_type": {type: {"min": .., "max": ..}}}
Thresholds = dict[str, Any]


def load_thresholds(path: str | Path) -> Thresholds:
    """Read and validate a thresholds file (`.toml` or `.json`).

    Example file (TOML)::

        [min]
        "hit@5" = 0.90
        [max]
        latency_ms_p95 = 2000
        [by_type.unanswerable.min]
        abstain_recall = 0.5

    Raises:
        ConfigError: missing file, bad syntax, unknown section or metric, non-number value.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"thresholds file not found: {p}")
    try:
        raw = p.read_text(encoding="utf-8")
        data = json.loads(raw) if p.suffix == ".json" else tomllib.loads(raw)
    except (OSError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise ConfigError(f"cannot parse thresholds file {p}: {exc}") from exc
    _validate(data, str(p))
    return data


def check_thresholds(result: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """Every violated bound as a readable line; an empty list means the gate passes.

    `result` is `EvalRun.to_dict()`. An undefined (None) metric that has a bound fails.

    Example:
        >>> check_thresholds({"overall": {"hit@5": 0.8}, "by_type": {}}, {"min": {"hit@5": 0.9}})
        ['overall hit@5 = 0.8 is below its floor 0.9']
    """
    groups: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("overall", result.get("overall", {}), thresholds)
    ]
    for qtype, bounds in thresholds.get("by_type", {}).items():
        groups.append((f"type {qtype}", result.get("by_type", {}).get(qtype, {}), bounds))

    problems = []
    for name, row, bounds in groups:
        for metric, floor in bounds.get("min", {}).items():
            value = row.get(metric)
            if value is None:
                problems.append(f"{name} {metric} is undefined (floor {floor:g})")
            elif value < floor:
                problems.append(f"{name} {metric} = {value:g} is below its floor {floor:g}")
        for metric, ceiling in bounds.get("max", {}).items():
            value = row.get(metric)
            if value is None:
                problems.append(f"{name} {metric} is undefined (ceiling {ceiling:g})")
            elif value > ceiling:
                problems.append(f"{name} {metric} = {value:g} is above its ceiling {ceiling:g}")
    return problems


def _validate(data: Any, where: str, nested: bool = False) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table of bounds")
    allowed = {"min", "max"} if nested else {"min", "max", "by_type"}
    for key, value in data.items():
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown section {key!r} (valid: {', '.join(sorted(allowed))})"
            )
        if key == "by_type":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [by_type] must hold one table per question type")
            for qtype, bounds in value.items():
                _validate(bounds, f"{where} [by_type.{qtype}]", nested=True)
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{key}] must be a table of metric = number")
        for metric, bound in value.items():
            if metric not in GATEABLE:
                raise ConfigError(
                    f"{where}: unknown metric {metric!r} in [{key}] (valid: {', '.join(GATEABLE)})"
                )
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise ConfigError(f"{where}: {metric} in [{key}] must be a number, got {bound!r}")
