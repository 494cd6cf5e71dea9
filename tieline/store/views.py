"""The API's reads: latest snapshot per account, pages of accounts, people, messages with
their scores, open items, snapshot history; and the workspace's health-config override.

Pages are keyset pages: ``after`` is the last row's sort key and id, never an OFFSET,
so a page costs the same wherever it is and rows added meanwhile do not shift it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from tieline.store.models import (
    Account,
    AccountDomain,
    AccountSnapshot,
    HealthOverride,
    Identity,
    Message,
    MessageRecipient,
    MessageScore,
    OpenItemRow,
    Person,
)

__all__ = [
    "AccountRow",
    "ItemView",
    "PersonView",
    "AccountSort",
    "account_counts",
    "account_domains",
    "account_name",
    "account_page",
    "history",
    "item_page",
    "latest_snapshot",
    "load_health_config",
    "message_page",
    "message_signals",
    "person_page",
    "save_health_config",
]

AccountSort = Literal["health", "-health", "name", "-name", "relationship", "-relationship"]
# Accounts without a snapshot sort after every scored one, in both directions.
_NO_SCORE_ASC, _NO_SCORE_DESC = 1e9, -1e9


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    name: str
    score: float | None
    band: str | None
    relationship: int | None
    flags: list[str]
    on: date | None
    trend: float | None
    sort_key: Any


def account_name(session: Session, *, workspace_id: int, account_id: int) -> str | None:
    """The account's name, or None when it is not one of the workspace's."""
    return session.scalar(
        select(Account.name).where(Account.workspace_id == workspace_id, Account.id == account_id)
    )


def _latest(workspace_id: int) -> Any:
    return (
        select(AccountSnapshot.account_id, func.max(AccountSnapshot.on).label("on"))
        .where(AccountSnapshot.workspace_id == workspace_id)
        .group_by(AccountSnapshot.account_id)
        .subquery("latest")
    )


def _sort_key(sort: AccountSort, snap: Any) -> tuple[Any, bool]:
    """The sort column (never NULL, so keyset comparisons hold) and whether it descends."""
    desc = sort.startswith("-")
    field = sort.lstrip("-")
    if field == "name":
        return Account.name, desc
    column = snap.score if field == "health" else cast(snap.relationship, Float)
    return func.coalesce(column, _NO_SCORE_DESC if desc else _NO_SCORE_ASC), desc


def account_page(
    session: Session,
    *,
    workspace_id: int,
    sort: AccountSort = "health",
    band: str | None = None,
    flag: str | None = None,
    after: tuple[Any, int] | None = None,
    limit: int = 50,
) -> list[AccountRow]:
    """Up to ``limit`` accounts with their latest snapshot, after the ``after`` key."""
    latest = _latest(workspace_id)
    snap = aliased(AccountSnapshot)
    key, desc = _sort_key(sort, snap)
    query = (
        select(
            Account.id,
            Account.name,
            snap.score,
            snap.band,
            snap.relationship,
            snap.flags,
            snap.on,
            snap.payload[("health", "trend")].as_float(),
            key,
        )  # fmt: skip
        .select_from(Account)
        .outerjoin(latest, latest.c.account_id == Account.id)
        .outerjoin(
            snap,
            and_(
                snap.workspace_id == workspace_id,
                snap.account_id == latest.c.account_id,
                snap.on == latest.c.on,
            ),
        )  # fmt: skip
        .where(Account.workspace_id == workspace_id)
    )
    if band is not None:
        query = query.where(snap.band == band)
    if flag is not None:
        # Flag names are plain identifiers: a quoted match on the JSON text is exact.
        query = query.where(cast(snap.flags, String).like(f'%"{flag}"%'))
    if after is not None:
        value, last_id = after
        beyond = key < value if desc else key > value
        query = query.where(or_(beyond, and_(key == value, Account.id > last_id)))
    query = query.order_by(key.desc() if desc else key.asc(), Account.id).limit(limit)
    return [
        AccountRow(i, n, s, b, r, list(f or []), on, t, k)
        for i, n, s, b, r, f, on, t, k in session.execute(query)
    ]


def list_version(session: Session, *, workspace_id: int) -> tuple[Any, ...]:
    """Changes whenever the account list could: a snapshot or an account added or replaced.

    Snapshots are replaced by delete + insert, so a new id shows every change; count and
    max(id) are answered from the (workspace_id, account_id, on) index alone.
    """
    snaps = session.execute(
        select(func.count(), func.max(AccountSnapshot.id)).where(
            AccountSnapshot.workspace_id == workspace_id
        )
    ).one()
    accounts = session.execute(
        select(func.count(), func.max(Account.id)).where(Account.workspace_id == workspace_id)
    ).one()
    return (*snaps, *accounts)


def latest_snapshot(
    session: Session, *, workspace_id: int, account_id: int
) -> AccountSnapshot | None:
    return session.scalar(
        select(AccountSnapshot)
        .where(AccountSnapshot.workspace_id == workspace_id,
               AccountSnapshot.account_id == account_id)
        .order_by(AccountSnapshot.on.desc())
        .limit(1)
    )  # fmt: skip


def account_domains(session: Session, *, workspace_id: int, account_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AccountDomain.domain)
            .where(
                AccountDomain.workspace_id == workspace_id, AccountDomain.account_id == account_id
            )
            .order_by(AccountDomain.domain)
        )  # fmt: skip
    )


def _account_messages(workspace_id: int, account_id: int) -> Select[tuple[int]]:
    """Ids of the messages the account's people wrote or received."""
    theirs = select(Person.id).where(
        Person.workspace_id == workspace_id, Person.account_id == account_id
    )
    wrote = select(Message.id).where(
        Message.workspace_id == workspace_id, Message.author_id.in_(theirs)
    )
    got = select(MessageRecipient.message_id).where(
        MessageRecipient.workspace_id == workspace_id, MessageRecipient.person_id.in_(theirs)
    )
    return wrote.union(got)  # type: ignore[return-value]


