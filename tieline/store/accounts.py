"""Which domains are accounts: the customer list, candidates and their decisions.

Accounts come from the config, the imported customer list, promoted candidates and,
in discovered mode, domains with two-way conversation (``origin``). Candidates are
domains that talk with us both ways but are on no list; the CSM promotes or ignores
them (``account_candidates.status``). Callers own the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from tieline.domain import Customer
from tieline.store.models import (
    Account,
    AccountCandidate,
    AccountDomain,
    Identity,
    Message,
    MessageRecipient,
    Person,
)

__all__ = [
    "CandidateRow",
    "DomainTraffic",
    "account_by_domain",
    "attach_people",
    "candidates",
    "declared_count",
    "discovered_accounts",
    "domain_traffic",
    "find_candidate",
    "linked_domains",
    "make_account",
    "remove_accounts",
    "save_candidates",
    "set_candidate_status",
    "upsert_customer",
]

DECLARED = ("config", "import")  # origins that make a customer list


@dataclass(frozen=True, slots=True)
class DomainTraffic:
    """Human conversation between us and one external domain."""

    domain: str
    inbound: int  # their messages to us
    outbound: int  # ours to them
    two_way: int  # their people who wrote to us and whom we wrote to afterwards
    people: int  # their people who wrote to us
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class CandidateRow:
    id: int
    domain: str
    name: str
    status: str
    inbound: int
    outbound: int
    two_way: int
    people: int
    first_at: datetime | None
    last_at: datetime | None
    decided_at: datetime | None
    account_id: int | None  # the account it is now, if any


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # aggregates bypass the column type
        return value.replace(tzinfo=UTC)
    return value


def domain_traffic(session: Session, *, workspace_id: int) -> list[DomainTraffic]:
    """Per external email domain: human messages each way and two-way threads.

    Automated mail (bulk, notifications, auto-replies, bounces) and machine senders
    never count; a message of theirs counts when one of our people received it, one
    of ours when one of their people did.
    """
    ws = workspace_id
    dom = (
        select(Identity.person_id, Identity.domain)
        .where(Identity.workspace_id == ws, Identity.kind == "email", Identity.domain != "")
        .distinct()
        .subquery()
    )
    author, other = aliased(Person), aliased(Person)
    to_us = exists().where(
        MessageRecipient.message_id == Message.id,
        MessageRecipient.person_id == other.id,
        other.internal.is_(True),
    )
    inbound = session.execute(
        select(dom.c.domain, Message.author_id, func.count(), func.min(Message.sent_at),
               func.max(Message.sent_at))
        .join(author, author.id == Message.author_id)
        .join(dom, dom.c.person_id == author.id)
        .where(Message.workspace_id == ws, Message.automated_kind.is_(None),
               author.internal.is_(False), author.automated.is_(False), to_us)
        .group_by(dom.c.domain, Message.author_id)
    ).all()  # fmt: skip
    ours_to_them = (
        select(dom.c.domain, other.id.label("person"), Message.id.label("message"),
               Message.sent_at)
        .join(author, author.id == Message.author_id)
        .join(MessageRecipient, MessageRecipient.message_id == Message.id)
        .join(other, other.id == MessageRecipient.person_id)
        .join(dom, dom.c.person_id == other.id)
        .where(Message.workspace_id == ws, Message.automated_kind.is_(None),
               author.internal.is_(True), author.automated.is_(False),
               other.internal.is_(False), other.automated.is_(False))
        .subquery()
    )  # fmt: skip
    # Aggregated in the database: rows per (domain, their person), not per message.
    outbound = session.execute(
        select(ours_to_them.c.domain, ours_to_them.c.person, func.min(ours_to_them.c.sent_at),
               func.max(ours_to_them.c.sent_at))
        .group_by(ours_to_them.c.domain, ours_to_them.c.person)
    ).all()  # fmt: skip
    outbound_n: dict[str, int] = dict(
        session.execute(
            select(ours_to_them.c.domain, func.count(ours_to_them.c.message.distinct())).group_by(
                ours_to_them.c.domain
            )
        ).all()
    )
    wrote: dict[tuple[str, int], datetime] = {}  # (domain, their person) -> first to us
    inbound_n: dict[str, int] = defaultdict(int)
    span: dict[str, tuple[datetime, datetime]] = {}

    def seen(d: str, lo: datetime, hi: datetime) -> None:
        a, b = span.get(d, (lo, hi))
        span[d] = (min(a, lo), max(b, hi))

    for d, person, n, lo, hi in inbound:
        lo, hi = _utc(lo), _utc(hi)
        assert lo is not None and hi is not None
        inbound_n[d] += n
        wrote[(d, person)] = lo
        seen(d, lo, hi)
    answered: dict[str, set[int]] = defaultdict(set)
    for d, person, lo, hi in outbound:
        lo, hi = _utc(lo), _utc(hi)
        assert lo is not None and hi is not None
        first = wrote.get((d, person))
        if first is not None and hi > first:
            answered[d].add(person)
        seen(d, lo, hi)
    people = defaultdict(set)
    for d, person in wrote:
        people[d].add(person)
    return [
        DomainTraffic(domain=d, inbound=inbound_n.get(d, 0), outbound=outbound_n.get(d, 0),
                      two_way=len(answered.get(d, ())), people=len(people.get(d, ())),
                      first_at=span[d][0], last_at=span[d][1])
        for d in sorted(span)
    ]  # fmt: skip


def linked_domains(session: Session, *, workspace_id: int) -> dict[str, tuple[int, str]]:
    """Domain -> (account id, origin) for every account domain."""
    return {
        d: (a, o)
        for d, a, o in session.execute(
            select(AccountDomain.domain, Account.id, Account.origin)
            .join(Account, Account.id == AccountDomain.account_id)
            .where(AccountDomain.workspace_id == workspace_id)
        )
    }


def account_by_domain(session: Session, *, workspace_id: int, domain: str) -> int | None:
    return session.scalar(
        select(AccountDomain.account_id).where(
            AccountDomain.workspace_id == workspace_id, AccountDomain.domain == domain
        )
    )


def declared_count(session: Session, *, workspace_id: int) -> int:
    """How many accounts come from a customer list (the config or an import)."""
    return (
        session.scalar(
            select(func.count()).where(
                Account.workspace_id == workspace_id, Account.origin.in_(DECLARED)
            )
        )
        or 0
    )


def discovered_accounts(session: Session, *, workspace_id: int) -> dict[int, list[str]]:
    """Accounts that exist only because of conversation: id -> domains."""
    out: dict[int, list[str]] = defaultdict(list)
    for account_id, d in session.execute(
        select(Account.id, AccountDomain.domain)
        .outerjoin(AccountDomain, AccountDomain.account_id == Account.id)
        .where(Account.workspace_id == workspace_id, Account.origin == "discovered")
    ):
        out[account_id].extend([d] if d else [])
    return dict(out)


def make_account(
    session: Session, *, workspace_id: int, name: str, domains: Sequence[str], origin: str
) -> int:
    """The account owning ``domains`` (created, named ``name``, when none does)."""
    account_id = None
    for d in domains:
        account_id = account_id or account_by_domain(session, workspace_id=workspace_id, domain=d)
    if account_id is None:
        taken = session.scalar(
            select(Account.id).where(Account.workspace_id == workspace_id, Account.name == name)
        )
        label = name if taken is None else f"{name} ({domains[0]})"
        account = Account(workspace_id=workspace_id, name=label, origin=origin)
        session.add(account)
        session.flush()
        account_id = account.id
    else:
        account = session.get_one(Account, account_id)
        if origin != "discovered":
            account.origin = origin
    for d in domains:
        if account_by_domain(session, workspace_id=workspace_id, domain=d) is None:
            session.add(AccountDomain(workspace_id=workspace_id, account_id=account_id, domain=d))
    session.flush()
    return account_id


def remove_accounts(session: Session, *, workspace_id: int, account_ids: Iterable[int]) -> int:
    """Delete accounts (their people stay, without an account); how many went."""
    ids = list(account_ids)
    if not ids:
        return 0
    session.execute(
        update(Person)
        .where(Person.workspace_id == workspace_id, Person.account_id.in_(ids))
        .values(account_id=None)
    )
    session.execute(
        delete(Account).where(Account.workspace_id == workspace_id, Account.id.in_(ids))
    )
    session.flush()
    return len(ids)


def attach_people(session: Session, *, workspace_id: int) -> int:
    """Give external people without an account the account that owns their address's
    domain; how many were attached."""
    ws = workspace_id
    owner = (
        select(AccountDomain.account_id)
        .join(Identity, Identity.domain == AccountDomain.domain)
        .where(AccountDomain.workspace_id == ws, Identity.workspace_id == ws,
               Identity.kind == "email", Identity.person_id == Person.id)
        .order_by(Identity.id)
        .limit(1)
        .scalar_subquery()
    )  # fmt: skip
    result = session.execute(
        update(Person)
        .where(Person.workspace_id == ws, Person.internal.is_(False), Person.automated.is_(False),
               Person.account_id.is_(None), owner.is_not(None))
        .values(account_id=owner)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def save_candidates(
    session: Session, *, workspace_id: int, traffic: Sequence[DomainTraffic], names: dict[str, str]
) -> None:
    """Store qualifying domains as candidates; counts are refreshed, decisions kept.

    A candidate that no longer qualifies (the rule changed) goes, unless decided.
    """
    existing = {
        c.domain: c
        for c in session.scalars(
            select(AccountCandidate).where(AccountCandidate.workspace_id == workspace_id)
        )
    }
    wanted = {t.domain for t in traffic}
    for t in traffic:
        row = existing.get(t.domain)
        if row is None:
            name = names.get(t.domain, t.domain)
            row = AccountCandidate(
                workspace_id=workspace_id, domain=t.domain, name=name, status="candidate"
            )
            session.add(row)
        row.inbound, row.outbound, row.two_way = t.inbound, t.outbound, t.two_way
        row.people, row.first_at, row.last_at = t.people, t.first_at, t.last_at
    for d, row in existing.items():
        if d not in wanted and row.status == "candidate":
            session.delete(row)
    session.flush()


def candidates(
    session: Session, *, workspace_id: int, statuses: Sequence[str] = ("candidate",)
) -> list[CandidateRow]:
    """Candidates with the given statuses, most conversation first."""
    owner = aliased(AccountDomain)
    rows = session.execute(
        select(AccountCandidate, owner.account_id)
        .outerjoin(owner, (owner.domain == AccountCandidate.domain)
                   & (owner.workspace_id == AccountCandidate.workspace_id))
        .where(AccountCandidate.workspace_id == workspace_id,
               AccountCandidate.status.in_(statuses))
        .order_by(AccountCandidate.two_way.desc(), AccountCandidate.inbound.desc(),
                  AccountCandidate.domain)
    ).all()  # fmt: skip
    return [
        CandidateRow(id=c.id, domain=c.domain, name=c.name, status=c.status, inbound=c.inbound,
                     outbound=c.outbound, two_way=c.two_way, people=c.people,
                     first_at=c.first_at, last_at=c.last_at, decided_at=c.decided_at,
                     account_id=account_id)
        for c, account_id in rows
    ]  # fmt: skip


def find_candidate(session: Session, *, workspace_id: int, ref: str) -> AccountCandidate | None:
    """A candidate by id or domain."""
    query = select(AccountCandidate).where(AccountCandidate.workspace_id == workspace_id)
    if ref.isdigit():
        return session.scalar(query.where(AccountCandidate.id == int(ref)))
    return session.scalar(query.where(AccountCandidate.domain == ref.lower().strip()))


def set_candidate_status(
    session: Session, *, workspace_id: int, domain: str, name: str, status: str
) -> AccountCandidate:
    """Record the CSM's decision on a domain (a candidate row is made if there is none)."""
    row = find_candidate(session, workspace_id=workspace_id, ref=domain)
    if row is None:
        row = AccountCandidate(workspace_id=workspace_id, domain=domain, name=name)
        session.add(row)
    row.status = status
    row.decided_at = datetime.now(UTC)
    session.flush()
    return row


