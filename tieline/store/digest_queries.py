"""What the weekly digest reads beyond the snapshots: the week's customer messages with
their sentiment, items we owe, lifecycle events, and who owns each account."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from tieline.store.models import (
    Identity,
    LifecycleEventRow,
    Message,
    MessageRecipient,
    MessageScore,
    OpenItemRow,
    Person,
    RevenueMovement,
)

__all__ = [
    "CustomerMessage",
    "Owner",
    "OwedItem",
    "WeekEvent",
    "account_owners",
    "customer_messages",
    "owed_items",
    "week_events",
]


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    id: int
    account_id: int
    author: str
    sent_at: datetime
    subject: str
    body: str
    score: float
    label: str | None
    sentences: tuple[tuple[int, int, str, float, float], ...]


@dataclass(frozen=True, slots=True)
class OwedItem:
    id: int
    message_id: int
    account_id: int
    kind: str
    span: str
    sentence: str
    asked_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class WeekEvent:
    kind: str
    evidence: str
    occurred_at: datetime
    message_id: int
    person_id: int
    person: str
    account_id: int
    confidence: float


@dataclass(frozen=True, slots=True)
class Owner:
    email: str
    name: str
    source: str  # "revenue" (the imported owner column) or "messages" (who writes most)


def customer_messages(
    session: Session, *, workspace_id: int, start: datetime, end: datetime
) -> list[CustomerMessage]:
    """Scored messages written by customers' people (no machines) between ``start`` and ``end``."""
    rows = session.execute(
        select(
            Message.id,
            Person.account_id,
            Person.name,
            Message.sent_at,
            Message.subject,
            Message.body,
            MessageScore.value,
            MessageScore.label,
            MessageScore.details,
        )
        .join(Person, Person.id == Message.author_id)
        .join(MessageScore, MessageScore.message_id == Message.id)
        .where(
            Message.workspace_id == workspace_id,
            Message.sent_at >= start,
            Message.sent_at <= end,
            Message.automated_kind.is_(None),
            MessageScore.name == "sentiment",
            MessageScore.value.is_not(None),
            Person.internal.is_(False),
            Person.automated.is_(False),
            Person.account_id.is_not(None),
        )
        .order_by(Message.sent_at, Message.id)
    )
    return [
        CustomerMessage(
            id=mid,
            account_id=account,
            author=name,
            sent_at=at,
            subject=subject,
            body=body,
            score=value,
            label=label,
            sentences=tuple(
                (int(s[0]), int(s[1]), str(s[2]), float(s[3]), float(s[4]))
                for s in (details or {}).get("sentences", [])
            ),
        )  # fmt: skip
        for mid, account, name, at, subject, body, value, label, details in rows
    ]


def _message_accounts(
    session: Session, workspace_id: int, message_ids: Sequence[int]
) -> dict[int, int]:
    """The account of each message: its author's, else one of its recipients'."""
    found: dict[int, int] = {}
    for i in range(0, len(message_ids), 500):
        chunk = message_ids[i : i + 500]
        for mid, account in session.execute(
            select(Message.id, Person.account_id)
            .join(Person, Person.id == Message.author_id)
            .where(Message.id.in_(chunk), Person.account_id.is_not(None))
        ):
            if account is not None:
                found[mid] = account
        missing = [m for m in chunk if m not in found]
        if missing:
            for mid, recipient_account in session.execute(
                select(MessageRecipient.message_id, func.min(Person.account_id))
                .join(Person, Person.id == MessageRecipient.person_id)
                .where(
                    MessageRecipient.workspace_id == workspace_id,
                    MessageRecipient.message_id.in_(missing),
                    Person.account_id.is_not(None),
                )
                .group_by(MessageRecipient.message_id)
            ):
                if recipient_account is not None:
                    found[mid] = recipient_account
    return found


