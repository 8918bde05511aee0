"""The index stage: build (incremental, atomic) and load/search (`HybridIndex`).

Example:
    >>> from rag.index.build import build_index          # doctest: +SKIP
    >>> from rag.index.hybrid import HybridIndex         # doctest: +SKIP
    >>> build_index(settings)                            # doctest: +SKIP
    >>> HybridIndex.load(settings).search("龙马物流园进展如何")  # doctest: +SKIP
"""

from __future__ import annotations
