"""Two ingests into one workspace at once: both finish, and the store is as after one."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.hardening.mail import MakeSettings, counts, raw_email, serial, write_emails
from tieline import service
from tieline.store.db import make_engine, make_session_factory, migrate


def test_two_concurrent_ingests_into_one_workspace(
    tmp_path: Path, db_url: str, make_settings: MakeSettings
) -> None:
    mails = [
        raw_email(i, sender=f'"Person {i % 40}" <p{i % 40}@customer{i % 40 % 7}.com>',
                  to="sam@northwind.io, kai@northwind.io")
        for i in range(300)
    ]  # fmt: skip
    folder = write_emails(tmp_path / "mail", mails)
    settings = serial(make_settings)
    settings = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"batch_size": 50})}
    )
    engine = make_engine(db_url)
    migrate(engine)
    start = threading.Barrier(2)
    reports: list[int] = []
    errors: list[BaseException] = []

    def ingest() -> None:
        own = make_engine(db_url)
        try:
            with make_session_factory(own)() as s:
                start.wait()
                report = service.ingest_email(
                    session=s, settings=settings, paths=[folder], checkpoint=s.commit
                )
                reports.append(report.new_messages)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    # One stored all 300, the other waited and found them stored.
    assert sorted(reports) == [0, 300]
    with make_session_factory(engine)() as s:
        together = counts(s)
    engine.dispose()
    assert together["messages"] == 300
    # The mail is one-way (customers writing in, never answered): no account is earned.
    assert together["people"] == 42 and together["accounts"] == 0
    assert together["threads"] == 300 and together["skipped_records"] == 0
