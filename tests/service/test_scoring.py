"""The score use case end to end on a small hand-written mailbox (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import DATA
from tieline import service
from tieline.config import Settings
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import FakeModel
from tieline.store.models import LifecycleEventRow, Message, MessageScore, OpenItemRow, Person

MakeSettings = Callable[..., Settings]
MODELS = service.Models(sentiment=FakeModel(), split=SentenceSplitter())


def _ids(session: Session) -> dict[str, int]:
    return {
        ext.split("@")[0]: id_
        for ext, id_ in session.execute(select(Message.external_id, Message.id))
    }


def _scores(session: Session, name: str) -> dict[int, MessageScore]:
    return {
        s.message_id: s
        for s in session.scalars(select(MessageScore).where(MessageScore.name == name))
    }


def test_score_end_to_end(session: Session, make_settings: MakeSettings) -> None:
    settings = make_settings()
    service.ingest_email(
        session=session, settings=settings, paths=[DATA / "email" / "signals.mbox"]
    )
    session.commit()
    commits: list[int] = []
    report = service.score(
        session=session, settings=settings, models=MODELS, checkpoint=lambda: commits.append(1)
    )
    session.commit()
    # Threads: the export thread, renewal planning, the auto-reply (no link headers).
    assert (report.messages, report.automated, report.threads) == (6, 1, 3)
    assert commits and report.model == "fake"
    ids = _ids(session)

    sentiment = _scores(session, "sentiment")
    assert sentiment[ids["s1"]].label == "negative"  # the angry sentence in a friendly email
    assert any("unacceptable" in str(x) or x[2] == "negative"
               for x in sentiment[ids["s1"]].details["sentences"])  # fmt: skip
    assert sentiment[ids["s4"]].label is None  # the auto-reply is not scored
    assert sentiment[ids["s4"]].details == {"skipped": "automated: auto_reply"}

    reply = _scores(session, "reply")
    assert reply[ids["s1"]].details["answered_by"] == ids["s2"]
    assert reply[ids["s1"]].value == 9000.0  # 09:00 -> 11:30
    assert reply[ids["s5"]].details["answered_by"] == ids["s6"]
    assert reply[ids["s5"]].value == 30 * 3600.0
    # Business hours (09-17 Mon-Fri, UTC): Mon 10-17 + Tue 09-16.
    assert reply[ids["s5"]].details["business_seconds"] == 14 * 3600.0
    assert ids["s4"] not in reply  # auto-replies neither ask nor answer

    items = {(i.message_id, i.kind): i for i in session.scalars(select(OpenItemRow))}
    request = items[(ids["s1"], "request")]
    assert request.owed_by == "us" and "root cause analysis" in request.span
    assert request.due_at == datetime(2026, 11, 6, 23, 59, 59, tzinfo=UTC)
    assert request.status == "resolved" and request.resolved_by_id == ids["s2"]
    commitment = items[(ids["s2"], "commitment")]
    assert commitment.owed_by == "us"
    assert (commitment.status, commitment.resolution, commitment.resolved_by_id) == (
        "resolved", "delivered", ids["s3"],
    )  # fmt: skip
    question = items[(ids["s5"], "request")]
    assert question.owed_by == "them" and question.resolved_by_id == ids["s6"]

    events = {e.kind: e for e in session.scalars(select(LifecycleEventRow))}
    ooo = events["out_of_office"]
    lee = session.scalar(select(Person.id).where(Person.name == "Lee Park"))
    assert ooo.person_id == lee and ooo.until == datetime(2026, 11, 16, tzinfo=UTC)
    assert ooo.message_id == ids["s4"]
    assert "evaluating other vendors" in events["churn_risk"].evidence
    assert report.totals["lifecycle_events"] == {"out_of_office": 1, "churn_risk": 1}

    again = service.score(session=session, settings=settings, models=MODELS)
    assert (again.messages, again.threads) == (0, 0)


def test_score_is_incremental_when_a_thread_grows(
    session: Session, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings()
    service.ingest_email(
        session=session, settings=settings, paths=[DATA / "email" / "signals.mbox"]
    )
    service.score(session=session, settings=settings, models=MODELS)
    session.commit()
    late = tmp_path / "late.mbox"
    late.write_text(
        "From sam@northwind.io Wed Nov 11 09:00:00 2026\n"
        "From: Sam Ortiz <sam@northwind.io>\nTo: Lee Park <lee.park@acme-logistics.com>\n"
        "Subject: Re: Renewal planning\nDate: Wed, 11 Nov 2026 09:00:00 +0000\n"
        "Message-ID: <s7@northwind.io>\nIn-Reply-To: <s6@acme-logistics.com>\n"
        "References: <s5@northwind.io> <s6@acme-logistics.com>\n\n"
        "Thanks for telling us, Lee. Could we meet on Thursday to talk it through?\n"
    )
    service.ingest_email(session=session, settings=settings, paths=[late])
    report = service.score(session=session, settings=settings, models=MODELS)
    session.commit()
    assert (report.messages, report.threads) == (1, 1)
    ids = _ids(session)
    reply = _scores(session, "reply")
    assert reply[ids["s6"]].details["answered_by"] == ids["s7"]  # re-checked with the new reply
    assert reply[ids["s6"]].value == 17 * 3600.0


def test_a_ticket_is_a_request_we_owe_until_it_is_solved(
    session: Session, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    export = DATA / "tickets" / "zendesk_export.json"
    service.ingest_zendesk(session=session, settings=settings, paths=[export])
    service.score(session=session, settings=settings, models=MODELS)
    session.commit()
    tickets = {
        i.span: i
        for i in session.scalars(select(OpenItemRow))
        if i.span.startswith(service.scoring.TICKET_SPAN)
    }
    solved = tickets["ticket: Shipment sync failing since Monday"]
    assert (solved.owed_by, solved.status, solved.resolution) == ("us", "resolved", "ticket_solved")
    # Resolution time is the ticket's own solve time (metric_set.solved_at), not a reply.
    assert solved.resolved_at == datetime(2026, 3, 3, 16, 40, tzinfo=UTC)
    assert solved.asked_at == datetime(2026, 3, 2, 9, 14, tzinfo=UTC)
