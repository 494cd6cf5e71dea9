"""Fixtures for the /v1 API: two workspaces with data (the same mailbox ingested into each),
a key per workspace and a revoked key, an app on the ``db_url`` backend (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import DATA
from tieline import service
from tieline.api import create_app
from tieline.api.authlimit import AuthThrottle
from tieline.api.ratelimit import RateLimiter
from tieline.config import Settings, load_settings
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import FakeModel
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store.db import make_engine, make_session_factory, migrate
from tieline.store.models import Account, Message, OpenItemRow, Person

MODELS = service.Models(sentiment=FakeModel(), split=SentenceSplitter())
# Extra accounts with hand-made snapshots: enough rows to page through and filter on.
EXTRA = [("Bluth Co", 35.0, "red", 2, ["gone_dark"]), ("Cyberdyne", 55.5, "yellow", 3, []),
         ("Dunder Mifflin", 55.5, "yellow", 2, ["single_threaded"]),
         ("Empire Records", 82.0, "green", 5, []), ("Frobozz", 12.0, "red", 1,
         ["churn_risk", "gone_dark"]), ("Gringotts", None, None, None, [])]  # fmt: skip


@dataclass
class Workspace:
    name: str
    key: str
    account_id: int  # Acme Logistics
    person_id: int  # an external person of Acme
    message_id: int
    item_id: int
    accounts: dict[str, int] = field(default_factory=dict)


@dataclass
class Api:
    client: TestClient
    a: Workspace
    b: Workspace
    revoked_key: str
    settings: Settings

    def get(self, path: str, ws: Workspace | None = None, **params: Any) -> Any:
        key = (ws or self.a).key
        return self.client.get(path, params=params or None, headers={"X-API-Key": key})


def _settings(db_url: str, workspace: str) -> Settings:
    return load_settings(
        config_file=None, database_url=db_url, workspace=workspace,
        internal_domains=["northwind.io"],
        # A week of mail: score it from the first exchange on (issue 13's minimums are
        # for real mailboxes), so the two snapshots give a trend.
        health={"minimums": {"inbound": 1, "components": 1}},
    )  # fmt: skip


def _fill(db_url: str, name: str, *, extra: bool) -> tuple[Workspace, str]:
    engine = make_engine(db_url)
    migrate(engine)
    settings = _settings(db_url, name)
    with make_session_factory(engine)() as session:
        service.ingest_email(
            session=session, settings=settings, paths=[DATA / "email" / "signals.mbox"]
        )
        service.score(session=session, settings=settings, models=MODELS)
        for day in (date(2026, 11, 5), date(2026, 11, 12)):
            service.take_snapshot(
                session=session, settings=settings,
                as_of=datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC),
            )  # fmt: skip
        ws = repo.get_workspace_id(session, name)
        accounts = {a.name: a.id for a in session.scalars(
            select(Account).where(Account.workspace_id == ws))}  # fmt: skip
        if extra:
            for acc, score, band, rel, flags in EXTRA:
                aid = repo.configure_account(
                    session, workspace_id=ws, name=acc, domains=[acc.split()[0].lower() + ".com"]
                )
                accounts[acc] = aid
                if score is not None:
                    facts.save_snapshots(session, workspace_id=ws, on=date(2026, 11, 12), rows=[
                        {"account_id": aid, "score": score, "band": band, "relationship": rel,
                         "flags": flags, "payload": {"health": {"score": score, "band": band,
                         "trend": None, "raw_mean": score, "missing": [], "ignored": [],
                         "components": {}, "reasons": []}}}])  # fmt: skip
        acme = accounts["Acme Logistics"]
        person = session.scalar(
            select(Person.id).where(Person.workspace_id == ws, Person.account_id == acme)
            .order_by(Person.id)
        )  # fmt: skip
        message = session.scalar(select(Message.id).where(Message.workspace_id == ws).limit(1))
        item = session.scalar(select(OpenItemRow.id).where(OpenItemRow.workspace_id == ws))
        key, _ = service.create_api_key(session=session, settings=settings, name="test")
        revoked, info = service.create_api_key(session=session, settings=settings, name="old")
        service.revoke_api_key(session=session, settings=settings, key_id=info.id)
        session.commit()
    engine.dispose()
    assert person is not None and message is not None and item is not None
    return Workspace(name, key, acme, person, message, item, accounts), revoked


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    a, revoked = _fill(db_url, "a", extra=True)
    b, _ = _fill(db_url, "b", extra=False)
    settings = _settings(db_url, "a")
    app = create_app(settings)
    with TestClient(app) as client:
        # Tests try many wrong keys from one address; test_security.py tests the limit.
        app.state.auth_throttle = AuthThrottle(per_minute=10_000)
        yield Api(client, a, b, revoked, settings)


@pytest.fixture
def limited(api: Api) -> Api:
    """The same app with a per-key limit of 3 requests a minute."""
    api.client.app.state.rate_limiter = RateLimiter(per_minute=3)  # type: ignore[attr-defined]
    return api