def upsert_customer(session: Session, *, workspace_id: int, row: Customer) -> tuple[int, bool]:
    """Store one customer: found by external id, else by one of its domains, else new.

    Returns (account id, created). Its domains move to it from any other account.
    """
    ws = workspace_id
    account: Account | None = None
    if row.external_id:
        account = session.scalar(
            select(Account).where(
                Account.workspace_id == ws, Account.external_id == row.external_id
            )
        )
    if account is None:
        for d in row.domains:
            found = account_by_domain(session, workspace_id=ws, domain=d)
            if found is not None:
                account = session.get_one(Account, found)
                break
    if account is None:
        account = session.scalar(
            select(Account).where(Account.workspace_id == ws, Account.name == row.name)
        )
    created = account is None
    if account is None:
        account = Account(workspace_id=ws, name=row.name, origin="import")
        session.add(account)
    elif account.name != row.name:
        clash = session.scalar(
            select(Account.id).where(Account.workspace_id == ws, Account.name == row.name)
        )
        if clash is None:
            account.name = row.name
    if account.origin != "config":
        account.origin = "import"
    account.external_id = row.external_id or account.external_id
    account.owner = row.owner or account.owner
    account.segment = row.segment or account.segment
    account.arr = row.arr if row.arr is not None else account.arr
    account.renewal_on = row.renewal_on or account.renewal_on
    session.flush()
    for d in row.domains:
        link = session.scalar(
            select(AccountDomain).where(AccountDomain.workspace_id == ws, AccountDomain.domain == d)
        )
        if link is None:
            session.add(AccountDomain(workspace_id=ws, account_id=account.id, domain=d))
        elif link.account_id != account.id:
            previous = link.account_id
            link.account_id = account.id
            at_domain = select(Identity.person_id).where(
                Identity.workspace_id == ws, Identity.kind == "email", Identity.domain == d
            )
            session.execute(
                update(Person)
                .where(Person.workspace_id == ws, Person.account_id == previous,
                       Person.id.in_(at_domain))
                .values(account_id=account.id)
            )  # fmt: skip
            session.flush()
            if not session.scalar(select(func.count()).where(AccountDomain.account_id == previous)):
                session.execute(delete(Account).where(Account.id == previous))
    session.flush()
    return account.id, created
