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
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session, aliased

from tieline.store.models import (
    Account,
    AccountActivity,
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
    "AccountOverview",
    "account_overview",
    "account_overview_async",
    "overview_from_row",
    "overview_statement",
    "account_name",
    "account_rows",
    "history",
    "item_page",
    "load_health_config",
    "message_page",
    "message_signals",
    "person_page",
    "save_health_config",
]


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


def account_rows(session: Session, *, workspace_id: int) -> list[AccountRow]:
    """Every account of the workspace with its latest snapshot's list columns, by id.

    One query, no filter or order: the caller filters and sorts in memory. (Filtering in
    SQL let SQLite's planner walk the name index and re-run the latest-snapshot subquery
    per account: seconds for a thousand accounts.)
    """
    latest = _latest(workspace_id)
    snap = aliased(AccountSnapshot)
    query = (
        select(
            Account.id,
            Account.name,
            snap.score,
            snap.band,
            snap.relationship,
            snap.flags,
            snap.on,
            snap.trend,
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
        .order_by(Account.id)
    )
    return [
        AccountRow(i, n, s, b, r, list(f or []), on, t)
        for i, n, s, b, r, f, on, t in session.execute(query)
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


@dataclass(frozen=True, slots=True)
class AccountOverview:
    """An account's name, domains, people, activity and its latest snapshot (if any)."""

    name: str
    domains: list[str]
    people: int
    messages: int
    threads: int
    last_message_at: datetime | None
    snapshot_on: date | None
    payload: dict[str, Any] | None


def _account_messages(workspace_id: Any, account_id: Any) -> Select[tuple[int]]:
    """Ids of the messages the account's people wrote or received.

    Only the people are filtered by workspace: their ids already are the workspace's, and
    a second workspace filter on messages let SQLite pick the (workspace, ingested) index
    over the author index and scan every message of the workspace.
    """
    theirs = select(Person.id).where(
        Person.workspace_id == workspace_id, Person.account_id == account_id
    )
    wrote = select(Message.id).where(Message.author_id.in_(theirs))
    got = select(MessageRecipient.message_id).where(MessageRecipient.person_id.in_(theirs))
    return wrote.union(got)  # type: ignore[return-value]


@cache
def overview_statement() -> Select[Any]:
    """The one query behind :func:`account_overview`, with ``workspace_id`` and
    ``account_id`` parameters. Built once: building and keying a statement this size
    costs more than running it."""
    # Not ``required``: :func:`_overview_sql` compiles it without values.
    workspace_id: Any = bindparam("workspace_id", type_=Integer, required=False)
    account_id: Any = bindparam("account_id", type_=Integer, required=False)
    latest_on = (
        select(func.max(AccountSnapshot.on))
        .where(AccountSnapshot.workspace_id == workspace_id,
               AccountSnapshot.account_id == account_id)
        .scalar_subquery()
    )  # fmt: skip
    people = (
        select(func.count())
        .where(Person.workspace_id == workspace_id, Person.account_id == account_id)
        .scalar_subquery()
    )
    domains = (
        select(func.aggregate_strings(AccountDomain.domain, " "))
        .where(AccountDomain.workspace_id == workspace_id, AccountDomain.account_id == account_id)
        .scalar_subquery()
    )
    return (
        select(
            Account.name,
            people,
            domains,
            AccountActivity.messages,
            AccountActivity.threads,
            AccountActivity.last_message_at,
            AccountSnapshot.on,
            AccountSnapshot.payload,
        )  # fmt: skip
        .select_from(Account)
        .outerjoin(AccountActivity, AccountActivity.account_id == Account.id)
        .outerjoin(
            AccountSnapshot,
            and_(
                AccountSnapshot.workspace_id == workspace_id,
                AccountSnapshot.account_id == Account.id,
                AccountSnapshot.on == latest_on,
            ),
        )  # fmt: skip
        .where(Account.workspace_id == workspace_id, Account.id == account_id)
    )


def overview_from_row(row: Any) -> AccountOverview | None:
    if row is None:
        return None
    name, n_people, joined, messages, threads, last, on, payload = row
    if last is not None:  # in UTC, as the column type gives it (psycopg: the session's zone)
        last = last.astimezone(UTC)
    return AccountOverview(
        name, sorted((joined or "").split()), n_people or 0, messages or 0, threads or 0, last,
        on, payload,
    )  # fmt: skip


@cache
def _overview_sql(dialect: Dialect) -> str:
    """:func:`overview_statement` as the driver's SQL, its literals rendered in."""
    compiled = overview_statement().compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    return str(compiled)


async def account_overview_async(
    conn: AsyncConnection, *, workspace_id: int, account_id: int
) -> AccountOverview | None:
    """:func:`account_overview` on an asyncio connection (no worker thread).

    On PostgreSQL the SQL runs on the psycopg connection itself (psycopg prepares it
    after a few runs): SQLAlchemy's asyncio adaptation took half of this read's CPU time,
    and the account detail, this read's endpoint, is the API's most requested one after
    the list. The overview is the same either way (psycopg decodes the JSON and the
    dates; :func:`overview_from_row` puts the last message in UTC).
    """
    params = {"workspace_id": workspace_id, "account_id": account_id}
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None  # the connection is checked out
        cursor = await raw.execute(_overview_sql(conn.dialect), params)
        return overview_from_row(await cursor.fetchone())
    return overview_from_row((await conn.execute(overview_statement(), params)).first())


def account_overview(
    session: Session, *, workspace_id: int, account_id: int
) -> AccountOverview | None:
    """The account (None when it is not one of the workspace's), in one query: under load
    each round trip to the database waits its turn for a CPU, so they are what costs."""
    params = {"workspace_id": workspace_id, "account_id": account_id}
    return overview_from_row(session.execute(overview_statement(), params).first())


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
