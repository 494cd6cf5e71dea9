"""Manual corrections to identity resolution: merge people, split an identity off.

Both survive re-ingestion: resolution finds people through their identities,
and these functions move identities (with their messages) between people.
Callers own the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tieline.errors import Conflict, NotFound
from tieline.store.models import Identity, Message, MessageRecipient, Person
from tieline.store.storable import person_name

__all__ = [
    "NamedPerson",
    "account_people",
    "merge_people",
    "named_people",
    "split_identity",
    "thread_accounts",
]


def _person(session: Session, workspace_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace_id:
        raise NotFound(f"no person with id {person_id}")
    return person


def merge_people(
    session: Session,
    *,
    workspace_id: int,
    target_id: int,
    others: Sequence[int],
    rule: str = "manual",
    evidence: Mapping[str, Any] | None = None,
) -> Person:
    """Fold ``others`` into ``target_id``: identities, messages and blanks in name/title/account.

    The identities that move record ``rule`` and ``evidence`` (how they joined).
    """
    target = _person(session, workspace_id, target_id)
    sources = [_person(session, workspace_id, i) for i in dict.fromkeys(others) if i != target_id]
    if not sources:
        raise Conflict("name at least one other person to merge")
    ids = [p.id for p in sources]
    session.execute(
        update(Identity)
        .where(Identity.person_id.in_(ids))
        .values(person_id=target.id, joined_by=rule, join_evidence=dict(evidence or {}))
    )
    session.execute(update(Message).where(Message.author_id.in_(ids)).values(author_id=target.id))
    session.execute(
        update(MessageRecipient)
        .where(MessageRecipient.person_id.in_(ids))
        .values(person_id=target.id)
    )
    for source in sources:
        if source.name and (not target.name or (target.name_derived and not source.name_derived)):
            target.name, target.name_derived = source.name, source.name_derived
        target.title = target.title or source.title
        if target.account_id is None and not target.internal:
            target.account_id = source.account_id
        target.internal = target.internal or source.internal
        target.automated = target.automated and source.automated
    if target.internal:
        target.account_id = None
    session.flush()
    session.execute(delete(Person).where(Person.id.in_(ids)))
    session.flush()
    return target


def split_identity(session: Session, *, workspace_id: int, kind: str, value: str) -> Person:
    """Move one identity, and the messages sent or received through it, to a new person.

    The identity is pinned: the automatic joins (same name, free-mail name) leave it alone.
    """
    identity = session.scalar(
        select(Identity).where(
            Identity.workspace_id == workspace_id, Identity.kind == kind, Identity.value == value
        )
    )
    if identity is None:
        raise NotFound(f"no identity {kind}:{value}")
    old = _person(session, workspace_id, identity.person_id)
    remaining = session.scalar(
        select(Identity.id).where(Identity.person_id == old.id, Identity.id != identity.id).limit(1)
    )
    if remaining is None:
        raise Conflict(f"{kind}:{value} is the only identity of person {old.id}; nothing to split")
    person = Person(
        workspace_id=workspace_id,
        name=person_name(identity.display_name) or old.name,
        internal=old.internal,
        automated=old.automated,
        account_id=old.account_id,
    )
    session.add(person)
    session.flush()
    identity.person_id = person.id
    identity.pinned = True
    identity.joined_by = None
    identity.join_evidence = {}
    session.execute(
        update(Message).where(Message.author_identity_id == identity.id).values(author_id=person.id)
    )
    session.execute(
        update(MessageRecipient)
        .where(MessageRecipient.identity_id == identity.id)
        .values(person_id=person.id)
    )
    session.flush()
    return person


@dataclass(frozen=True, slots=True)
class NamedPerson:
    """A person as the automatic joins see it."""

    id: int
    name: str
    name_derived: bool
    internal: bool
    account_id: int | None
    pinned: bool  # one of its identities was split off by hand
    emails: tuple[str, ...]
    other_identities: int  # Slack, ticket ids ...


def named_people(session: Session, *, workspace_id: int) -> list[NamedPerson]:
    """Every person with a name, with their email addresses."""
    emails: dict[int, list[str]] = defaultdict(list)
    others: dict[int, int] = defaultdict(int)
    pinned: set[int] = set()
    for person_id, kind, value, pin in session.execute(
        select(Identity.person_id, Identity.kind, Identity.value, Identity.pinned)
        .where(Identity.workspace_id == workspace_id)
        .order_by(Identity.id)
    ):
        if kind == "email":
            emails[person_id].append(value)
        else:
            others[person_id] += 1
        if pin:
            pinned.add(person_id)
    return [
        NamedPerson(id=p.id, name=p.name, name_derived=p.name_derived, internal=p.internal,
                    account_id=p.account_id, pinned=p.id in pinned,
                    emails=tuple(emails.get(p.id, ())), other_identities=others.get(p.id, 0))
        for p in session.scalars(
            select(Person).where(Person.workspace_id == workspace_id, Person.name != "")
            .order_by(Person.id)
        )
    ]  # fmt: skip


def thread_accounts(
    session: Session, *, workspace_id: int, authors: Sequence[int]
) -> dict[int, dict[int, set[int]]]:
    """Per author: the accounts (and the threads they share) of everyone in the
    threads the author wrote in: {author: {account id: {thread ids}}}."""
    if not authors:
        return {}
    threads: dict[int, set[int]] = defaultdict(set)
    for author, thread in session.execute(
        select(Message.author_id, Message.thread_id).where(
            Message.workspace_id == workspace_id,
            Message.author_id.in_(authors),
            Message.thread_id.is_not(None),
        )
    ):
        if thread is not None:
            threads[thread].add(author)
    out: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    ids = list(threads)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = session.execute(
            select(Message.thread_id, Person.account_id)
            .join(Person, Person.id == Message.author_id)
            .where(Message.thread_id.in_(chunk), Person.account_id.is_not(None))
            .union(
                select(Message.thread_id, Person.account_id)
                .join(MessageRecipient, MessageRecipient.message_id == Message.id)
                .join(Person, Person.id == MessageRecipient.person_id)
                .where(Message.thread_id.in_(chunk), Person.account_id.is_not(None))
            )
        )
        for thread, account_id in rows:
            if thread is None or account_id is None:
                continue
            for author in threads[thread]:
                out[author][account_id].add(thread)
    return {a: dict(v) for a, v in out.items()}


def account_people(
    session: Session, *, workspace_id: int, account_ids: Sequence[int]
) -> dict[int, list[tuple[int, str]]]:
    """Account id -> [(person id, name)] of the named people of those accounts."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if account_ids:
        for person_id, name, account_id in session.execute(
            select(Person.id, Person.name, Person.account_id).where(
                Person.workspace_id == workspace_id,
                Person.account_id.in_(list(account_ids)),
                Person.name != "",
            )
        ):
            if account_id is not None:
                out[account_id].append((person_id, name))
    return dict(out)
