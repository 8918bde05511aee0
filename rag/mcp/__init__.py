"""The knowledge base over the Model Context Protocol: tools, stdio (`rag mcp`) and /mcp.

`rag.mcp.server.build_server` needs the `mcp` package; importing this package does not.
"""

from __future__ import annotations

__all__: list[str] = []
