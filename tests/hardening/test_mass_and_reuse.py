"""Mass mailings and reused Message-IDs (issue 14: item 5 and "Low"), on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.hardening.mail import MakeSettings, counts, raw_email, serial, write_emails
from tieline import service
from tieline.store.models import Message


def test_50000_cc_is_a_mass_mailing(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    cc = ", ".join(f"user{i}@customer{i % 500}.com" for i in range(50_000))
    mails = [raw_email(1, subject="Our new pricing", extra=[f"Cc: {cc}"]), raw_email(2)]
    folder = write_emails(tmp_path / "mail", mails)
    settings = serial(make_settings)
    report = service.ingest_email(session=session, settings=settings, paths=[folder])
    session.commit()
    assert report.new_messages == 2
    stored = counts(session)
    # Dana and Sam from the ordinary message; none of the 50,000 became a person, and none
    # of the 500 domains an account (one-way mail earns none either).
    assert stored["people"] == 2 and stored["accounts"] == 0
    assert stored["message_recipients"] == 1
    mass = session.scalars(select(Message).where(Message.subject == "Our new pricing")).one()
    assert mass.automated_kind == "bulk"
    assert mass.attributes["mass_mailing"] == "true"
    assert mass.attributes["recipient_count"] == "50001"  # the To and the 50,000 Cc
    assert "50,001 recipients" in (mass.automated_reason or "")


def test_recipient_bound_is_a_setting(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    to = ", ".join(f"p{i}@customer.com" for i in range(8))
    folder = write_emails(tmp_path / "mail", [raw_email(1, to=to)])
    settings = serial(make_settings)
    bounded = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"max_recipients": 5})}
    )
    service.ingest_email(session=session, settings=bounded, paths=[folder])
    assert counts(session)["message_recipients"] == 0
    assert counts(session)["people"] == 1


def test_reused_message_id_keeps_both_emails(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    first = raw_email(1, message_id="same@mailer.example", subject="Invoice March", day=1)
    second = raw_email(2, message_id="same@mailer.example", subject="Invoice April", day=2)
    copy = raw_email(1, message_id="same@mailer.example", subject="Invoice March", day=1)
    settings = serial(make_settings)
    folder = write_emails(tmp_path / "a", [first, second, copy])
    report = service.ingest_email(session=session, settings=settings, paths=[folder])
    session.commit()
    # Two emails kept (the copy of the first is a duplicate), the second under its own id.
    assert report.new_messages == 2 and report.duplicates == 1
    rows: dict[str, str] = {
        s: e for s, e in session.execute(select(Message.subject, Message.external_id))
    }
    assert rows["Invoice March"] == "same@mailer.example"
    assert rows["Invoice April"].startswith("same@mailer.example#")
    april = session.scalars(select(Message).where(Message.subject == "Invoice April")).one()
    assert april.attributes["reused_message_id"] == "same@mailer.example"
    # Another run, in the other order: nothing new.
    other = write_emails(tmp_path / "b", [second, first])
    again = service.ingest_email(session=session, settings=settings, paths=[other, folder])
    assert again.new_messages == 0 and again.duplicates == 5
    assert session.scalar(select(func.count()).select_from(Message)) == 2


def test_reused_id_reversed_first_run(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    first = raw_email(1, message_id="same@mailer.example", subject="Invoice March", day=1)
    second = raw_email(2, message_id="same@mailer.example", subject="Invoice April", day=2)
    settings = serial(make_settings)
    service.ingest_email(
        session=session, settings=settings, paths=[write_emails(tmp_path / "a", [second])]
    )
    report = service.ingest_email(
        session=session, settings=settings, paths=[write_emails(tmp_path / "b", [first, second])]
    )
    assert report.new_messages == 1 and report.duplicates == 1
    assert session.scalar(select(func.count()).select_from(Message)) == 2
