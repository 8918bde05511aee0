"""The MCP server over streamable HTTP at /mcp inside the API process, behind RAG_API_KEY."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from rag.api.auth import require_key
from rag.api.errors import error_body
from rag.service import RAGService
from rag.settings import Settings

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

__all__ = ["PATH", "MCPEndpoint", "mount_mcp"]

PATH = "/mcp"


class MCPEndpoint:
    """The ASGI endpoint at /mcp: checks the key, then hands the request to the SDK's
    session manager (stateless, JSON responses), which `running()` starts with the app.

    Example:
        >>> app = FastAPI()
        >>> endpoint = mount_mcp(app, RAGService(Settings()), Settings())
        >>> any(getattr(r, "path", None) == "/mcp" for r in app.routes)
        True
    """

    def __init__(self, server: MCPServer, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run a fresh session manager for the app's lifetime (one per lifespan)."""
        self.server.streamable_http_app(
            streamable_http_path=PATH, stateless_http=True, json_response=True,
            host=self.settings.host,  # loopback: the SDK's DNS-rebinding (Host) check is on
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            require_key(request)
        except HTTPException as exc:
            body = error_body(request, str(exc.detail), "HTTPError")
            await JSONResponse(body, exc.status_code, headers=exc.headers)(scope, receive, send)
            return
        if self.manager is None:
            body = error_body(request, "MCP 服务未启动 (the MCP server is not running)",
                              "HTTPError")
            await JSONResponse(body, 503)(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)


def mount_mcp(app: FastAPI, service: RAGService, settings: Settings,
              gate: Any | None = None) -> MCPEndpoint:
    """Add the /mcp route to `app`; enter `endpoint.running()` in the app's lifespan."""
    from rag.mcp.server import build_server  # the mcp SDK: only when mounted

    server = build_server(service, gate=gate, timeout_s=settings.request_timeout_s)
    endpoint = MCPEndpoint(server, settings)
    app.router.routes.append(Route(PATH, endpoint, methods=["GET", "POST", "DELETE"],
                                   include_in_schema=False))
    return endpoint