def account_counts(session: Session, *, workspace_id: int, account_id: int) -> dict[str, Any]:
    """People, messages, threads and the last message of one account."""
    ids = _account_messages(workspace_id, account_id).subquery()
    messages, threads, last = session.execute(
        select(
            func.count(Message.id), func.count(func.distinct(Message.thread_id)),
            func.max(Message.sent_at),
        ).where(Message.id.in_(select(ids.c[0])))
    ).one()  # fmt: skip
    people = session.scalar(
        select(func.count()).where(
            Person.workspace_id == workspace_id, Person.account_id == account_id
        )
    )
    if isinstance(last, str):  # SQLite aggregates bypass the column type
        last = datetime.fromisoformat(last)
    if isinstance(last, datetime) and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return {"people": people or 0, "messages": messages, "threads": threads,
            "last_message_at": last}  # fmt: skip


def history(session: Session, *, workspace_id: int, account_id: int) -> list[AccountSnapshot]:
    """The account's snapshots, oldest first."""
    return list(
        session.scalars(
            select(AccountSnapshot)
            .where(
                AccountSnapshot.workspace_id == workspace_id,
                AccountSnapshot.account_id == account_id,
            )
            .order_by(AccountSnapshot.on)
        )  # fmt: skip
    )


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    name: str
    internal: bool
    automated: bool
    title: str
    account_id: int | None
    account: str | None
    identities: tuple[tuple[str, str], ...]


