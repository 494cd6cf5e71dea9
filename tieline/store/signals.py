"""Reading messages to score and writing their signals. Callers own the transaction.

Two stages, both resumable: per-message signals (sentiment, open items found, lifecycle
events) for messages without a ``sentiment`` score row, and per-thread signals (reply
latency, item resolution) for threads whose ``message_count`` moved past
``scored_count``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from tieline import domain
from tieline.store.models import (
    Identity,
    LifecycleEventRow,
    Message,
    MessageRecipient,
    MessageScore,
    OpenItemRow,
    Person,
    Source,
    Thread,
)
from tieline.store.storable import fit_rows

__all__ = [
    "ItemStatus",
    "MessageSignals",
    "MessageToScore",
    "ReplyLatency",
    "StoredItem",
    "ThreadMessage",
    "save_message_signals",
    "save_thread_signals",
    "signal_counts",
    "stale_threads",
    "thread_messages",
    "unscored_messages",
]

SENTIMENT = "sentiment"
REPLY = "reply"


@dataclass(frozen=True, slots=True)
class MessageToScore:
    """What the per-message stage needs to know about one stored message."""

    id: int
    thread_id: int | None
    channel_kind: str
    sent_at: datetime
    subject: str
    body: str
    signature: str
    author_id: int
    author_email: str
    author_name: str
    author_title: str
    author_internal: bool
    automated_kind: str | None
    recipients: tuple[str, ...]
    attributes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MessageSignals:
    """The per-message results to store; ``sentiment`` is None when not scored (machines)."""

    message_id: int
    thread_id: int | None
    sent_at: datetime
    sentiment: domain.Sentiment | None
    skipped: str | None = None  # why sentiment was not scored ("automated: bulk")
    items: Sequence[domain.OpenItem] = ()
    events: Sequence[domain.LifecycleEvent] = ()


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of a thread as the thread stage sees it."""

    id: int
    thread_id: int
    sent_at: datetime
    person_id: int
    internal: bool
    account_id: int | None
    machine: bool  # automated (newsletters, auto-replies, bounces): never an answer
    in_reply_to: int | None  # the parent message's id, when it is in the store
    body: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredItem:
    id: int
    message_id: int
    thread_id: int | None
    item: domain.OpenItem


def unscored_messages(
    session: Session, *, workspace_id: int, after_id: int = 0, limit: int = 256
) -> list[MessageToScore]:
    """Messages with no sentiment row yet, in id order after ``after_id``."""
    author_identity = aliased(Identity)
    scored = select(MessageScore.message_id).where(
        MessageScore.message_id == Message.id, MessageScore.name == SENTIMENT
    )
    rows = session.execute(
        select(
            Message,
            Source.kind,
            author_identity.value,
            author_identity.kind,
            Person.name,
            Person.title,
            Person.internal,
        )
        .join(Source, Source.id == Message.source_id)
        .join(Person, Person.id == Message.author_id)
        .join(author_identity, author_identity.id == Message.author_identity_id)
        .where(Message.workspace_id == workspace_id, Message.id > after_id, ~scored.exists())
        .order_by(Message.id)
        .limit(limit)
    ).all()
    ids = [r[0].id for r in rows]
    recipients: dict[int, list[str]] = defaultdict(list)
    if ids:
        for message_id, value in session.execute(
            select(MessageRecipient.message_id, Identity.value)
            .join(Identity, Identity.id == MessageRecipient.identity_id)
            .where(MessageRecipient.message_id.in_(ids), Identity.kind == "email")
        ):
            recipients[message_id].append(value)
    return [
        MessageToScore(
            id=m.id,
            thread_id=m.thread_id,
            channel_kind=source_kind,
            sent_at=m.sent_at,
            subject=m.subject,
            body=m.body,
            signature=m.signature,
            author_id=m.author_id,
            author_email=value if kind == "email" else "",
            author_name=name,
            author_title=title,
            author_internal=internal,
            automated_kind=m.automated_kind,
            recipients=tuple(recipients.get(m.id, ())),
            attributes=m.attributes,
        )
        for m, source_kind, value, kind, name, title, internal in rows
    ]


