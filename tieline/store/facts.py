"""Scored conversations as the graph's domain values, and stored weekly snapshots.

Loaders return plain :mod:`tieline.domain` values (``Stakeholder``, ``Interaction``,
``ItemFact``) so relationship and health maths never see the database. ``account_ids``
restricts a load to the people of some accounts (and the messages they take part in),
for re-scoring only what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Integer, delete, func, insert, literal, or_, select, union
from sqlalchemy.orm import Session

from tieline import domain
from tieline.store.models import (
    Account,
    AccountActivity,
    AccountSnapshot,
    Identity,
    LifecycleEventRow,
    Message,
    MessageRecipient,
    MessageScore,
    OpenItemRow,
    Person,
    Source,
)

__all__ = [
    "PersonRow",
    "account_messages_until",
    "account_names",
    "accounts_touched_since",
    "events",
    "interactions",
    "items",
    "newest_message_at",
    "people",
    "previous_scores",
    "save_snapshots",
    "snapshots",
]

_S = TypeVar("_S")
_CHANNEL = {"email": domain.Channel.EMAIL, "slack": domain.Channel.SLACK}


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    name: str
    internal: bool
    automated: bool
    title: str
    account_id: int | None
    account: str | None
    emails: tuple[str, ...] = ()


def account_names(session: Session, *, workspace_id: int) -> dict[int, str]:
    rows = session.execute(
        select(Account.id, Account.name).where(Account.workspace_id == workspace_id)
    )
    return {account_id: name for account_id, name in rows}


def people(
    session: Session, *, workspace_id: int, account_ids: Sequence[int] | None = None
) -> list[PersonRow]:
    """Everyone of the workspace (with ``account_ids``: our people and those accounts')."""
    query = (
        select(Person, Account.name)
        .outerjoin(Account, Account.id == Person.account_id)
        .where(Person.workspace_id == workspace_id)
    )
    if account_ids is not None:
        query = query.where(or_(Person.internal, Person.account_id.in_(account_ids)))
    emails: dict[int, list[str]] = defaultdict(list)
    for person_id, value in session.execute(
        select(Identity.person_id, Identity.value).where(
            Identity.workspace_id == workspace_id, Identity.kind == "email"
        )
    ):
        emails[person_id].append(value)
    return [
        PersonRow(
            p.id,
            p.name,
            p.internal,
            p.automated,
            p.title,
            p.account_id,
            name,
            tuple(emails.get(p.id, ())),
        )  # fmt: skip
        for p, name in session.execute(query)
    ]


def events(
    session: Session, *, workspace_id: int, kinds: Sequence[str], until: datetime
) -> list[tuple[int | None, int, str, str, datetime, float, int]]:
    """Lifecycle events up to ``until``.

    Rows: (person, author, kind, evidence, occurred_at, confidence, message id).
    """
    return [
        tuple(r)  # type: ignore[misc]
        for r in session.execute(
            select(
                LifecycleEventRow.person_id,
                Message.author_id,
                LifecycleEventRow.kind,
                LifecycleEventRow.evidence,
                LifecycleEventRow.occurred_at,
                LifecycleEventRow.confidence,
                LifecycleEventRow.message_id,
            )
            .join(Message, Message.id == LifecycleEventRow.message_id)
            .where(
                LifecycleEventRow.workspace_id == workspace_id,
                LifecycleEventRow.kind.in_(kinds),
                LifecycleEventRow.occurred_at <= until,
            )
            .order_by(LifecycleEventRow.occurred_at)
        )
    ]


def _messages_of(query: _S, account_ids: Sequence[int] | None) -> _S:
    """Restrict a query over ``Message`` to messages the accounts' people take part in.

    The message ids are found first (by author, and by recipient), so the database walks
    the accounts' messages instead of testing every message of the workspace.
    """
    if account_ids is None:
        return query
    theirs = select(Person.id).where(Person.account_id.in_(account_ids))
    ids = union(
        select(Message.id).where(Message.author_id.in_(theirs)),
        select(MessageRecipient.message_id).where(MessageRecipient.person_id.in_(theirs)),
    )
    q: Any = query
    return cast(_S, q.where(Message.id.in_(ids)))


def interactions(
    session: Session,
    *,
    workspace_id: int,
    until: datetime,
    account_ids: Sequence[int] | None = None,
) -> list[domain.Interaction]:
    """Messages up to ``until`` with recipients, sentiment and reply latency."""
    sentiment = (
        select(MessageScore.message_id, MessageScore.value)
        .where(MessageScore.workspace_id == workspace_id, MessageScore.name == "sentiment")
        .subquery()
    )
    reply = (
        select(MessageScore.message_id, MessageScore.value, MessageScore.details)
        .where(MessageScore.workspace_id == workspace_id, MessageScore.name == "reply")
        .subquery()
    )
    query = _messages_of(
        select(
            Message.id,
            Source.kind,
            Message.sent_at,
            Message.author_id,
            Message.thread_id,
            Message.automated_kind,
            Message.subject,
            sentiment.c.value,
            reply.c.value,
            reply.c.details,
        )
        .join(Source, Source.id == Message.source_id)
        .outerjoin(sentiment, sentiment.c.message_id == Message.id)
        .outerjoin(reply, reply.c.message_id == Message.id)
        .where(Message.workspace_id == workspace_id, Message.sent_at <= until),
        account_ids,
    )
    rows = session.execute(query.order_by(Message.sent_at, Message.id)).all()
    to: dict[int, list[int]] = defaultdict(list)
    cc: dict[int, list[int]] = defaultdict(list)
    recipients = _messages_of(
        select(MessageRecipient.message_id, MessageRecipient.person_id, MessageRecipient.kind)
        .join(Message, Message.id == MessageRecipient.message_id)
        .where(MessageRecipient.workspace_id == workspace_id, Message.sent_at <= until),
        account_ids,
    )
    for message_id, person_id, kind in session.execute(recipients):
        (cc if kind == "cc" else to)[message_id].append(person_id)
    # The reply score names the answering *message*; the graph credits its author.
    author_of = {r[0]: r[3] for r in rows}
    answers = {
        d["answered_by"] for *_, d in rows if d is not None and d.get("answered_by") is not None
    }
    missing = sorted(answers - author_of.keys())
    for i in range(0, len(missing), 500):
        found = session.execute(
            select(Message.id, Message.author_id).where(Message.id.in_(missing[i : i + 500]))
        )
        author_of.update((message_id, author_id) for message_id, author_id in found)
    out = []
    for mid, kind, at, author, thread, automated, subject, score, seconds, details in rows:
        answer = (details or {}).get("answered_by") if details is not None else None
        answered_by = author_of.get(answer) if answer is not None else None
        out.append(
            domain.Interaction(
                message_id=mid,
                channel=_CHANNEL.get(kind, domain.Channel.TICKET),
                sent_at=at,
                author=author,
                to=tuple(to.get(mid, ())),
                cc=tuple(cc.get(mid, ())),
                thread_id=thread,
                sentiment=score,
                reply_seconds=seconds,
                answered=None if details is None else answered_by is not None,
                answered_by=answered_by,
                automated=automated is not None,
                subject=subject or "",
            )
        )
    return out


def items(
    session: Session,
    *,
    workspace_id: int,
    until: datetime,
    account_ids: Sequence[int] | None = None,
) -> list[domain.ItemFact]:
    query = _messages_of(
        select(OpenItemRow, Message.author_id)
        .join(Message, Message.id == OpenItemRow.message_id)
        .where(OpenItemRow.workspace_id == workspace_id, OpenItemRow.asked_at <= until),
        account_ids,
    )
    return [
        domain.ItemFact(
            id=row.id,
            message_id=row.message_id,
            author=author,
            kind=domain.ItemKind(row.kind),
            owed_by=domain.Side(row.owed_by) if row.owed_by else None,
            asked_at=row.asked_at,
            resolved_at=row.resolved_at,
            due=row.due_at,
        )
        for row, author in session.execute(query)
    ]


def accounts_touched_since(session: Session, *, workspace_id: int, since: datetime) -> list[int]:
    """Accounts whose people wrote or received a message ingested after ``since``."""
    new = select(Message.id, Message.author_id).where(
        Message.workspace_id == workspace_id, Message.ingested_at > since
    )
    authors = select(Person.account_id).where(
        Person.id.in_(new.with_only_columns(Message.author_id))
    )
    named = (
        select(Person.account_id)
        .join(MessageRecipient, MessageRecipient.person_id == Person.id)
        .where(MessageRecipient.message_id.in_(new.with_only_columns(Message.id)))
    )
    found = {a for a in session.scalars(authors.union(named)) if a is not None}
    return sorted(found)


def save_snapshots(
    session: Session, *, workspace_id: int, on: date, rows: Sequence[dict[str, Any]]
) -> None:
    """Store (replace) the snapshots of ``on`` for the given accounts."""
    ids = [r["account_id"] for r in rows]
    for i in range(0, len(ids), 500):
        session.execute(
            delete(AccountSnapshot).where(
                AccountSnapshot.workspace_id == workspace_id,
                AccountSnapshot.on == on,
                AccountSnapshot.account_id.in_(ids[i : i + 500]),
            )
        )
    if rows:
        session.execute(
            insert(AccountSnapshot),
            [{"workspace_id": workspace_id, "on": on, **r} for r in rows],
        )


def refresh_activity(session: Session, *, workspace_id: int) -> None:
    """Recount each account's activity (``AccountActivity``): the messages its people
    wrote or received, their threads and the latest one. One statement for the whole
    workspace; the use cases that add messages or move people between accounts call it."""
    theirs = Person.workspace_id == workspace_id, Person.account_id.is_not(None)
    pairs = union(
        select(Person.account_id, Message.id.label("message_id"))
        .join(Message, Message.author_id == Person.id).where(*theirs),
        select(Person.account_id, MessageRecipient.message_id)
        .join(MessageRecipient, MessageRecipient.person_id == Person.id).where(*theirs),
    ).subquery()  # fmt: skip
    counts = (
        select(
            literal(workspace_id, Integer),
            pairs.c.account_id,
            func.count(),
            func.count(Message.thread_id.distinct()),
            func.max(Message.sent_at),
        )  # fmt: skip
        .join(Message, Message.id == pairs.c.message_id)
        .group_by(pairs.c.account_id)
    )
    session.execute(delete(AccountActivity).where(AccountActivity.workspace_id == workspace_id))
    columns = ["workspace_id", "account_id", "messages", "threads", "last_message_at"]
    session.execute(insert(AccountActivity).from_select(columns, counts))


def previous_scores(
    session: Session, *, workspace_id: int, before: date, account_ids: Sequence[int] | None = None
) -> dict[int, float | None]:
    """Per account: the health score of its latest snapshot strictly before ``before``."""
    latest = select(AccountSnapshot.account_id, func.max(AccountSnapshot.on).label("on")).where(
        AccountSnapshot.workspace_id == workspace_id, AccountSnapshot.on < before
    )
    if account_ids is not None:
        latest = latest.where(AccountSnapshot.account_id.in_(account_ids))
    sub = latest.group_by(AccountSnapshot.account_id).subquery()
    rows = session.execute(
        select(AccountSnapshot.account_id, AccountSnapshot.score).join(
            sub, (sub.c.account_id == AccountSnapshot.account_id) & (sub.c.on == AccountSnapshot.on)
        )
    )
    return {account_id: score for account_id, score in rows}


def snapshots(
    session: Session, *, workspace_id: int, on: date | None = None, before: date | None = None
) -> dict[int, AccountSnapshot]:
    """Per account: its snapshot of ``on``, or its latest one strictly before ``before``."""
    query = select(AccountSnapshot).where(AccountSnapshot.workspace_id == workspace_id)
    if on is not None:
        query = query.where(AccountSnapshot.on == on)
    if before is not None:
        latest = (
            select(AccountSnapshot.account_id, func.max(AccountSnapshot.on).label("on"))
            .where(AccountSnapshot.workspace_id == workspace_id, AccountSnapshot.on < before)
            .group_by(AccountSnapshot.account_id)
            .subquery()
        )
        query = query.join(
            latest,
            (latest.c.account_id == AccountSnapshot.account_id)
            & (latest.c.on == AccountSnapshot.on),
        )
    return {s.account_id: s for s in session.scalars(query)}


def newest_message_at(session: Session, *, workspace_id: int) -> datetime | None:
    """When the workspace's newest message was sent (``None`` without messages)."""
    at = session.scalar(
        select(func.max(Message.sent_at)).where(Message.workspace_id == workspace_id)
    )
    if at is not None and at.tzinfo is None:  # an aggregate bypasses the column type
        at = at.replace(tzinfo=UTC)
    return at


def account_messages_until(
    session: Session, *, workspace_id: int, until: datetime
) -> dict[int, tuple[int, datetime | None]]:
    """Per account id: how many messages its people wrote or received up to ``until``, and
    the latest one's date; counted row by row, apart from the account listing's query."""
    people: dict[int, int] = {
        pid: account
        for pid, account in session.execute(
            select(Person.id, Person.account_id).where(
                Person.workspace_id == workspace_id, Person.account_id.is_not(None)
            )
        )
        if account is not None
    }
    sent = dict(
        session.execute(
            select(Message.id, Message.sent_at).where(
                Message.workspace_id == workspace_id, Message.sent_at <= until
            )
        ).all()
    )
    seen: dict[int, set[int]] = defaultdict(set)
    for mid, author in session.execute(
        select(Message.id, Message.author_id).where(Message.workspace_id == workspace_id)
    ):
        if mid in sent and author in people:
            seen[people[author]].add(mid)
    for mid, pid in session.execute(
        select(MessageRecipient.message_id, MessageRecipient.person_id).where(
            MessageRecipient.workspace_id == workspace_id
        )
    ):
        if mid in sent and pid in people:
            seen[people[pid]].add(mid)
    out: dict[int, tuple[int, datetime | None]] = {}
    for account, ids in seen.items():
        last = max(sent[m] for m in ids)
        out[account] = (len(ids), last if last.tzinfo else last.replace(tzinfo=UTC))
    return out
