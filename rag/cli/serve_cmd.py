"""`rag serve`: the API and the chat page in one process (uvicorn)."""

from __future__ import annotations

import typer

from rag.cli import app


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (default settings.host)"),
    port: int | None = typer.Option(None, "--port", help="Port (default settings.port, 8000)"),
    no_ui: bool = typer.Option(False, "--no-ui", help="Serve only the API, not the chat page"),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level"),
) -> None:
    """Serve the chat page at / and the API (/ask, /search, /documents, /health, /docs).

    Example: rag serve --port 8000   → open http://127.0.0.1:8000/
    """
    import logging

    import uvicorn

    from rag.api import create_app
    from rag.settings import get_settings

    settings = get_settings()
    updates: dict[str, object] = {}
    if host:
        updates["host"] = host
    if port:
        updates["port"] = port
    if no_ui:
        updates["ui"] = False
    settings = settings.model_copy(update=updates)

    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=log_level.upper(), format=fmt)
    # faiss announces each CPU-feature loader it tries at INFO: only its problems matter here
    logging.getLogger("faiss.loader").setLevel(
        max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    application = create_app(settings)
    typer.echo(f"政务文档问答: http://{settings.host}:{settings.port}/  (API docs: /docs)")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level=log_level,
                access_log=False, timeout_graceful_shutdown=5)
