"""Repository functions: the only place that writes SQL. Callers own the transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from tieline import domain
from tieline.errors import NotFound
from tieline.store.models import (
    Account,
    AccountDomain,
    Base,
    Message,
    MessageLocation,
    MessageRecipient,
    Person,
    SkippedRecord,
    Source,
    Thread,
    Workspace,
)
from tieline.store.storable import fit_key, limit_of, storable_message, storable_skipped

__all__ = [
    "add_messages",
    "add_skipped",
    "configure_account",
    "copy_key",
    "ensure_source",
    "ensure_workspace",
    "get_workspace_id",
    "rethread",
    "save_sync_state",
    "sync_state",
    "workspace_name",
]

# Core tables for the bulk paths: executemany without the ORM's per-row work.
_MESSAGES = Base.metadata.tables["messages"]
_RECIPIENTS = Base.metadata.tables["message_recipients"]

_IN_CHUNK = 500  # stays under SQLite's bound-parameter limit

# The attribute of an email kept apart because its Message-ID was reused: the original id.
REUSED_MESSAGE_ID = "reused_message_id"


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _one_of(
    session: Session,
    column: InstrumentedAttribute[str] | ColumnElement[str],
    values: Sequence[str],
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter instead of 500.

    psycopg and SQLAlchemy spend client time per bound parameter of a large IN
    list; an array travels as one value and the index is used the same way.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(values)


def ensure_workspace(session: Session, name: str) -> int:
    ws = session.scalar(select(Workspace.id).where(Workspace.name == name))
    if ws is None:
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
        ws = workspace.id
    return ws


def get_workspace_id(session: Session, name: str) -> int:
    ws = session.scalar(select(Workspace.id).where(Workspace.name == name))
    if ws is None:
        raise NotFound(f"workspace {name!r} does not exist; ingest something into it first")
    return ws


def workspace_name(session: Session, workspace_id: int) -> str:
    name = session.scalar(select(Workspace.name).where(Workspace.id == workspace_id))
    if name is None:
        raise NotFound(f"no workspace {workspace_id}")
    return name


def ensure_source(session: Session, *, workspace_id: int, kind: str, name: str) -> int:
    source_id = session.scalar(
        select(Source.id).where(
            Source.workspace_id == workspace_id, Source.kind == kind, Source.name == name
        )
    )
    if source_id is None:
        source = Source(workspace_id=workspace_id, kind=kind, name=name)
        session.add(source)
        session.flush()
        source_id = source.id
    return source_id


def add_messages(
    session: Session,
    *,
    workspace_id: int,
    source_id: int,
    messages: Sequence[domain.Message],
    resolve: Callable[[domain.Message], tuple[tuple[int, int], list[tuple[str, int, int]]]],
) -> int:
    """Insert the messages not stored yet; return how many were new.

    ``resolve`` maps a message to ``((author person, identity), [(kind, person,
    identity), ...])`` and is only called for new messages.
    """
    fresh = _unstored(
        session,
        workspace_id=workspace_id,
        source_id=source_id,
        messages=[storable_message(m) for m in messages],
    )
    copies = _set_aside_copies(session, workspace_id=workspace_id, fresh=fresh)
    if not fresh:
        _keep_locations(session, workspace_id=workspace_id, source_id=source_id, copies=copies)
        return 0
    rows: list[dict[str, Any]] = []
    recipients: dict[str, list[tuple[str, int, int]]] = {}
    for m in fresh.values():
        (author_id, author_identity), recips = resolve(m)
        recipients[m.external_id] = recips
        rows.append(
            {
                "workspace_id": workspace_id,
                "source_id": source_id,
                "external_id": m.external_id,
                "author_id": author_id,
                "author_identity_id": author_identity,
                "sent_at": m.sent_at,
                "subject": m.subject,
                "body": m.body,
                "quoted_text": m.quoted_text,
                "signature": m.signature,
                "in_reply_to": m.in_reply_to,
                "references": " ".join(m.references),
                "provider_thread_id": m.provider_thread_id,
                "automated_kind": m.automated_kind.value if m.automated_kind else None,
                "automated_reason": m.automated_reason,
                "content_hash": m.content_hash,
                "locator": m.locator,
                "size_bytes": m.size_bytes,
                "attributes": dict(m.attributes),
                "copy_key": copy_key(m),
            }
        )
    # Plain executemany, then one lookup for the new ids: RETURNING through the
    # ORM's bulk path costs several times more per row on SQLite.
    session.connection().execute(insert(_MESSAGES), rows)
    inserted: list[tuple[int, str]] = []
    for ids in _chunks(list(fresh)):
        inserted.extend(
            session.execute(
                select(Message.id, Message.external_id).where(
                    Message.workspace_id == workspace_id,
                    Message.source_id == source_id,
                    _one_of(session, Message.external_id, ids),
                )
            ).all()
        )
    recipient_rows = [
        {
            "workspace_id": workspace_id,
            "message_id": message_id,
            "person_id": person_id,
            "identity_id": identity_id,
            "kind": kind,
        }
        for message_id, external_id in inserted
        for kind, person_id, identity_id in dict.fromkeys(recipients[external_id])
    ]
    if recipient_rows:
        session.connection().execute(insert(_RECIPIENTS), recipient_rows)
    _keep_locations(session, workspace_id=workspace_id, source_id=source_id, copies=copies)
    return len(inserted)


def _stored(
    session: Session, *, workspace_id: int, source_id: int, external_ids: Sequence[str]
) -> dict[str, tuple[str, datetime]]:
    """external id -> (content hash, sent at) of those of ``external_ids`` already stored."""
    found: dict[str, tuple[str, datetime]] = {}
    for ids in _chunks(external_ids):
        for external_id, content_hash, sent_at in session.execute(
            select(Message.external_id, Message.content_hash, Message.sent_at).where(
                Message.workspace_id == workspace_id,
                Message.source_id == source_id,
                _one_of(session, Message.external_id, ids),
            )
        ):
            found[external_id] = (content_hash, sent_at)
    return found


def _reuses_id(m: domain.Message, content_hash: str, sent_at: datetime) -> bool:
    """Whether ``m`` is another email than the one stored under its Message-ID.

    Message-IDs are meant to be unique, and a copy of one message (another
    mailbox, a list's copy with its footer) keeps its Date. A different Date
    and different content mean a mailer reused the id for a new message.
    Slack and ticket ids name one record, which may be edited: never a new one.
    """
    return (
        m.channel is domain.Channel.EMAIL
        and bool(m.content_hash)
        and m.content_hash != content_hash
        and m.sent_at != sent_at
    )


def _under_own_id(m: domain.Message) -> domain.Message:
    """``m`` keyed by its Message-ID and its content: where a reused id keeps it apart."""
    original = m.attributes.get(REUSED_MESSAGE_ID, m.external_id)
    return dataclasses.replace(
        m,
        external_id=fit_key(f"{original}#{m.content_hash[:16]}", limit_of(Message, "external_id")),
        attributes={**m.attributes, REUSED_MESSAGE_ID: original},
    )


def _unstored(
    session: Session, *, workspace_id: int, source_id: int, messages: Sequence[domain.Message]
) -> dict[str, domain.Message]:
    """The messages of a batch not stored yet, by external id.

    A re-read message is a duplicate. An email whose Message-ID another email
    already has (see ``_reuses_id``) is kept under an id of its own, the same on
    every run and in any order, so a re-run adds nothing.
    """
    by_id: dict[str, list[domain.Message]] = {}
    for m in messages:
        group = by_id.setdefault(m.external_id, [])
        if all(_reuses_id(m, other.content_hash, other.sent_at) for other in group):
            group.append(m)  # the first, or another email under a reused id
    stored = _stored(
        session, workspace_id=workspace_id, source_id=source_id, external_ids=list(by_id)
    )
    fresh: dict[str, domain.Message] = {}
    apart: dict[str, domain.Message] = {}
    for external_id, group in by_id.items():
        if external_id in stored:
            others = [m for m in group if _reuses_id(m, *stored[external_id])]
        else:
            fresh[external_id], others = group[0], group[1:]
        for m in others:
            own = _under_own_id(m)
            apart.setdefault(own.external_id, own)
    if apart:
        stored = _stored(
            session, workspace_id=workspace_id, source_id=source_id, external_ids=list(apart)
        )
        fresh.update((k, m) for k, m in apart.items() if k not in stored and k not in fresh)
    return fresh


_NOT_TEXT = re.compile(r"[\W_]+")
# Copies of one email can carry dates shifted by a time-zone offset (exports that
# rewrote the Date header): same minute within the quarter hour, at most 14 hours apart.
_COPY_WINDOW = timedelta(hours=14)


def copy_key(m: domain.Message) -> str | None:
    """What copies of one email share whatever their Message-ID: sender, subject and
    text (spacing and punctuation aside) and the time within the quarter hour. None for
    chat and tickets, whose ids are the source's."""
    if m.channel is not domain.Channel.EMAIL:
        return None
    at = m.sent_at.astimezone(UTC)
    # The new text only: exports wrap or re-encode the quoted history of one copy.
    texts = (_NOT_TEXT.sub("", t).lower() for t in (m.subject, m.body))
    parts = (m.author.email.lower(), f"{at.minute % 15}:{at.second}", *texts)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _same_copy(a: datetime, b: datetime) -> bool:
    delta = abs(a - b)
    return delta <= _COPY_WINDOW and delta.total_seconds() % 900 == 0


Copy = tuple[domain.Message, int | str]  # a copy and its stored message (id, or external id)


def _set_aside_copies(
    session: Session, *, workspace_id: int, fresh: dict[str, domain.Message]
) -> list[Copy]:
    """Take copies of stored (or earlier) messages out of ``fresh``.

    The same email filed in several folders carries different Message-IDs; it is
    stored once, and each copy becomes a location of the stored message.
    """
    keyed = {external_id: k for external_id, m in fresh.items() if (k := copy_key(m))}
    stored: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for chunk in _chunks(list(set(keyed.values()))):
        for message_id, key, sent_at in session.execute(
            select(Message.id, Message.copy_key, Message.sent_at)
            .where(
                Message.workspace_id == workspace_id,
                _one_of(session, Message.copy_key, chunk),  # type: ignore[arg-type]
            )
            .order_by(Message.id)
        ):
            if key is not None:
                stored[key].append((message_id, sent_at))
    kept: dict[str, list[tuple[str, datetime]]] = defaultdict(list)  # in this batch
    copies: list[Copy] = []
    for external_id, key in keyed.items():
        m = fresh[external_id]
        target: int | str | None = next(
            (i for i, at in stored.get(key, ()) if _same_copy(at, m.sent_at)), None
        )
        if target is None:
            target = next((e for e, at in kept[key] if _same_copy(at, m.sent_at)), None)
        if target is None:
            kept[key].append((external_id, m.sent_at))
        else:
            copies.append((fresh.pop(external_id), target))
    return copies


def _keep_locations(
    session: Session, *, workspace_id: int, source_id: int, copies: list[Copy]
) -> None:
    """Record where each copy was found, on the message stored in its place."""
    if not copies:
        return
    by_external = [t for _, t in copies if isinstance(t, str)]
    ids: dict[str, int] = {}
    for chunk in _chunks(by_external):
        ids.update(
            (e, i)
            for i, e in session.execute(
                select(Message.id, Message.external_id).where(
                    Message.workspace_id == workspace_id,
                    Message.source_id == source_id,
                    _one_of(session, Message.external_id, chunk),
                )
            )
        )
    targets = [(m, t if isinstance(t, int) else ids.get(t)) for m, t in copies]
    known: set[tuple[int, str]] = set()
    wanted = list({t for _, t in targets if t is not None})
    for chunk in _chunks(wanted):
        known.update(
            (i, e)
            for i, e in session.execute(
                select(MessageLocation.message_id, MessageLocation.external_id).where(
                    MessageLocation.workspace_id == workspace_id,
                    MessageLocation.message_id.in_(chunk),
                )
            )
        )
    rows = []
    for m, target in targets:
        if target is None or (target, m.external_id) in known:
            continue
        known.add((target, m.external_id))
        rows.append({"workspace_id": workspace_id, "message_id": target, "source_id": source_id,
                     "external_id": m.external_id, "locator": m.locator})  # fmt: skip
    if rows:
        session.execute(insert(MessageLocation), rows)


def add_skipped(
    session: Session, *, workspace_id: int, source_id: int, skipped: Sequence[domain.Skipped]
) -> int:
    """Record skipped records not recorded yet (by locator); return how many were new."""
    fresh = {s.locator: s for s in map(storable_skipped, skipped)}
    for locators in _chunks(list(fresh)):
        for locator in session.scalars(
            select(SkippedRecord.locator).where(
                SkippedRecord.workspace_id == workspace_id,
                SkippedRecord.source_id == source_id,
                SkippedRecord.locator.in_(locators),
            )
        ):
            fresh.pop(locator, None)
    if fresh:
        session.execute(
            insert(SkippedRecord),
            [
                {
                    "workspace_id": workspace_id,
                    "source_id": source_id,
                    "locator": s.locator,
                    "external_id": s.external_id,
                    "reason": s.reason,
                    "detail": s.detail[:2000],
                }
                for s in fresh.values()
            ],
        )
    return len(fresh)


def rethread(
    session: Session,
    *,
    workspace_id: int,
    build: Callable[[Iterable[domain.ThreadHeader]], dict[str, str]],
) -> int:
    """Recompute every thread of a workspace with ``build``; return the thread count.

    Holds a compact header per message (ids interned, participants as person
    ids): threading is global, so this pass is the one part of ingest whose
    memory grows with the workspace. Rows change only where the assignment
    changed, so a second run writes nothing.
    """
    participants: dict[int, list[int]] = defaultdict(list)
    for message_id, person_id in session.execute(
        select(MessageRecipient.message_id, MessageRecipient.person_id).where(
            MessageRecipient.workspace_id == workspace_id
        )
    ):
        participants[message_id].append(person_id)
    pool: dict[str, str] = {}  # one string object per message id, however often referenced
    # A reply may name a copy's Message-ID: it means the message stored in its place.
    alias = {
        copy: pool.setdefault(kept, kept)
        for copy, kept in session.execute(
            select(MessageLocation.external_id, Message.external_id)
            .join(Message, Message.id == MessageLocation.message_id)
            .where(MessageLocation.workspace_id == workspace_id)
        )
    }
    headers: list[domain.ThreadHeader] = []
    current: dict[str, tuple[int, int | None]] = {}  # external id -> (row id, thread id)
    result = session.execute(
        select(
            Message.id,
            Message.external_id,
            Message.sent_at,
            Message.subject,
            Message.in_reply_to,
            Message.references,
            Message.provider_thread_id,
            Message.author_id,
            Message.thread_id,
        ).where(Message.workspace_id == workspace_id),
        execution_options={"yield_per": 5000},
    )
    for r in result:
        key = pool.setdefault(r.external_id, r.external_id)
        current[key] = (r.id, r.thread_id)
        headers.append(
            domain.ThreadHeader(
                key=key,
                sent_at=r.sent_at,
                subject=r.subject,
                in_reply_to=alias.get(r.in_reply_to)
                or pool.setdefault(r.in_reply_to, r.in_reply_to)
                if r.in_reply_to
                else None,
                references=tuple(
                    alias.get(ref) or pool.setdefault(ref, ref) for ref in r.references.split()
                ),
                provider_thread_id=r.provider_thread_id,
                participants=frozenset([*participants.pop(r.id, ()), r.author_id]),
            )
        )
    del pool, participants
    assignment = build(headers)
    summary: dict[str, tuple[datetime, datetime, int]] = {}
    subjects: dict[str, str] = {}
    for h in headers:
        thread_key = assignment[h.key]
        if thread_key == h.key:
            subjects[thread_key] = h.subject
        first, last, n = summary.get(thread_key, (h.sent_at, h.sent_at, 0))
        summary[thread_key] = (min(first, h.sent_at), max(last, h.sent_at), n + 1)
    del headers

    threads = Base.metadata.tables["threads"]
    existing = {
        row.key: row
        for row in session.execute(
            select(threads.c.id, threads.c.key, threads.c.first_at, threads.c.last_at,
                   threads.c.message_count).where(threads.c.workspace_id == workspace_id)
        )
    }  # fmt: skip
    ids = {key: row.id for key, row in existing.items()}
    new_threads = [
        {"workspace_id": workspace_id, "key": key, "subject": subjects[key], "first_at": first,
         "last_at": last, "message_count": n}
        for key, (first, last, n) in summary.items()
        if key not in existing
    ]  # fmt: skip
    # Plain executemany and one lookup: RETURNING with parameter order falls back
    # to one statement per row on SQLite.
    for chunk in _chunks(new_threads, 1000):
        session.connection().execute(insert(threads), list(chunk))
        keys = [row["key"] for row in chunk]
        for lookup in _chunks(keys):
            for thread_id, key in session.execute(
                select(threads.c.id, threads.c.key).where(
                    threads.c.workspace_id == workspace_id, _one_of(session, threads.c.key, lookup)
                )
            ):
                ids[key] = thread_id
    changed = [
        {"thread": row.id, "first": summary[key][0], "last": summary[key][1], "n": summary[key][2]}
        for key, row in existing.items()
        if key in summary and (row.first_at, row.last_at, row.message_count) != summary[key]
    ]
    if changed:
        session.connection().execute(
            update(threads)
            .where(threads.c.id == bindparam("thread"))
            .values(first_at=bindparam("first"), last_at=bindparam("last"),
                    message_count=bindparam("n")),
            changed,
        )  # fmt: skip
    moves = [
        {"message": row_id, "thread": ids[assignment[key]]}
        for key, (row_id, thread_id) in current.items()
        if thread_id != ids[assignment[key]]
    ]
    move = (
        update(_MESSAGES)
        .where(_MESSAGES.c.id == bindparam("message"))
        .values(thread_id=bindparam("thread"))
    )
    for chunk in _chunks(moves, 5000):
        session.connection().execute(move, list(chunk))
    gone = [row.id for key, row in existing.items() if key not in summary]
    for chunk in _chunks(gone):
        session.execute(delete(Thread).where(Thread.id.in_(chunk)))
    session.flush()
    return len(summary)


def configure_account(
    session: Session, *, workspace_id: int, name: str, domains: Sequence[str]
) -> int:
    """Make ``name`` own ``domains``, moving them (and their people) from auto-named accounts."""
    account = session.scalar(
        select(Account).where(Account.workspace_id == workspace_id, Account.name == name)
    )
    if account is None:
        account = Account(workspace_id=workspace_id, name=name, origin="config")
        session.add(account)
        session.flush()
    account.origin = "config"
    for dom in domains:
        link = session.scalar(
            select(AccountDomain).where(
                AccountDomain.workspace_id == workspace_id, AccountDomain.domain == dom
            )
        )
        if link is None:
            session.add(AccountDomain(workspace_id=workspace_id, account_id=account.id, domain=dom))
        elif link.account_id != account.id:
            previous = link.account_id
            link.account_id = account.id
            session.execute(
                update(Person)
                .where(Person.workspace_id == workspace_id, Person.account_id == previous)
                .values(account_id=account.id)
            )
            session.flush()
            if not session.scalar(select(func.count()).where(AccountDomain.account_id == previous)):
                session.execute(delete(Account).where(Account.id == previous))
    session.flush()
    return account.id


def sync_state(session: Session, *, source_id: int) -> dict[str, Any]:
    """Where the last live pull of a source stopped (empty before the first)."""
    source = session.get(Source, source_id)
    return dict(source.sync_state) if source is not None else {}


def save_sync_state(session: Session, *, source_id: int, state: dict[str, Any]) -> None:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    source.sync_state = dict(state)
    session.flush()
