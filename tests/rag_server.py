"""Test helper: a real `rag serve` subprocess (or an app under uvicorn) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["ROOT", "free_port", "rag_env", "rag_serve", "serve_app"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rag_env(**settings: str) -> dict[str, str]:
    """The environment for a `rag` subprocess: this checkout first on PYTHONPATH, no LLM,
    no RAG_* from the caller except `settings` (e.g. RAG_INDEX_DIR)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    path = os.environ.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env.update(settings)
    return env


@contextmanager
def rag_serve(env: dict[str, str], timeout: float = 240) -> Iterator[str]:
    """Start `python -m rag.cli serve --no-ui` with `env`; yield its base URL once /health
    answers; stop it afterwards. The server's log is shown when it fails to start."""
    port = free_port()
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--no-ui", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]
    with tempfile.TemporaryDirectory() as cwd, open(Path(cwd) / "serve.log", "w+") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"rag serve did not start:\n{log.read()[-3000:]}")
                try:
                    httpx.get(f"{url}/health", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """An ASGI `app` (e.g. `create_app(service=...)`) under uvicorn in a thread on a free
    loopback port, for tests that reach into the running service (its gate, its encoder)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
