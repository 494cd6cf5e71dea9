"""Read models: stats, accounts and people as domain values."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from tieline import domain
from tieline.errors import NotFound
from tieline.store.models import (
    Account,
    AccountDomain,
    Identity,
    Message,
    MessageRecipient,
    Person,
    SkippedRecord,
    Source,
    Thread,
)

__all__ = ["list_accounts", "list_people", "stats"]


def _message_people(workspace_id: int) -> Select[tuple[int, int]]:
    """(message id, person id) for every author and recipient of a workspace's messages."""
    return union(
        select(Message.id, Message.author_id).where(Message.workspace_id == workspace_id),
        select(MessageRecipient.message_id, MessageRecipient.person_id).where(
            MessageRecipient.workspace_id == workspace_id
        ),
    )  # type: ignore[return-value]


def stats(session: Session, *, workspace_id: int) -> dict[str, Any]:
    """Counts per source (messages, threads, people, accounts, skipped by reason) and totals."""
    sources = session.execute(
        select(Source.id, Source.kind, Source.name).where(Source.workspace_id == workspace_id)
    ).all()
    mp = _message_people(workspace_id).subquery()
    per_source: list[dict[str, Any]] = []
    for source_id, kind, name in sources:
        msgs = select(Message.id).where(Message.source_id == source_id)
        people_q = select(mp.c[1]).where(mp.c[0].in_(msgs)).distinct().subquery()
        skipped = Counter(
            dict(
                session.execute(
                    select(SkippedRecord.reason, func.count())
                    .where(SkippedRecord.source_id == source_id)
                    .group_by(SkippedRecord.reason)
                ).all()
            )
        )
        per_source.append(
            {
                "source": name,
                "kind": kind,
                "messages": session.scalar(select(func.count()).select_from(msgs.subquery())),
                "automated_messages": session.scalar(
                    select(func.count()).where(
                        Message.source_id == source_id, Message.automated_kind.is_not(None)
                    )
                ),
                "threads": session.scalar(
                    select(func.count(func.distinct(Message.thread_id))).where(
                        Message.source_id == source_id
                    )
                ),
                "people": session.scalar(select(func.count()).select_from(people_q)),
                "accounts": session.scalar(
                    select(func.count(func.distinct(Person.account_id))).where(
                        Person.id.in_(select(people_q)), Person.account_id.is_not(None)
                    )
                ),
                "skipped": sum(skipped.values()),
                "skipped_by_reason": dict(sorted(skipped.items())),
            }
        )

    def count(model: type[Message | Thread | Person | Account | SkippedRecord]) -> int:
        query = select(func.count()).select_from(model).where(model.workspace_id == workspace_id)
        return session.scalar(query) or 0

    return {
        "sources": per_source,
        "totals": {
            "messages": count(Message),
            "threads": count(Thread),
            "people": count(Person),
            "accounts": count(Account),
            "skipped": count(SkippedRecord),
        },
    }


def _account_domains(session: Session, workspace_id: int) -> dict[int, list[str]]:
    domains: dict[int, list[str]] = defaultdict(list)
    for account_id, dom in session.execute(
        select(AccountDomain.account_id, AccountDomain.domain)
        .where(AccountDomain.workspace_id == workspace_id)
        .order_by(AccountDomain.domain)
    ):
        domains[account_id].append(dom)
    return domains


def list_accounts(
    session: Session, *, workspace_id: int, as_of: datetime | None = None
) -> list[domain.Account]:
    """Every account with its domains, people, and the messages/threads it takes part in.

    With ``as_of`` nothing later counts: messages, threads and the last message are those
    sent by then, and people are those who took part in them.
    """
    mp = _message_people(workspace_id).subquery()
    activity = (
        select(
            Person.account_id,
            func.count(func.distinct(Message.id)).label("messages"),
            func.count(func.distinct(Message.thread_id)).label("threads"),
            func.max(Message.sent_at).label("last_at"),
            func.count(func.distinct(Person.id)).label("people"),
        )
        .join(mp, mp.c[1] == Person.id)
        .join(Message, Message.id == mp.c[0])
        .where(Person.account_id.is_not(None), Person.workspace_id == workspace_id)
        .group_by(Person.account_id)
    )
    if as_of is not None:
        activity = activity.where(Message.sent_at <= as_of)
    act = {r.account_id: r for r in session.execute(activity)}
    if as_of is not None:
        people = {k: r.people for k, r in act.items()}
    else:
        people = dict(
            session.execute(
                select(Person.account_id, func.count())
                .where(Person.workspace_id == workspace_id, Person.account_id.is_not(None))
                .group_by(Person.account_id)
            ).all()
        )
    domains = _account_domains(session, workspace_id)
    out = []
    for account in session.scalars(
        select(Account).where(Account.workspace_id == workspace_id).order_by(Account.name)
    ):
        a = act.get(account.id)
        last = a.last_at if a else None
        if last is not None and last.tzinfo is None:  # aggregates bypass the column type
            last = last.replace(tzinfo=UTC)
        out.append(
            domain.Account(
                id=account.id,
                name=account.name,
                domains=tuple(domains.get(account.id, ())),
                people=people.get(account.id, 0),
                messages=a.messages if a else 0,
                threads=a.threads if a else 0,
                last_message_at=last,
                origin=account.origin,
                external_id=account.external_id,
                owner=account.owner,
                segment=account.segment,
                arr=account.arr,
                renewal_on=account.renewal_on,
            )
        )
    return out


def list_people(
    session: Session, *, workspace_id: int, account: str | None = None, person: int | None = None
) -> list[domain.Person]:
    """People of a workspace (optionally of one account by name, or one person) with identities."""
    query = (
        select(Person, Account.name)
        .outerjoin(Account, Account.id == Person.account_id)
        .where(Person.workspace_id == workspace_id)
        .order_by(Person.internal.desc(), Account.name, Person.name, Person.id)
    )
    if account is not None:
        account_id = session.scalar(
            select(Account.id).where(
                Account.workspace_id == workspace_id, func.lower(Account.name) == account.lower()
            )
        )
        if account_id is None:
            raise NotFound(f"no account named {account!r}")
        query = query.where(Person.account_id == account_id)
    if person is not None:
        query = query.where(Person.id == person)
    identities: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for person_id, kind, value in session.execute(
        select(Identity.person_id, Identity.kind, Identity.value)
        .where(
            Identity.workspace_id == workspace_id,
            *([Identity.person_id == person] if person is not None else []),
        )
        .order_by(Identity.id)
    ):
        identities[person_id].append((kind, value))
    return [
        domain.Person(
            id=p.id,
            name=p.name,
            internal=p.internal,
            account=account_name,
            emails=tuple(v for k, v in identities.get(p.id, ()) if k == "email"),
            title=p.title,
            identities=tuple(identities.get(p.id, ())),
            automated=p.automated,
            name_derived=p.name_derived,
        )
        for p, account_name in session.execute(query)
    ]
