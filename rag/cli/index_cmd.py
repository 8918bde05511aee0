"""`rag index` (placeholder until its stage lands)."""

from __future__ import annotations
