"""HTTP API. ``create_app()`` builds the FastAPI app; engines are created in its lifespan.

Routes: ``/v1`` resources (``routes``, with the weekly digest of ``routes_digest``), the
accounts page and stakeholder maps (``web``) and ``/healthz``. Every ``/v1`` request
authenticates with ``X-API-Key``; errors are problem+json (``errors``).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from sqlalchemy import text

from tieline import __version__
from tieline.api import accesslog, docs, errors, ratelimit, routes, web
from tieline.api.authlimit import AuthThrottle
from tieline.api.deps import KeyCache
from tieline.api.hot import HotReads
from tieline.api.security import SecurityHeaders
from tieline.api.workers import IngestWorkers
from tieline.config import Settings, get_settings
from tieline.service.views import ListCache

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _run_in_worker(workers: IngestWorkers, folder: Path, job_id: int, settings: Settings) -> bool:
    return workers.run(job_id, settings=settings, upload_dir=folder)


def _recover_jobs(app: FastAPI, stop: threading.Event) -> None:
    """Ingest jobs a stopped server left behind: at startup, then every few minutes; run
    in the app's ingest workers like uploads."""
    from tieline.service import jobs

    while not stop.is_set():
        try:
            folder = getattr(app.state, "upload_dir", None)
            folder = folder or jobs.default_upload_dir(app.state.settings.database_url)
            workers: IngestWorkers = app.state.ingest_workers
            ran = jobs.recover_jobs(
                sessions=app.state.sessions, settings=app.state.settings, upload_dir=folder,
                run=functools.partial(_run_in_worker, workers, folder),
            )  # fmt: skip
            if ran:
                log.warning("recovered interrupted ingest jobs %s", ran)
        except Exception:  # a database that is down now may be back at the next sweep
            if stop.is_set():  # the server is stopping and stopped the job's worker
                break
            log.exception("ingest job recovery failed")
        stop.wait(jobs.STALE_AFTER.total_seconds() / 2)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app; ``settings`` default to the process environment and config file."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from tieline.store.db import make_async_engine, make_engine, make_session_factory, migrate

        cfg = settings or get_settings()
        accesslog.install()  # after uvicorn has set its loggers up
        # Sync endpoints run on anyio's threads (``[api] threads``); a request keeps its
        # connection from its endpoint's first query until the commit, which runs on
        # threads of its own (``end_limiter``): a commit never waits behind endpoints that
        # wait for a connection, so a full pool only queues requests, it cannot stall them.
        engine = make_engine(
            cfg.database_url, pool_size=cfg.api.db_pool_size,
            max_overflow=cfg.api.db_max_overflow, pool_timeout=10, pre_ping=cfg.api.db_pre_ping,
        )  # fmt: skip
        migrate(engine)
        app.state.settings = cfg
        app.state.engine = engine
        app.state.sessions = make_session_factory(engine)
        # Reads that need no transaction, on connections of their own that stay in
        # autocommit: no BEGIN and COMMIT round trips, no switching modes per request.
        # Used on worker threads only, so never more at once than there are threads.
        readers = make_engine(
            cfg.database_url, isolation_level="AUTOCOMMIT", pool_size=cfg.api.threads,
            max_overflow=0, pool_timeout=10, pre_ping=cfg.api.db_pre_ping,
        )  # fmt: skip
        app.state.read_sessions = make_session_factory(readers)
        # The account detail's read, in the event loop itself: measured under mixed load
        # on one worker, a third more requests/s than the same read on worker threads
        # (no GIL hand-offs). More reads at once than connections wait their turn.
        app.state.async_readers = make_async_engine(
            cfg.database_url, isolation_level="AUTOCOMMIT", pool_size=cfg.api.threads,
            max_overflow=0, pool_timeout=10,
        )  # fmt: skip
        anyio.to_thread.current_default_thread_limiter().total_tokens = cfg.api.threads
        app.state.end_limiter = anyio.CapacityLimiter(40)
        app.state.account_list_cache = ListCache(fresh_seconds=cfg.api.list_cache_seconds)
        app.state.key_cache = KeyCache(seconds=cfg.api.key_cache_seconds)
        per_minute = cfg.api.rate_limit_per_minute  # 0: no limit
        limiter = ratelimit.RateLimiter(per_minute=per_minute) if per_minute else None
        app.state.rate_limiter = limiter
        failures = cfg.api.auth_failures_per_minute  # 0: no limit
        app.state.auth_throttle = AuthThrottle(per_minute=failures) if failures else None
        app.state.ingest_workers = IngestWorkers(processes=cfg.api.ingest_workers)
        stop = threading.Event()
        sweeper = threading.Thread(
            target=_recover_jobs, args=(app, stop), name="tieline-job-recovery", daemon=True
        )
        sweeper.start()
        yield
        stop.set()
        # Off the event loop: a running job gets its grace period. Also ends a sweep
        # waiting on a worker.
        await anyio.to_thread.run_sync(app.state.ingest_workers.close)
        sweeper.join(5)
        await app.state.async_readers.dispose()
        readers.dispose()
        engine.dispose()

    # /docs from the app's own assets (FastAPI's loads them from a CDN); no /redoc.
    app = FastAPI(
        title="Tieline", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    docs.install(app)
    app.state.key_cache = KeyCache()  # the lifespan sets the configured ones
    errors.install(app)
    ratelimit.install(app)
    app.add_middleware(HotReads)
    app.add_middleware(SecurityHeaders)  # outermost: every response, the hot reads' too
    app.include_router(routes.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")

    @app.get("/healthz", tags=["meta"])
    def healthz(request: Request) -> dict[str, Any]:
        """Liveness and database reachability."""
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "pid": os.getpid()}

    return app
