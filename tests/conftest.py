"""Shared fixtures: a fresh database per test, on SQLite and on real PostgreSQL.

``db_url`` is parametrised over both backends. PostgreSQL tests skip, with
the reason, only on a developer machine without a server; under CI
(``$CI`` set) a missing server fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.pg import PostgresUnavailable, TempPostgres, wait_ready
from tieline.config import Settings, load_settings
from tieline.store.db import make_engine, make_session_factory, migrate

DATA = Path(__file__).parent / "data"
# The public datasets live beside the project, never inside it.
SHARED_DATA = Path(
    os.environ.get("TIELINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = os.environ.get("TIELINE_TEST_POSTGRES_URL")
    server: TempPostgres | None = None
    try:
        if not url:
            server = TempPostgres()
            url = server.start()
        wait_ready(url)
    except PostgresUnavailable as exc:
        if server:
            server.stop()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL unavailable on this machine: {exc}")
    # A migrated template makes each test's fresh database a cheap copy.
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS tieline_template"))
        conn.execute(text("CREATE DATABASE tieline_template"))
    template = make_engine(url.rsplit("/", 1)[0] + "/tieline_template")
    migrate(template)
    template.dispose()
    admin.dispose()
    yield url
    if server:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tieline.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_server")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE tieline_template'))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    migrate(engine)
    with make_session_factory(engine)() as s:
        yield s
    engine.dispose()


@pytest.fixture
def make_settings(db_url: str) -> Any:
    def build(**values: Any) -> Settings:
        values.setdefault("internal_domains", ["northwind.io"])
        return load_settings(config_file=None, database_url=db_url, **values)

    return build


DEMO = Path(__file__).resolve().parents[1] / "tieline" / "demo" / "data"


@pytest.fixture(scope="session")
def scored_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo ingested and scored with the real packaged model, built once.

    Tests get their own copy through :func:`demo_copy` (scoring takes ~10 s on 2 cores).
    """
    from tieline import service

    db = tmp_path_factory.mktemp("scored-demo") / "demo.db"
    settings = demo_settings(db)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with make_session_factory(engine)() as session:
        service.ingest_email(session=session, settings=settings, paths=[DEMO / "northwind.mbox"])
        service.ingest_slack(session=session, settings=settings, paths=[DEMO / "slack"])
        service.ingest_zendesk(session=session, settings=settings, paths=[DEMO / "zendesk.json"])
        models = service.build_models(settings.nlp.model_copy(update={"threads": 2}))
        service.score(session=session, settings=settings, models=models)
        session.commit()
    with engine.connect() as conn:  # fold the WAL into the file: a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return db


def demo_settings(db: Path) -> Settings:
    return load_settings(
        config_file=DEMO / "tieline.toml", database_url=f"sqlite:///{db}", workspace="demo"
    )


def demo_copy(scored: Path, dest: Path) -> Settings:
    """A private copy of the scored demo database at ``dest``; its settings."""
    import shutil

    shutil.copyfile(scored, dest)
    return demo_settings(dest)