def person_page(
    session: Session,
    *,
    workspace_id: int,
    account_id: int | None = None,
    person_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[PersonView]:
    """People by id (of one account, or one person), with their identities."""
    query = (
        select(Person, Account.name)
        .outerjoin(Account, Account.id == Person.account_id)
        .where(Person.workspace_id == workspace_id)
    )
    if account_id is not None:
        query = query.where(Person.account_id == account_id)
    if person_id is not None:
        query = query.where(Person.id == person_id)
    if after is not None:
        query = query.where(Person.id > after)
    rows = session.execute(query.order_by(Person.id).limit(limit)).all()
    identities: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if rows:
        for pid, kind, value in session.execute(
            select(Identity.person_id, Identity.kind, Identity.value)
            .where(Identity.workspace_id == workspace_id,
                   Identity.person_id.in_([p.id for p, _ in rows]))
            .order_by(Identity.id)
        ):  # fmt: skip
            identities[pid].append((kind, value))
    return [
        PersonView(
            p.id,
            p.name,
            p.internal,
            p.automated,
            p.title,
            p.account_id,
            name,
            tuple(identities.get(p.id, ())),
        )  # fmt: skip
        for p, name in rows
    ]


def message_page(
    session: Session,
    *,
    workspace_id: int,
    account_id: int,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[tuple[Message, str]]:
    """The account's messages, newest first, with their author's name."""
    ids = _account_messages(workspace_id, account_id).subquery()
    query = (
        select(Message, Person.name)
        .join(Person, Person.id == Message.author_id)
        .where(Message.workspace_id == workspace_id, Message.id.in_(select(ids.c[0])))
    )
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(Message.sent_at < at, and_(Message.sent_at == at, Message.id < last_id))
        )
    query = query.order_by(Message.sent_at.desc(), Message.id.desc()).limit(limit)
    return [(m, name) for m, name in session.execute(query)]


def message_signals(
    session: Session, *, workspace_id: int, message_ids: Sequence[int]
) -> tuple[dict[int, dict[str, MessageScore]], dict[int, list[OpenItemRow]]]:
    """Per message: its scores by name, and the open items found in it."""
    scores: dict[int, dict[str, MessageScore]] = defaultdict(dict)
    items: dict[int, list[OpenItemRow]] = defaultdict(list)
    if not message_ids:
        return scores, items
    for s in session.scalars(
        select(MessageScore).where(
            MessageScore.workspace_id == workspace_id, MessageScore.message_id.in_(message_ids)
        )
    ):
        scores[s.message_id][s.name] = s
    for it in session.scalars(
        select(OpenItemRow)
        .where(OpenItemRow.workspace_id == workspace_id, OpenItemRow.message_id.in_(message_ids))
        .order_by(OpenItemRow.id)
    ):
        items[it.message_id].append(it)
    return scores, items


@dataclass(frozen=True, slots=True)
class ItemView:
    item: OpenItemRow
    message: Message
    author: str
    account_id: int | None
    account: str | None


def item_page(
    session: Session,
    *,
    workspace_id: int,
    owed_by: str | None = None,
    status: str | None = None,
    asked_before: datetime | None = None,
    account_id: int | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[ItemView]:
    """Open items, oldest first, with their message, author and account."""
    query = (
        select(OpenItemRow, Message, Person.name, Person.account_id, Person.internal)
        .join(Message, Message.id == OpenItemRow.message_id)
        .join(Person, Person.id == Message.author_id)
        .where(OpenItemRow.workspace_id == workspace_id)
    )
    if owed_by is not None:
        query = query.where(OpenItemRow.owed_by == owed_by)
    if status is not None:
        query = query.where(OpenItemRow.status == status)
    if asked_before is not None:
        query = query.where(OpenItemRow.asked_at <= asked_before)
    if account_id is not None:
        ids = _account_messages(workspace_id, account_id).subquery()
        query = query.where(OpenItemRow.message_id.in_(select(ids.c[0])))
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(OpenItemRow.asked_at > at, and_(OpenItemRow.asked_at == at,
                                                OpenItemRow.id > last_id))
        )  # fmt: skip
    query = query.order_by(OpenItemRow.asked_at, OpenItemRow.id).limit(limit)
    rows = session.execute(query).all()
    # An item's account: its author's; for our own messages, the first account they went to.
    ours = [m.id for _, m, _, acc, internal in rows if acc is None or internal]
    to_account: dict[int, int] = {}
    if ours:
        for mid, first in session.execute(
            select(MessageRecipient.message_id, func.min(Person.account_id))
            .join(Person, Person.id == MessageRecipient.person_id)
            .where(MessageRecipient.workspace_id == workspace_id,
                   MessageRecipient.message_id.in_(ours), Person.account_id.is_not(None),
                   Person.internal == false())
            .group_by(MessageRecipient.message_id)
        ):  # fmt: skip
            if first is not None:
                to_account[mid] = first
    accounts = {
        aid: name
        for aid, name in session.execute(
            select(Account.id, Account.name).where(
                Account.workspace_id == workspace_id,
                Account.id.in_({*to_account.values(), *(r[3] for r in rows if r[3])} or {-1}),
            )
        )
    }
    out = []
    for it, m, author, acc, internal in rows:
        aid = to_account.get(m.id) if acc is None or internal else acc
        out.append(ItemView(it, m, author, aid, accounts.get(aid) if aid else None))
    return out


def load_health_config(session: Session, *, workspace_id: int) -> dict[str, Any] | None:
    """The workspace's stored ``[health]`` override, None when it has none."""
    data = session.scalar(
        select(HealthOverride.data).where(HealthOverride.workspace_id == workspace_id)
    )
    return dict(data) if data is not None else None


def save_health_config(session: Session, *, workspace_id: int, data: dict[str, Any]) -> None:
    """Store (replace) the workspace's ``[health]`` override."""
    row = session.scalar(select(HealthOverride).where(HealthOverride.workspace_id == workspace_id))
    if row is None:
        session.add(HealthOverride(workspace_id=workspace_id, data=dict(data)))
    else:
        row.data = dict(data)
        row.updated_at = datetime.now(UTC)
    session.flush()
