"""Fusion methods: small pure functions picked by name (`settings.fusion`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rag.exceptions import ConfigError
from rag.fusion.minmax import minmax
from rag.fusion.rrf import rrf
from rag.fusion.zscore import zscore

__all__ = ["FUSIONS", "FusionFn", "get_fusion", "minmax", "rrf", "zscore"]

FusionFn = Callable[
    [Mapping[str, Sequence[tuple[int, float]]], Mapping[str, float], int], dict[int, float]
]

FUSIONS: dict[str, FusionFn] = {"rrf": rrf, "minmax": minmax, "zscore": zscore}


def get_fusion(name: str) -> FusionFn:
    """The fusion function called `name`.

    Example:
        >>> get_fusion("rrf") is rrf
        True
    """
    try:
        return FUSIONS[name]
    except KeyError:
        raise ConfigError(
            f"unknown fusion method {name!r}; valid: {', '.join(sorted(FUSIONS))}"
        ) from None
