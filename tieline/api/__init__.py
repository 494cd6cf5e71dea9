"""HTTP API. ``create_app()`` builds the FastAPI app; engines are created in its lifespan.

Issue #5 adds the ``/v1`` resources, auth and the web pages; for now the app
serves a health probe so ``tieline serve`` and the container work end to end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text

from tieline import __version__
from tieline.api import errors
from tieline.config import Settings, get_settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app; ``settings`` default to the process environment and config file."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from tieline.store.db import make_engine, make_session_factory, migrate

        cfg = settings or get_settings()
        engine = make_engine(cfg.database_url)
        migrate(engine)
        app.state.settings = cfg
        app.state.engine = engine
        app.state.sessions = make_session_factory(engine)
        yield
        engine.dispose()

    app = FastAPI(title="Tieline", version=__version__, lifespan=lifespan)
    errors.install(app)

    @app.get("/healthz", tags=["meta"])
    def healthz(request: Request) -> dict[str, Any]:
        """Liveness and database reachability."""
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app
