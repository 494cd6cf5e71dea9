"""Manual corrections to identity resolution: merge people, split an identity off.

Both survive re-ingestion: resolution finds people through their identities,
and these functions move identities (with their messages) between people.
Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tieline.errors import Conflict, NotFound
from tieline.store.models import Identity, Message, MessageRecipient, Person
from tieline.store.storable import person_name

__all__ = ["merge_people", "split_identity"]


def _person(session: Session, workspace_id: int, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace_id:
        raise NotFound(f"no person with id {person_id}")
    return person


def merge_people(
    session: Session, *, workspace_id: int, target_id: int, others: Sequence[int]
) -> Person:
    """Fold ``others`` into ``target_id``: identities, messages and blanks in name/title/account."""
    target = _person(session, workspace_id, target_id)
    sources = [_person(session, workspace_id, i) for i in dict.fromkeys(others) if i != target_id]
    if not sources:
        raise Conflict("name at least one other person to merge")
    ids = [p.id for p in sources]
    session.execute(update(Identity).where(Identity.person_id.in_(ids)).values(person_id=target.id))
    session.execute(update(Message).where(Message.author_id.in_(ids)).values(author_id=target.id))
    session.execute(
        update(MessageRecipient)
        .where(MessageRecipient.person_id.in_(ids))
        .values(person_id=target.id)
    )
    for source in sources:
        target.name = target.name or source.name
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
    """Move one identity, and the messages sent or received through it, to a new person."""
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
