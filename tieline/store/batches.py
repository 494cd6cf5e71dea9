"""Store an ingest batch so that one bad record never costs the records around it.

A batch is written inside a savepoint. When the database refuses it (a value
the sanitising step did not foresee, a row another ingest wrote meanwhile),
the savepoint is rolled back and the records are written one at a time, each
in its own savepoint: the good ones are stored, a refused one is recorded as
skipped with the database's reason, and the ingest goes on. Errors that say
the database itself is unwell (lost connection, locked file) are raised: they
would refuse every record alike.

``ingest_lock`` serialises ingests into one workspace, across threads and
processes: the second waits for the first, then finds its records stored.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy import func as sa_func
from sqlalchemy.orm import Session, SessionTransaction

from tieline import domain
from tieline.store import repository as repo

__all__ = ["BatchResult", "UNSTORABLE", "ingest_lock", "savepoint", "store_batch"]

# The skip reason of a record the database refused.
UNSTORABLE = "database refused the record"

Resolve = Callable[[domain.Message], tuple[tuple[int, int], list[tuple[str, int, int]]]]


@dataclass
class BatchResult:
    new_messages: int = 0
    new_skipped: int = 0
    # Records the database refused, now among the skipped ones; by reason.
    refused: Counter[str] | None = None


def savepoint(session: Session) -> SessionTransaction:
    """``session.begin_nested()``, also on SQLite's Python driver.

    pysqlite opens its transaction only before a write, so a SAVEPOINT first
    in a transaction starts one of its own, and releasing it commits: the
    caller's transaction would end early. An explicit BEGIN comes first then.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    return session.begin_nested()


def _refusal(exc: BaseException) -> bool:
    """Whether ``exc`` refuses this record (not the database or the connection)."""
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return False
        # OperationalError is the server's or the file's state; on PostgreSQL a
        # deadlock or serialisation failure is one too, but passes on a retry.
        return not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    # Bind-time errors: a value the driver or a column type cannot take.
    return isinstance(exc, sa_exc.StatementError | ValueError | TypeError | UnicodeError)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line}"[:1000]


def store_batch(
    session: Session,
    *,
    workspace_id: int,
    source_id: int,
    messages: Sequence[domain.Message],
    skipped: Sequence[domain.Skipped],
    resolve: Resolve,
    on_rollback: Callable[[], None],
) -> BatchResult:
    """Store one batch; a record the database refuses is recorded as skipped instead.

    ``on_rollback`` is called after each rolled-back savepoint: caches of rows
    written inside it (the people directory) must forget them.
    """
    result = BatchResult()
    refused: list[domain.Skipped] = []
    try:
        with savepoint(session):
            result.new_messages = repo.add_messages(
                session, workspace_id=workspace_id, source_id=source_id, messages=messages,
                resolve=resolve,
            )  # fmt: skip
    except Exception as exc:
        if not _refusal(exc):
            raise
        on_rollback()
        for m in messages:
            try:
                with savepoint(session):
                    result.new_messages += repo.add_messages(
                        session, workspace_id=workspace_id, source_id=source_id, messages=[m],
                        resolve=resolve,
                    )  # fmt: skip
            except Exception as one:
                if not _refusal(one):
                    raise
                on_rollback()
                refused.append(
                    domain.Skipped(m.locator or m.external_id, UNSTORABLE, _reason(one),
                                   m.external_id)
                )  # fmt: skip
    result.refused = Counter(s.reason for s in refused)
    result.new_skipped = _add_skipped(
        session, workspace_id=workspace_id, source_id=source_id, skipped=[*skipped, *refused]
    )
    return result


def _add_skipped(
    session: Session, *, workspace_id: int, source_id: int, skipped: Sequence[domain.Skipped]
) -> int:
    try:
        with savepoint(session):
            return repo.add_skipped(
                session, workspace_id=workspace_id, source_id=source_id, skipped=skipped
            )
    except Exception as exc:
        if not _refusal(exc):
            raise
    new = 0
    for s in skipped:  # a skip record the database refuses is lost, not the batch
        try:
            with savepoint(session):
                new += repo.add_skipped(
                    session, workspace_id=workspace_id, source_id=source_id, skipped=[s]
                )
        except Exception as exc:
            if not _refusal(exc):
                raise
    return new


_held = threading.local()  # lock keys this thread holds, with how often (re-entry)


@contextmanager
def ingest_lock(session: Session, workspace: str) -> Iterator[None]:
    """Hold the workspace's ingest lock: another ingest into it waits until this one ends.

    PostgreSQL: an advisory lock on a connection of its own (released if the
    process dies). SQLite: ``flock`` on a file beside the database, which also
    separates threads of one process. Re-entrant within a thread.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = f"{engine.url.render_as_string(hide_password=True)}|{workspace}"
    held: Counter[str] = _held.__dict__.setdefault("keys", Counter())
    if held[key]:
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    with _acquire(engine, workspace):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1


@contextmanager
def _acquire(engine: Engine, workspace: str) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        lock_id = int.from_bytes(
            hashlib.sha256(f"tieline-ingest|{workspace}".encode()).digest()[:8], "big", signed=True
        )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(select(sa_func.pg_advisory_lock(lock_id)))
            try:
                yield
            finally:
                conn.execute(select(sa_func.pg_advisory_unlock(lock_id)))
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # one connection, or a database we know no lock for
        return
    import fcntl

    digest = hashlib.sha256(workspace.encode()).hexdigest()[:12]
    path = Path(database).expanduser().with_name(f"{Path(database).name}.ingest-{digest}.lock")
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
