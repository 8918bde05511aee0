"""The API key: who may write, and who may use the /v1 and /mcp interfaces."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import HTTPException

from rag.settings import Settings

__all__ = ["KeyDep", "WriteDep", "bearer_token", "key_ok", "loopback", "require_key",
           "require_write"]

_KEY_MISSING = ("需要 API 密钥：请在请求头中加入 Authorization: Bearer <RAG_API_KEY> "
                "(missing or wrong API key: send Authorization: Bearer <key>)")
_NO_KEY_REMOTE = ("未设置 RAG_API_KEY 时，只允许本机 (127.0.0.1) 写入 "
                  "(no RAG_API_KEY set: writes are allowed only on a loopback-bound server)")


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header (or `X-API-Key`), if any.

    Example:
        >>> from starlette.requests import Request as R
        >>> bearer_token(R({"type": "http", "headers": [(b"authorization", b"Bearer k1")]}))
        'k1'
    """
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def key_ok(settings: Settings, token: str | None) -> bool:
    """Whether `token` matches the configured key (always True when none is set)."""
    if not settings.api_key:
        return True
    return token is not None and hmac.compare_digest(token.encode(), settings.api_key.encode())


def loopback(host: str | None) -> bool:
    """Whether `host` (a bind address or a client address) is this machine.

    Example:
        >>> loopback("127.0.0.1"), loopback("::1"), loopback("0.0.0.0")
        (True, True, False)
    """
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_key(request: Request) -> None:
    """Reading interfaces behind the key (/v1, /mcp): 401 when a key is set and not sent."""
    if not key_ok(_settings(request), bearer_token(request)):
        raise HTTPException(401, _KEY_MISSING, headers={"WWW-Authenticate": "Bearer"})


def require_write(request: Request) -> None:
    """Write routes: the key when one is set; with none, only a loopback-bound server
    (and a loopback client) may write."""
    settings = _settings(request)
    if settings.api_key:
        require_key(request)
        return
    client = request.client.host if request.client else None
    if not (loopback(settings.host) and loopback(client)):
        raise HTTPException(403, _NO_KEY_REMOTE)


KeyDep = Annotated[None, Depends(require_key)]
WriteDep = Annotated[None, Depends(require_write)]
