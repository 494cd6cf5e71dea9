"""HTTP API. ``create_app()`` builds the FastAPI app; engines are created in its lifespan.

Routes: ``/v1`` resources (``routes``, with the weekly digest of ``routes_digest``), the
accounts page and stakeholder maps (``web``) and ``/healthz``. Every ``/v1`` request
authenticates with ``X-API-Key``; errors are problem+json (``errors``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text

from tieline import __version__
from tieline.api import errors, ratelimit, routes, web
from tieline.config import Settings, get_settings
from tieline.service.views import ListCache

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app; ``settings`` default to the process environment and config file."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from tieline.store.db import make_engine, make_session_factory, migrate

        cfg = settings or get_settings()
        # Endpoints run in a pool of up to 40 threads, each holding a session for the
        # whole request: the connection pool must not be smaller, or requests queue on
        # connections held by requests that wait for a thread (a stall, not slowness).
        engine = make_engine(cfg.database_url, pool_size=20, max_overflow=40, pool_timeout=10)
        migrate(engine)
        app.state.settings = cfg
        app.state.engine = engine
        app.state.sessions = make_session_factory(engine)
        app.state.account_list_cache = ListCache()
        yield
        engine.dispose()

    app = FastAPI(title="Tieline", version=__version__, lifespan=lifespan)
    errors.install(app)
    ratelimit.install(app)
    app.include_router(routes.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")

    @app.get("/healthz", tags=["meta"])
    def healthz(request: Request) -> dict[str, Any]:
        """Liveness and database reachability."""
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app