def owed_items(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    asked_between: tuple[datetime, datetime],
) -> list[OwedItem]:
    """Items we owe that were still open at ``as_of`` and asked within ``asked_between``."""
    first, last = asked_between
    rows = list(
        session.scalars(
            select(OpenItemRow)
            .where(
                OpenItemRow.workspace_id == workspace_id,
                OpenItemRow.owed_by == "us",
                OpenItemRow.asked_at >= first,
                OpenItemRow.asked_at <= last,
                or_(OpenItemRow.status == "open", OpenItemRow.resolved_at > as_of),
            )
            .order_by(OpenItemRow.asked_at, OpenItemRow.id)
        )
    )
    accounts = _message_accounts(session, workspace_id, sorted({r.message_id for r in rows}))
    return [
        OwedItem(
            id=r.id,
            message_id=r.message_id,
            account_id=accounts[r.message_id],
            kind=r.kind,
            span=r.span,
            sentence=r.sentence,
            asked_at=r.asked_at,
            due_at=r.due_at,
        )  # fmt: skip
        for r in rows
        if r.message_id in accounts
    ]


def week_events(
    session: Session,
    *,
    workspace_id: int,
    kinds: Sequence[str],
    start: datetime,
    end: datetime,
) -> list[WeekEvent]:
    """Lifecycle events between ``start`` and ``end`` about (or written by) customers."""
    subject = aliased(Person)
    author = aliased(Person)
    rows = session.execute(
        select(
            LifecycleEventRow.kind,
            LifecycleEventRow.evidence,
            LifecycleEventRow.occurred_at,
            LifecycleEventRow.message_id,
            LifecycleEventRow.confidence,
            subject.id,
            subject.name,
            subject.account_id,
            author.id,
            author.name,
            author.account_id,
            LifecycleEventRow.subject_email,
        )
        .join(Message, Message.id == LifecycleEventRow.message_id)
        .join(author, author.id == Message.author_id)
        .outerjoin(subject, subject.id == LifecycleEventRow.person_id)
        .where(
            LifecycleEventRow.workspace_id == workspace_id,
            LifecycleEventRow.kind.in_(kinds),
            LifecycleEventRow.occurred_at >= start,
            LifecycleEventRow.occurred_at <= end,
        )
        .order_by(LifecycleEventRow.occurred_at, LifecycleEventRow.id)
    )
    out = []
    for kind, evidence, at, mid, conf, sid, sname, sacc, aid, aname, aacc, email in rows:
        account = sacc if sid is not None else aacc
        if account is None:
            continue
        pid, name = (sid, sname) if sid is not None else (aid, aname)
        out.append(
            WeekEvent(
                kind=kind,
                evidence=evidence,
                occurred_at=at,
                message_id=mid,
                person_id=pid,
                person=name or email,
                account_id=account,
                confidence=conf,
            )  # fmt: skip
        )
    return out


def account_owners(session: Session, *, workspace_id: int) -> dict[int, Owner]:
    """Each account's CSM: the imported revenue ``owner`` (latest row), else the internal
    person who wrote to the account's people most often."""
    emails: dict[int, str] = {}
    for person_id, value in session.execute(
        select(Identity.person_id, func.min(Identity.value))
        .where(Identity.workspace_id == workspace_id, Identity.kind == "email")
        .group_by(Identity.person_id)
    ):
        emails[person_id] = value
    recipient = aliased(Person)
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    names: dict[int, str] = {}
    query: Any = (
        select(
            recipient.account_id,
            Person.id,
            Person.name,
            func.count(func.distinct(Message.id)),
        )
        .join(Person, Person.id == Message.author_id)
        .join(MessageRecipient, MessageRecipient.message_id == Message.id)
        .join(recipient, recipient.id == MessageRecipient.person_id)
        .where(
            Message.workspace_id == workspace_id,
            Message.automated_kind.is_(None),
            Person.internal.is_(True),
            Person.automated.is_(False),
            recipient.account_id.is_not(None),
        )
        .group_by(recipient.account_id, Person.id, Person.name)
    )
    for account, person, name, n in session.execute(query):
        counts[account][person] = n
        names[person] = name
    owners: dict[int, Owner] = {}
    for account, by_person in counts.items():
        person = min(by_person, key=lambda p: (-by_person[p], p))
        email = emails.get(person, "")
        owners[account] = Owner(email=email, name=names[person] or email, source="messages")
    r = RevenueMovement
    for revenue_account, owner in session.execute(
        select(r.account_id, r.owner)
        .where(r.workspace_id == workspace_id, r.account_id.is_not(None), r.owner.is_not(None))
        .order_by(r.on, r.id)
    ):
        if owner and revenue_account is not None:
            owners[revenue_account] = Owner(email=owner.lower(), name=owner, source="revenue")
    return owners
