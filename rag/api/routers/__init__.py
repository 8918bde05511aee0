"""One router per resource: ask, search, documents, health."""

from __future__ import annotations
