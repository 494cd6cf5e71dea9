from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import DATA
from tieline import service
from tieline.config import PersonMerge, Settings
from tieline.store.models import Identity, Message, MessageRecipient, Person, Thread

EMAIL = DATA / "email"
ALL = [EMAIL / "thread.mbox", EMAIL / "maildir", EMAIL / "files", EMAIL / "malformed"]
MakeSettings = Callable[..., Settings]


def counts(session: Session) -> dict[str, int]:
    return {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Message, MessageRecipient, Person, Identity, Thread)
    }


def test_ingest_end_to_end(session: Session, make_settings: MakeSettings) -> None:
    settings = make_settings(
        people=[
            PersonMerge(name="Ravi Kumar", emails=["ravi@globex.com", "ravi.kumar.home@gmail.com"])
        ]
    )
    report = service.ingest_email(session=session, settings=settings, paths=ALL)
    assert report.new_messages == 14 and report.skipped == 4
    assert report.skipped_reasons == {
        "missing Date": 1, "empty body": 1, "broken charset": 1, "not an email message": 1,
    }  # fmt: skip
    session.commit()

    accounts = {a.name: a for a in service.list_accounts(session=session, settings=settings)}
    # No customer list: discovered mode. No account for our own domain, the free-mail
    # domain or the newsletter sender; Globex, Initech and Example only ever wrote to us
    # or were written to, never both: no two-way conversation, no account.
    assert report.accounts_mode == "discovered"
    assert set(accounts) == {"Acme Logistics", "Umbrellahealth"}
    assert {a.origin for a in accounts.values()} == {"discovered"}
    listed = service.list_candidates(session=session, settings=settings)
    assert listed.mode == "discovered"
    assert {c.domain for c in listed.candidates} == {"acme-logistics.com", "umbrellahealth.org"}
    acme = accounts["Acme Logistics"]
    assert acme.people == 2 and acme.messages == 5 and acme.threads == 1

    people = {p.name: p for p in service.list_people(session=session, settings=settings)}
    assert people["Dana Whitfield"].emails == (
        "dana@acme-logistics.com", "dana.whitfield@acme-logistics.com",
    )  # fmt: skip
    assert set(people["Ravi Kumar"].emails) == {"ravi@globex.com", "ravi.kumar.home@gmail.com"}
    assert people["Ravi Kumar"].account is None
    # A CSM promotes Globex: Ravi (and his personal address) belong to it from then on.
    decision = service.promote_candidate(session=session, settings=settings, ref="globex.com")
    assert decision.status == "promoted" and decision.account == "Globex"
    ravi = next(p for p in service.list_people(session=session, settings=settings)
                if p.name == "Ravi Kumar")  # fmt: skip
    assert ravi.account == "Globex"
    assert people["Sam Ortiz"].internal and people["Sam Ortiz"].account is None
    assert people["SaaS Weekly"].automated and people["SaaS Weekly"].account is None

    stats = service.stats(session=session, settings=settings)
    email = stats["sources"][0]
    assert email["messages"] == 14 and email["skipped"] == 4 and email["automated_messages"] == 2
    # The export thread (5 messages incl. a reply stored before its parent and a
    # reply threaded by subject only), Globex by Gmail thread id, Umbrella pairs.
    threads = {t.key: t.message_count for t in session.scalars(select(Thread))}
    assert threads["m1@mail.acme-logistics.com"] == 5
    assert threads["g1@globex.com"] == 2
    assert threads["md1@umbrellahealth.org"] == 2 and threads["f1@umbrellahealth.org"] == 2
    assert stats["totals"]["threads"] == 7


def test_reingest_adds_nothing(session: Session, make_settings: MakeSettings) -> None:
    settings = make_settings()
    service.ingest_email(session=session, settings=settings, paths=ALL, checkpoint=session.commit)
    before = counts(session)
    again = service.ingest_email(
        session=session, settings=settings, paths=ALL, checkpoint=session.commit
    )
    assert again.new_messages == 0 and again.new_skipped == 0 and again.duplicates == 14
    assert counts(session) == before


class Crash(Exception):
    pass


def test_crash_halfway_leaves_consistent_store_and_rerun_completes(
    db_url: str, make_settings: MakeSettings
) -> None:
    from tieline.store.db import make_engine, make_session_factory, migrate

    settings = make_settings()
    settings = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"batch_size": 4})}
    )
    engine = make_engine(db_url)
    migrate(engine)
    factory = make_session_factory(engine)
    commits = 0

    with factory() as s:

        def checkpoint() -> None:
            nonlocal commits
            s.commit()
            commits += 1
            if commits == 3:  # setup commit, then two batches of 4 records
                raise Crash

        with pytest.raises(Crash):
            service.ingest_email(session=s, settings=settings, paths=ALL, checkpoint=checkpoint)
        s.rollback()

    with factory() as s:
        partial: dict[str, Any] = counts(s)
        assert 0 < partial["messages"] < 14
        orphans = s.scalar(
            select(func.count())
            .select_from(MessageRecipient)
            .where(MessageRecipient.message_id.not_in(select(Message.id)))
        )
        assert orphans == 0
        report = service.ingest_email(session=s, settings=settings, paths=ALL, checkpoint=s.commit)
        assert report.new_messages == 14 - partial["messages"]
        assert counts(s)["messages"] == 14 and counts(s)["threads"] == 7
    engine.dispose()


def test_missing_path_and_workspace_errors(session: Session, make_settings: MakeSettings) -> None:
    from tieline.errors import NotFound

    with pytest.raises(NotFound):
        service.list_accounts(session=session, settings=make_settings(workspace="nope"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_and_serial_ingest_agree(
    tmp_path: Path, session: Session, make_settings: MakeSettings, jobs: int
) -> None:
    # Enough messages to cross the pool threshold.
    mbox = tmp_path / "many.mbox"
    with mbox.open("w") as fh:
        for i in range(600):
            fh.write(
                f"From x@acme.com Thu Mar 12 10:00:00 2026\nMessage-ID: <p{i}@acme.com>\n"
                f"Date: Thu, 12 Mar 2026 10:{i % 60:02d}:00 +0000\nFrom: A B <ab@acme.com>\n"
                f"To: sam@northwind.io\nSubject: n{i % 50}\n\nMessage number {i}.\n\n"
            )
    settings = make_settings()
    settings = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"jobs": jobs})}
    )
    report = service.ingest_email(session=session, settings=settings, paths=[mbox])
    assert report.new_messages == 600
    bodies = session.scalars(select(Message.body).order_by(Message.id)).all()
    assert bodies[:3] == ["Message number 0.", "Message number 1.", "Message number 2."]
