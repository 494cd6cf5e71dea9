"""Issue 13: ``--as-of D`` never counts anything after D, checked on the scored demo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.conftest import demo_copy
from tieline import service
from tieline.config import Settings
from tieline.service.as_of import check_as_of
from tieline.store.db import make_engine, make_session_factory
from tieline.store.facts import snapshots


@pytest.fixture(scope="module")
def demo(
    scored_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Session, Settings]]:
    settings = demo_copy(scored_demo, tmp_path_factory.mktemp("as-of") / "demo.db")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield session, settings
    engine.dispose()


@pytest.mark.parametrize("day", ["2026-06-15", "2026-08-31", "2026-10-10", "2026-11-20"])
def test_every_count_and_date_stops_at_as_of(demo: tuple[Session, Settings], day: str) -> None:
    session, settings = demo
    as_of = service.end_of(date.fromisoformat(day))
    report = check_as_of(session=session, settings=settings, as_of=as_of)
    assert report.problems == ()
    assert report.accounts == 4 and report.dates_checked > 0
    if day == "2026-06-15":  # the check has something to compare: fewer messages early on
        later = check_as_of(
            session=session, settings=settings, as_of=service.end_of(date(2026, 11, 20))
        )
        assert 0 < report.messages < later.messages


def test_reading_writes_no_snapshot(demo: tuple[Session, Settings]) -> None:
    session, settings = demo
    service.accounts_with_health(
        session=session, settings=settings, as_of=service.end_of(date(2026, 9, 30))
    )
    assert snapshots(session, workspace_id=1, on=date(2026, 9, 30)) == {}


def test_historical_data_defaults_to_the_newest_message(demo: tuple[Session, Settings]) -> None:
    session, settings = demo
    soon = datetime(2026, 11, 25, tzinfo=UTC)
    assert service.default_as_of(session=session, settings=settings, now=soon) == (soon, None)
    later = datetime(2027, 3, 1, tzinfo=UTC)
    when, note = service.default_as_of(session=session, settings=settings, now=later)
    newest = when.date()
    assert when == service.end_of(newest) and date(2026, 11, 15) <= newest <= date(2026, 11, 20)
    assert note is not None and "historical" in note and newest.isoformat() in note
