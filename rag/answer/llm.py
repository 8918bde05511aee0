"""A minimal OpenAI-compatible `/chat/completions` client (httpx), plain and streaming."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from rag.exceptions import LLMError
from rag.settings import Settings

__all__ = ["ChatClient", "client_from_settings"]


class ChatClient:
    """Talks to any OpenAI-compatible chat endpoint; every failure becomes `LLMError`.

    Example:
        >>> llm = ChatClient("http://127.0.0.1:8080/v1", "qwen2.5-7b-instruct")  # doctest: +SKIP
        >>> llm.chat([{"role": "user", "content": "你好"}])  # doctest: +SKIP
        '你好！'
    """

    def __init__(
        self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 20.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers,
                                  timeout=httpx.Timeout(timeout_s))

    def _body(self, messages: list[dict[str, str]], stream: bool) -> dict[str, Any]:
        return {"model": self.model, "messages": messages, "temperature": 0.1, "stream": stream}

    @contextmanager
    def _errors(self) -> Iterator[None]:
        # Every transport or format failure becomes one LLMError that says what happened
        try:
            yield
        except httpx.TimeoutException as e:
            raise LLMError(f"LLM timed out after {self.timeout_s}s") from e
        except httpx.HTTPStatusError as e:
            raise LLMError(f"LLM endpoint answered HTTP {e.response.status_code}") from e
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as e:
            raise LLMError(f"LLM endpoint failed: {type(e).__name__}: {e}") from e

    def chat(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply text."""
        with self._errors():
            r = self._http.post("/chat/completions", json=self._body(messages, False))
            r.raise_for_status()
            return str(r.json()["choices"][0]["message"]["content"] or "")

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The reply as text deltas (server-sent `data:` lines, ending with `[DONE]`)."""
        with self._errors(), self._http.stream(
            "POST", "/chat/completions", json=self._body(messages, True)
        ) as r:
            r.raise_for_status()
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield str(delta)

    def close(self) -> None:
        self._http.close()


_CLIENTS: dict[tuple[str, str, str | None, float], ChatClient] = {}


def client_from_settings(settings: Settings) -> ChatClient | None:
    """The configured client (one per configuration), or None when no LLM is configured."""
    if not settings.llm_base_url or not settings.llm_model:
        return None
    key = (settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_s)
    if key not in _CLIENTS:
        _CLIENTS[key] = ChatClient(*key)
    return _CLIENTS[key]
