"""A record the database refuses costs only itself; the batch, the run and re-runs go on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hardening.mail import MakeSettings, counts, raw_email, serial, write_emails
from tieline import domain, service
from tieline.store.batches import UNSTORABLE
from tieline.store.models import Message, SkippedRecord, Thread


def test_1200_emails_with_a_nul_at_700(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    mails = [
        raw_email(i, body=f"Update {i}: the\x00 pallet count changed.\n" if i == 700 else None,
                  subject=f"Shipment {i // 3}" if i % 3 == 0 else f"Re: Shipment {i // 3}",
                  extra=[f"In-Reply-To: <m{i - i % 3}@acme-logistics.com>"] if i % 3 else [])
        for i in range(1200)
    ]  # fmt: skip
    folder = write_emails(tmp_path / "mail", mails)
    settings = serial(make_settings)  # batches of 500: the bad one is in the second
    first = service.ingest_email(
        session=session, settings=settings, paths=[folder], checkpoint=session.commit
    )
    assert first.new_messages == 1200 and first.skipped == 0
    assert session.scalar(select(Message.body).where(Message.body.like("Update 700:%"))) == (
        "Update 700: the pallet count changed."
    )
    assert first.threads == 400 and len(session.scalars(select(Thread.id)).all()) == 400
    before = counts(session)
    again = service.ingest_email(
        session=session, settings=settings, paths=[folder], checkpoint=session.commit
    )
    assert again.new_messages == 0 and again.duplicates == 1200
    assert counts(session) == before


def _message(n: int, **changes: object) -> domain.Message:
    m = domain.Message(
        external_id=f"r{n}@acme-logistics.com",
        channel=domain.Channel.EMAIL,
        sent_at=datetime(2026, 3, 2, 9, n % 60, tzinfo=UTC),
        author=domain.Address("dana@acme-logistics.com", "Dana Whitfield"),
        subject=f"Item {n}",
        body=f"Body {n}",
        recipients=((domain.RecipientKind.TO, domain.Address(f"p{n}@northwind.io")),),
        content_hash=f"{n:064x}",
        locator=f"test#{n}",
    )
    return dataclasses.replace(m, **changes)  # type: ignore[arg-type]


def test_a_refused_record_is_skipped_with_its_reason_and_the_batch_kept(
    session: Session, make_settings: MakeSettings
) -> None:
    # A naive datetime: no sanitising step repairs it, the UTC column refuses it. It
    # stands for whatever the database may refuse that nothing here foresaw.
    bad = _message(3, sent_at=datetime(2026, 3, 2, 9, 3))
    records: list[domain.Record] = [_message(n) for n in range(6) if n != 3]
    records.insert(3, bad)
    settings = make_settings()
    report = service.ingest_records(
        records, session=session, settings=settings, source_kind="email", source_name="email",
        checkpoint=session.commit,
    )  # fmt: skip
    assert report.new_messages == 5 and report.new_skipped == 1
    assert report.skipped_reasons == {UNSTORABLE: 1}
    skip = session.scalars(select(SkippedRecord)).one()
    assert skip.locator == "test#3" and skip.external_id == "r3@acme-logistics.com"
    assert "naive datetime" in skip.detail
    assert report.threads == 5  # threads still built
    # The recipients of the good messages were stored with them (nothing half-written).
    assert counts(session)["message_recipients"] == 5
    stats = service.stats(session=session, settings=settings)["sources"][0]
    assert stats["skipped_by_reason"] == {UNSTORABLE: 1}

    again = service.ingest_records(
        records, session=session, settings=settings, source_kind="email", source_name="email",
        checkpoint=session.commit,
    )  # fmt: skip
    assert again.new_messages == 0 and again.new_skipped == 0 and again.duplicates == 5


def test_rollback_of_a_refused_record_keeps_the_callers_transaction(
    session: Session, make_settings: MakeSettings
) -> None:
    # Without a checkpoint the caller owns one transaction: the per-record savepoints
    # must not commit it (pysqlite's SAVEPOINT would), so a rollback undoes everything.
    records: list[domain.Record] = [_message(1), _message(2, sent_at=datetime(2026, 3, 2))]
    service.ingest_records(
        records, session=session, settings=make_settings(), source_kind="email",
        source_name="email",
    )  # fmt: skip
    session.rollback()
    assert counts(session)["messages"] == 0 and counts(session)["skipped_records"] == 0


def test_savepoint_first_in_a_transaction_does_not_commit_it(
    session: Session, make_settings: MakeSettings
) -> None:
    from tieline.store import repository as repo
    from tieline.store.batches import savepoint

    repo.ensure_workspace(session, "before")
    session.commit()
    with savepoint(session):  # the first statement of the next transaction
        repo.ensure_workspace(session, "inside")
    session.rollback()
    from tieline.store.models import Workspace

    assert session.scalars(select(Workspace.name)).all() == ["before"]
