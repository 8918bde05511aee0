"""/docs with Swagger UI served from the installed `swagger-ui-py` files (no CDN, works offline)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["install_docs", "swagger_static_dir"]

STATIC_PATH = "/docs-static"


def swagger_static_dir() -> Path | None:
    """The folder holding swagger-ui-bundle.js and swagger-ui.css, if the package is installed.

    Example:
        >>> d = swagger_static_dir()
        >>> d is None or (d / "swagger-ui-bundle.js").exists()
        True
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").exists() else None


def install_docs(app: FastAPI) -> bool:
    """Serve /docs from local files; returns False (FastAPI's CDN page stays) without them.

    Create the app with `docs_url=None` when this returns True.
    """
    static = swagger_static_dir()
    if static is None:
        return False
    app.mount(STATIC_PATH, StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API 文档",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon-32x32.png",
        )

    return True
