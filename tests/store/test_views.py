"""``store.views``: the account detail's one-query overview, sync and on asyncio."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tieline.domain import Address, RecipientKind
from tieline.ingest.threads import build_threads
from tieline.store import facts, views
from tieline.store import repository as repo
from tieline.store.db import make_async_engine
from tieline.store.models import Account

from .test_repository import _add, _msg


def test_the_overview_is_the_same_in_both_modes_on_both_databases(
    session: Session, db_url: str
) -> None:
    ws = repo.ensure_workspace(session, "w")
    src = repo.ensure_source(session, workspace_id=ws, kind="email", name="email")
    repo.configure_account(session, workspace_id=ws, name="Acme", domains=["acme.com"])
    sam, dana = Address("sam@northwind.io", "Sam Ortiz"), Address("dana@acme.com", "Dana")
    _add(session, ws, src, [
        _msg("a", 2), _msg("b", 3, subject="Re: Plan", in_reply_to="a"),
        _msg("c", 5, subject="Other", author=sam, recipients=((RecipientKind.TO, dana),)),
    ])  # fmt: skip
    repo.rethread(session, workspace_id=ws, build=build_threads)
    facts.refresh_activity(session, workspace_id=ws)
    acme = session.scalar(select(Account.id).where(Account.workspace_id == ws))
    assert acme is not None
    payload = {"health": {"score": 61.5, "band": "yellow"}, "flags": {}, "gone_dark": True}
    for on, score in ((date(2026, 3, 1), 70.0), (date(2026, 3, 8), 61.5)):
        facts.save_snapshots(session, workspace_id=ws, on=on, rows=[
            {"account_id": acme, "score": score, "band": "yellow", "payload": payload},
        ])  # fmt: skip
    session.commit()

    overview = views.account_overview(session, workspace_id=ws, account_id=acme)
    assert overview is not None
    assert (overview.name, overview.domains, overview.people) == ("Acme", ["acme.com"], 1)
    assert (overview.messages, overview.threads) == (3, 2)  # a with its reply, and c
    assert overview.last_message_at == datetime(2026, 3, 5, 12, tzinfo=UTC)
    assert overview.snapshot_on == date(2026, 3, 8) and overview.payload == payload
    assert views.account_overview(session, workspace_id=ws + 1, account_id=acme) is None

    async def on_asyncio() -> list[views.AccountOverview | None]:
        engine = make_async_engine(db_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                return [
                    await views.account_overview_async(conn, workspace_id=w, account_id=acme)
                    for w in (ws, ws + 1)
                    for _ in range(6)  # past psycopg's threshold: prepared, then reused
                ]
        finally:
            await engine.dispose()

    found = asyncio.run(on_asyncio())
    assert found[:6] == [overview] * 6 and found[6:] == [None] * 6


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from tieline.store import db

    cfg = Config()
    cfg.set_main_option("script_location", str(db._MIGRATIONS))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # batch rebuilds must not cascade deletes
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, revision)
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def test_activity_is_backfilled_by_its_migration_and_follows_merges(db_url: str) -> None:
    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory, migrate
    from tieline.store.models import AccountActivity, Person

    engine = make_engine(db_url)
    migrate(engine)
    with make_session_factory(engine)() as session:
        ws = repo.ensure_workspace(session, "w")
        src = repo.ensure_source(session, workspace_id=ws, kind="email", name="email")
        for name, dom in (("Acme", "acme.com"), ("Globex", "globex.com")):
            repo.configure_account(session, workspace_id=ws, name=name, domains=[dom])
        kim = Address("kim@globex.com", "Kim")
        _add(session, ws, src, [_msg("a", 2), _msg("b", 3, in_reply_to="a"),
                                _msg("c", 4, author=kim)])  # fmt: skip
        repo.rethread(session, workspace_id=ws, build=build_threads)
        session.commit()
    _downgrade(engine, "0015")  # the rows as they stood before account_activity existed
    migrate(engine)

    def activity(session: Session) -> dict[str, tuple[int, int]]:
        rows = session.execute(
            select(Account.name, AccountActivity.messages, AccountActivity.threads)
            .join(AccountActivity, AccountActivity.account_id == Account.id)
        )  # fmt: skip
        return {name: (messages, threads) for name, messages, threads in rows}

    with make_session_factory(engine)() as session:
        assert activity(session) == {"Acme": (2, 1), "Globex": (1, 1)}
        dana, kim_id = (
            session.scalar(select(Person.id).where(Person.name == name))
            for name in ("Dana Whitfield", "Kim")
        )
        assert dana is not None and kim_id is not None
        settings = load_settings(config_file=None, database_url=db_url, workspace="w")
        service.merge_people(session=session, settings=settings, target=dana, others=[kim_id])
        assert activity(session) == {"Acme": (3, 2)}  # Kim's message is Dana's, at Acme
        session.commit()
    engine.dispose()
