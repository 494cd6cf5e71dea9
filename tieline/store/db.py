"""Engines, sessions and schema migration.

Engines are built by the entry point (CLI command, API lifespan) and passed
down; nothing here runs at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, exc, make_url
from sqlalchemy.orm import Session, sessionmaker

from tieline.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "make_async_engine", "make_engine", "make_session_factory", "migrate", "open_engine",
    "session_scope",
]  # fmt: skip

_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x7469656C  # "tiel": the advisory lock migrations hold on PostgreSQL
_SQLITE_FORMS = "sqlite:///relative/file.db or sqlite:////absolute/file.db"
_URL_FORMS = f"use {_SQLITE_FORMS} or postgresql://USER@HOST/NAME"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, pre_ping: bool = True, **kwargs: Any) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL and foreign keys.

    ``pre_ping`` (server databases) tests each pooled connection with a round trip when
    it is checked out, so one the server dropped is replaced unnoticed; without it the
    first query on such a connection fails, and the pool then replaces them all.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # psycopg 3 is the driver we ship
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=pre_ping, **kwargs)


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An asyncio engine for reads in an event loop (psycopg's async mode; aiosqlite)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.get_backend_name() == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return create_async_engine(parsed, **kwargs)


def open_engine(url: str, *, create: bool) -> Engine:
    """A connected, migrated engine for an entry point, or one clear error saying why not.

    A bad URL, a missing driver or a server that cannot be reached is a
    ``ConfigError`` with a one-line message (the password hidden), not a traceback.
    Without ``create`` a SQLite file must exist already: commands that only read must
    not leave an empty database (and its folders) behind at a mistyped path.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigError(f"not a database URL: {url!r} ({_URL_FORMS})") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(parsed, shown, create=create)
    try:
        engine = make_engine(url)
    except exc.NoSuchModuleError:
        kind = parsed.drivername
        raise ConfigError(f"unknown kind of database {kind!r} in {shown} ({_URL_FORMS})") from None
    except exc.ArgumentError as error:
        raise ConfigError(f"bad database URL {shown}: {str(error).splitlines()[0]}") from None
    except ImportError as error:
        raise ConfigError(f"no driver for {shown} is installed ({error.name})") from None
    try:
        with engine.connect():
            pass
    except exc.DBAPIError as error:  # refused, no such host/database, bad password, not SQLite
        engine.dispose()
        reason = str(error.orig or error).strip().splitlines()[0]
        raise ConfigError(f"cannot connect to the database {shown}: {reason}") from None
    migrate(engine)
    return engine


def _check_sqlite(parsed: URL, shown: str, *, create: bool) -> None:
    if parsed.host:  # sqlite://tmp/x.db: two slashes, so "tmp" is read as a host
        raise ConfigError(f"bad SQLite URL {shown}: a file is {_SQLITE_FORMS} (3 or 4 slashes)")
    database = parsed.database
    if create or not database or database == ":memory:":
        return
    path = Path(database).expanduser()
    if not path.is_file():
        raise NotFound(
            f"no database at {path.absolute()} (run `tieline ingest ...` or `tieline demo` first)"
        )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch mode rebuilds SQLite tables (copy, drop, rename); with foreign
            # keys on, dropping the old table would cascade-delete dependent rows.
            # The pragma only takes effect outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            if engine.dialect.name == "postgresql":
                # Servers starting together (workers, replicas) migrate one at a time;
                # the later ones find the schema at head and do nothing.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
