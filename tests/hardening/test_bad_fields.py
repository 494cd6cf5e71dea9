"""Each hostile field of issue 14 item 1, through the real connectors, on SQLite and PostgreSQL.

Before the store sanitised records, every one of these stopped the ingest on
PostgreSQL with a traceback (SQLite took them). Now each record is stored,
repaired, and the good records beside it are kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.hardening.mail import (
    MakeSettings,
    counts,
    raw_email,
    serial,
    slack_export,
    tickets_csv,
    write_emails,
    zendesk_export,
)
from tieline import service
from tieline.store.models import Identity, Message, Person, Thread


def _texts(session: Session) -> list[str]:
    rows = session.execute(
        select(Message.subject, Message.body, Message.quoted_text, Message.signature,
               Message.external_id, Message.in_reply_to, Message.references,
               Message.provider_thread_id, Message.locator)
    ).all()  # fmt: skip
    names = session.execute(select(Person.name, Person.title)).all()
    idents = session.execute(select(Identity.value, Identity.display_name, Identity.domain)).all()
    return [v for row in (*rows, *names, *idents) for v in row if isinstance(v, str)]


def _no_nul(session: Session) -> None:
    assert not [t for t in _texts(session) if "\x00" in t]


NUL_EMAILS = {
    "header": raw_email(2, subject="Renewal\x00 quote"),
    "body": raw_email(2, body="Please find\x00 the quote attached.\n"),
    "display name": raw_email(2, sender='"Dana\x00 Whitfield" <dana@acme-logistics.com>'),
}


@pytest.mark.parametrize("where", list(NUL_EMAILS))
def test_nul_in_email(
    where: str, tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    folder = write_emails(tmp_path / "mail", [raw_email(1), NUL_EMAILS[where]])
    report = service.ingest_email(session=session, settings=serial(make_settings), paths=[folder])
    session.commit()
    assert report.new_messages == 2 and report.skipped == 0
    _no_nul(session)
    if where == "header":
        assert session.scalar(select(Message.subject).where(Message.subject.like("Renewal%"))) == (
            "Renewal quote"
        )


def test_nul_in_slack_text(tmp_path: Path, session: Session, make_settings: MakeSettings) -> None:
    export = slack_export(tmp_path / "slack", ["Morning!", "The sync\x00 is down again", "Ok"])
    report = service.ingest_slack(session=session, settings=serial(make_settings), paths=[export])
    session.commit()
    assert report.new_messages == 3 and report.skipped == 0
    _no_nul(session)
    assert "The sync is down again" in session.scalars(select(Message.body)).all()


def test_nul_in_zendesk_comment(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    export = zendesk_export(tmp_path / "zd.json", ["It fails\x00 since Monday.", "Retry now?"])
    report = service.ingest_zendesk(session=session, settings=serial(make_settings), paths=[export])
    session.commit()
    assert report.new_messages == 2 and report.skipped == 0
    _no_nul(session)


def test_nul_in_csv_cell(tmp_path: Path, session: Session, make_settings: MakeSettings) -> None:
    path, mapping = tickets_csv(
        tmp_path / "csv",
        [("Dana Whitfield", "Export slow", "The export\x00 takes minutes."),
         ("Dana\x00 Whitfield", "Login", "Cannot log in."),
         ("Dana Whitfield", "Thanks", "All good now.")],
    )  # fmt: skip
    report = service.ingest_tickets(
        session=session, settings=serial(make_settings), paths=[path], mapping=mapping
    )
    session.commit()
    assert report.new_messages == 3 and report.skipped == 0
    _no_nul(session)


def test_long_display_name_is_cut_and_kept_whole(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    name = "Dana " + "W" * 400
    folder = write_emails(tmp_path / "mail", [raw_email(1, sender=f'"{name}" <dana@acme.com>')])
    report = service.ingest_email(session=session, settings=serial(make_settings), paths=[folder])
    session.commit()
    assert report.new_messages == 1
    person = session.scalar(select(Person.name).where(Person.name.like("Dana W%")))
    assert person is not None and len(person) == 300 and person.endswith("…")
    assert session.scalar(
        select(Identity.display_name).where(Identity.value == "dana@acme.com")
    ) == (name)


def test_long_address_becomes_a_stable_key(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    local = "dana." + "x" * 330
    sender = f"<{local}@acme-logistics.com>"
    mails = [raw_email(1, sender=sender), raw_email(2, sender=sender), raw_email(3)]
    folder = write_emails(tmp_path / "mail", mails)
    settings = serial(make_settings)
    report = service.ingest_email(session=session, settings=settings, paths=[folder])
    session.commit()
    assert report.new_messages == 3
    values = session.scalars(select(Identity.value).where(Identity.value.like("dana.x%"))).all()
    # One identity for both messages, within the column, its domain kept (so its account).
    assert len(values) == 1 and len(values[0]) <= 320
    assert values[0].endswith("@acme-logistics.com")
    again = service.ingest_email(session=session, settings=settings, paths=[folder])
    assert again.new_messages == 0


def test_long_message_ids_keep_threads_and_dedupe(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    long_id = "root." + "a" * 1200 + "@acme-logistics.com"
    other = "root." + "a" * 1200 + "@acme-logistics.org"  # same 998-character prefix
    mails = [
        raw_email(1, message_id=long_id, subject="Quote"),
        raw_email(2, subject="Re: Quote", extra=[f"In-Reply-To: <{long_id}>",
                                                 f"References: <{long_id}>"]),
        raw_email(3, message_id=other, subject="Unrelated"),
    ]  # fmt: skip
    folder = write_emails(tmp_path / "mail", mails)
    settings = serial(make_settings)
    report = service.ingest_email(session=session, settings=settings, paths=[folder])
    session.commit()
    assert report.new_messages == 3 and report.skipped == 0
    ids = session.scalars(select(Message.external_id)).all()
    assert all(len(i) <= 998 for i in ids) and len(set(ids)) == 3
    stored = session.scalars(select(Message).where(Message.subject == "Quote")).one()
    assert stored.attributes["external_id_full"] == long_id
    # The reply found its long-id parent: one thread of two.
    assert sorted(session.scalars(select(Thread.message_count)).all()) == [1, 2]
    again = service.ingest_email(session=session, settings=settings, paths=[folder])
    assert again.new_messages == 0 and again.duplicates == 3


def test_long_gmail_thread_id(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    thrid = "9" * 250
    mails = [raw_email(1, subject="A", extra=[f"X-GM-THRID: {thrid}"]),
             raw_email(2, subject="B", extra=[f"X-GM-THRID: {thrid}"])]  # fmt: skip
    folder = write_emails(tmp_path / "mail", mails)
    report = service.ingest_email(session=session, settings=serial(make_settings), paths=[folder])
    session.commit()
    assert report.new_messages == 2
    provider = set(session.scalars(select(Message.provider_thread_id)).all())
    assert len(provider) == 1 and len(next(iter(provider)) or "") <= 200
    assert session.scalars(select(Thread.message_count)).all() == [2]  # still one thread
    assert counts(session)["skipped_records"] == 0


def test_nul_and_long_names_in_a_revenue_csv(
    tmp_path: Path, session: Session, make_settings: MakeSettings
) -> None:
    from tieline.store.models import RevenueMovement

    path = tmp_path / "revenue.csv"
    long_owner = "o" * 400 + "@northwind.io"
    path.write_text(
        "account,date,kind,amount,owner\n"
        "Acme\x00 Logistics,2026-01-01,new,1000,dana@northwind.io\n"
        f"{'Globex ' * 50},2026-01-01,new,500,{long_owner}\n"
        "Initech,2026-02-01,expansion,200,\n"
    )
    report = service.import_revenue(session=session, settings=make_settings(), path=path)
    session.commit()
    assert report.new == 3 and report.skipped == 0
    accounts = session.scalars(select(RevenueMovement.account)).all()
    assert "Acme Logistics" in accounts and all(len(a) <= 200 for a in accounts)
    assert all(len(o or "") <= 320 for o in session.scalars(select(RevenueMovement.owner)))