def _people_by_email(session: Session, workspace_id: int, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    return dict(
        session.execute(
            select(Identity.value, Identity.person_id).where(
                Identity.workspace_id == workspace_id,
                Identity.kind == "email",
                Identity.value.in_(sorted(emails)),
            )
        ).all()
    )


def _sentiment_row(workspace_id: int, s: MessageSignals) -> dict[str, Any]:
    if s.sentiment is None:
        return {
            "workspace_id": workspace_id,
            "message_id": s.message_id,
            "name": SENTIMENT,
            "value": None,
            "label": None,
            "details": {"skipped": s.skipped or "not scored"},
            "model": "",
        }
    sent = s.sentiment
    return {
        "workspace_id": workspace_id,
        "message_id": s.message_id,
        "name": SENTIMENT,
        "value": sent.score,
        "label": sent.label.value,
        "details": {
            "confidence": sent.confidence,
            "sentences": [
                [x.start, x.end, x.label.value, x.score, x.confidence] for x in sent.sentences
            ],
        },
        "model": sent.model,
    }


def save_message_signals(
    session: Session, *, workspace_id: int, results: Sequence[MessageSignals]
) -> None:
    """Insert sentiment rows, open items and lifecycle events of freshly scored messages."""
    if not results:
        return
    session.execute(insert(MessageScore), [_sentiment_row(workspace_id, s) for s in results])
    items = [
        {
            "workspace_id": workspace_id,
            "message_id": s.message_id,
            "thread_id": s.thread_id,
            "kind": it.kind.value,
            "span": it.span,
            "sentence": it.sentence,
            "start": it.start,
            "end": it.end,
            "owed_by": it.owed_by.value if it.owed_by else None,
            "due_at": it.due,
            "confidence": it.confidence,
            "asked_at": s.sent_at,
            "status": "open",
        }
        for s in results
        for it in s.items
    ]
    if items:
        session.execute(insert(OpenItemRow), items)
    emails = {e.subject_email.lower() for s in results for e in s.events if e.subject_email}
    people = _people_by_email(session, workspace_id, emails)
    events = [
        {
            "workspace_id": workspace_id,
            "message_id": s.message_id,
            "person_id": people.get(e.subject_email.lower()),
            "kind": e.kind.value,
            "evidence": e.evidence,
            "subject_email": e.subject_email,
            "until": e.until,
            "contact_email": e.contact_email,
            "confidence": e.confidence,
            "occurred_at": s.sent_at,
        }
        for s in results
        for e in s.events
    ]
    if events:
        session.execute(insert(LifecycleEventRow), fit_rows(LifecycleEventRow, events))


def stale_threads(session: Session, *, workspace_id: int, limit: int = 500) -> list[int]:
    """Threads whose messages changed since their thread-level signals were computed."""
    return list(
        session.scalars(
            select(Thread.id)
            .where(Thread.workspace_id == workspace_id, Thread.scored_count != Thread.message_count)
            .order_by(Thread.id)
            .limit(limit)
        )
    )


def thread_messages(
    session: Session, *, workspace_id: int, thread_ids: Sequence[int]
) -> tuple[list[ThreadMessage], list[StoredItem]]:
    """The threads' messages in time order and the open items found in them."""
    if not thread_ids:
        return [], []
    rows = session.execute(
        select(
            Message.id,
            Message.thread_id,
            Message.sent_at,
            Message.author_id,
            Message.external_id,
            Message.in_reply_to,
            Message.automated_kind,
            Message.body,
            Message.attributes,
            Person.internal,
            Person.account_id,
            Person.automated,
        )
        .join(Person, Person.id == Message.author_id)
        .where(Message.workspace_id == workspace_id, Message.thread_id.in_(thread_ids))
        .order_by(Message.thread_id, Message.sent_at, Message.id)
    ).all()
    by_external = {(r.thread_id, r.external_id): r.id for r in rows}
    messages = [
        ThreadMessage(
            id=r.id,
            thread_id=r.thread_id,
            sent_at=r.sent_at,
            person_id=r.author_id,
            internal=r.internal,
            account_id=r.account_id,
            machine=r.automated_kind is not None or r.automated,
            in_reply_to=by_external.get((r.thread_id, r.in_reply_to)) if r.in_reply_to else None,
            body=r.body,
            attributes=r.attributes,
        )
        for r in rows
    ]
    items = [
        StoredItem(
            id=row.id,
            message_id=row.message_id,
            thread_id=row.thread_id,
            item=domain.OpenItem(
                kind=domain.ItemKind(row.kind),
                span=row.span,
                sentence=row.sentence,
                start=row.start,
                end=row.end,
                owed_by=domain.Side(row.owed_by) if row.owed_by else None,
                due=row.due_at,
                confidence=row.confidence,
            ),
        )
        for row in session.scalars(
            select(OpenItemRow)
            .where(OpenItemRow.workspace_id == workspace_id, OpenItemRow.thread_id.in_(thread_ids))
            .order_by(OpenItemRow.id)
        )
    ]
    return messages, items


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item_id: int
    status: str  # open / resolved
    resolution: str | None = None
    resolved_by: int | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyLatency:
    message_id: int
    answered_by: int | None
    seconds: float | None
    business_seconds: float | None


def save_thread_signals(
    session: Session,
    *,
    workspace_id: int,
    thread_ids: Sequence[int],
    latencies: Sequence[ReplyLatency],
    statuses: Sequence[ItemStatus],
) -> None:
    """Replace the threads' reply rows, update their items, mark them scored."""
    message_ids = [lat.message_id for lat in latencies]
    for i in range(0, len(message_ids), 500):
        session.execute(
            delete(MessageScore).where(
                MessageScore.message_id.in_(message_ids[i : i + 500]), MessageScore.name == REPLY
            )
        )
    if latencies:
        session.execute(
            insert(MessageScore),
            [
                {
                    "workspace_id": workspace_id,
                    "message_id": lat.message_id,
                    "name": REPLY,
                    "value": lat.seconds,
                    "label": "answered" if lat.answered_by is not None else "unanswered",
                    "details": {
                        "answered_by": lat.answered_by,
                        "business_seconds": lat.business_seconds,
                    },
                    "model": "",
                }
                for lat in latencies
            ],
        )
    if statuses:  # one executemany: ORM bulk UPDATE by primary key
        session.execute(
            update(OpenItemRow),
            [
                {
                    "id": st.item_id,
                    "status": st.status,
                    "resolution": st.resolution,
                    "resolved_by_id": st.resolved_by,
                    "resolved_at": st.resolved_at,
                }
                for st in statuses
            ],
        )
    if thread_ids:
        session.execute(
            update(Thread)
            .where(Thread.id.in_(thread_ids))
            .values(scored_count=Thread.message_count)
            .execution_options(synchronize_session=False)
        )


def signal_counts(session: Session, *, workspace_id: int) -> dict[str, Any]:
    """Totals for the score report: labels, open/resolved items, events by kind."""
    labels = dict(
        session.execute(
            select(func.coalesce(MessageScore.label, "not scored"), func.count())
            .where(MessageScore.workspace_id == workspace_id, MessageScore.name == SENTIMENT)
            .group_by(MessageScore.label)
        ).all()
    )
    items = dict(
        session.execute(
            select(OpenItemRow.status, func.count())
            .where(OpenItemRow.workspace_id == workspace_id)
            .group_by(OpenItemRow.status)
        ).all()
    )
    events = dict(
        session.execute(
            select(LifecycleEventRow.kind, func.count())
            .where(LifecycleEventRow.workspace_id == workspace_id)
            .group_by(LifecycleEventRow.kind)
        ).all()
    )
    return {"sentiment": labels, "open_items": items, "lifecycle_events": events}
