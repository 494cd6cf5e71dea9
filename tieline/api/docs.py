"""``/docs`` (Swagger UI) from assets the app serves itself.

FastAPI's own page loads Swagger UI from a CDN, so it is blank offline or behind a
strict proxy. The assets come from the ``fastapi-offline`` wheel (its ``static/``
folder; Swagger UI 5, which reads OpenAPI 3.1) and are served under ``/docs-static``;
the page is FastAPI's own HTML pointed at them. There is no ``/redoc``: ReDoc loads its
logo from its CDN whatever it is told.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install"]

ASSETS = "/docs-static"


def _static_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Serve the assets and the page (the app is built with ``docs_url=None``)."""
    app.mount(ASSETS, StaticFiles(directory=_static_dir()), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} · API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png", oauth2_redirect_url=redirect,
            swagger_ui_parameters={"validatorUrl": None},  # no badge from swagger.io
        )  # fmt: skip

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
