"""Customers are declared or earned, never assumed.

The accounts of a workspace are its customer list (``[[accounts]]`` in the config,
``tieline import customers``), the candidates a CSM promoted and, in discovered mode,
the external domains that hold a two-way human conversation with us. Other domains
that talk with us both ways are *candidates*, listed apart until promoted or ignored.
Free-mail and internet providers, help-desk/CRM/notification platforms, news and
mass-mail senders, government and our own other domains never qualify by themselves
(:meth:`tieline.ingest.identity.DomainPolicy.excluded`).

``refresh_accounts`` applies these rules; ingest, the customer import and the
decisions call it, so candidates are never scored, snapshotted or in the digest
(those read the accounts table only).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from tieline import domain
from tieline.config import Settings
from tieline.errors import Conflict, NotFound
from tieline.ingest.identity import DomainPolicy, account_name_for, registrable_domain
from tieline.kpi.customer_list import read_customers
from tieline.store import accounts as store
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store.accounts import CandidateRow, DomainTraffic

__all__ = [
    "AccountRefresh",
    "CandidateRow",
    "Candidates",
    "CustomerImportReport",
    "Decision",
    "account_mode",
    "domain_policy",
    "ignore_candidate",
    "import_customers",
    "list_candidates",
    "promote_candidate",
    "qualifies",
    "refresh_accounts",
]

Mode = Literal["declared", "discovered"]


def domain_policy(settings: Settings) -> DomainPolicy:
    merges: dict[str, tuple[int, str | None]] = {}
    for i, merge in enumerate(settings.people):
        for email in merge.emails:
            merges[email] = (i, merge.name)
    return DomainPolicy(
        internal_domains=frozenset(settings.internal_domains),
        freemail_domains=settings.all_freemail_domains,
        account_domains={d: a.name for a in settings.accounts for d in a.domains},
        merges=merges,
        own_domains=frozenset(settings.account_rules.own_domains),
    )


def account_mode(session: Session, *, settings: Settings, workspace_id: int) -> Mode:
    """The mode in force: as configured, or for ``auto`` declared once a list exists."""
    mode = settings.account_rules.mode
    if mode != "auto":
        return mode
    if settings.accounts or store.declared_count(session, workspace_id=workspace_id):
        return "declared"
    return "discovered"


def qualifies(t: DomainTraffic, settings: Settings) -> bool:
    """Two-way human conversation: one of their people wrote to us and we wrote to them
    afterwards,
    with at least the configured number of messages each way."""
    rules = settings.account_rules
    return t.two_way >= 1 and t.inbound >= rules.min_inbound and t.outbound >= rules.min_outbound


@dataclass(frozen=True, slots=True)
class AccountRefresh:
    mode: Mode
    candidates: int  # undecided candidates
    discovered_added: int
    discovered_removed: int
    people_attached: int


def refresh_accounts(*, session: Session, settings: Settings, workspace_id: int) -> AccountRefresh:
    """Apply the account rules: candidates from two-way conversation, discovered
    accounts in discovered mode (created or removed), people attached by domain."""
    ws = workspace_id
    policy = domain_policy(settings)
    linked = store.linked_domains(session, workspace_id=ws)
    earned = [
        t
        for t in store.domain_traffic(session, workspace_id=ws)
        if qualifies(t, settings)
        and policy.excluded(t.domain) is None
        and (t.domain not in linked or linked[t.domain][1] == "discovered")
    ]
    store.save_candidates(
        session, workspace_id=ws, traffic=earned,
        names={t.domain: account_name_for(t.domain) for t in earned},
    )  # fmt: skip
    undecided = {c.domain for c in store.candidates(session, workspace_id=ws)}
    mode = account_mode(session, settings=settings, workspace_id=ws)
    wanted = undecided if mode == "discovered" else set()
    stale = [
        account_id
        for account_id, domains in store.discovered_accounts(session, workspace_id=ws).items()
        if not wanted.intersection(domains)
    ]
    removed = store.remove_accounts(session, workspace_id=ws, account_ids=stale)
    added = 0
    for d in sorted(wanted - set(linked)):
        store.make_account(
            session, workspace_id=ws, name=account_name_for(d), domains=[d], origin="discovered"
        )
        added += 1
    attached = store.attach_people(session, workspace_id=ws)
    return AccountRefresh(mode=mode, candidates=len(undecided), discovered_added=added,
                          discovered_removed=removed, people_attached=attached)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidates:
    mode: Mode  # in discovered mode, undecided candidates count as accounts
    candidates: list[CandidateRow]


def list_candidates(
    *, session: Session, settings: Settings, status: str = "candidate"
) -> Candidates:
    """Domains that talk with us both ways but are on no customer list (or, with
    ``status`` promoted, ignored or all, those decided)."""
    ws = repo.get_workspace_id(session, settings.workspace)
    statuses = ("candidate", "promoted", "ignored") if status == "all" else (status,)
    rows = store.candidates(session, workspace_id=ws, statuses=statuses)
    return Candidates(account_mode(session, settings=settings, workspace_id=ws), rows)


@dataclass(frozen=True, slots=True)
class Decision:
    domain: str
    status: str
    account_id: int | None
    account: str | None


def _domain_of(session: Session, ws: int, ref: str) -> tuple[str, str]:
    row = store.find_candidate(session, workspace_id=ws, ref=ref)
    if row is not None:
        return row.domain, row.name
    if ref.isdigit():
        raise NotFound(f"no candidate account with id {ref}")
    d = registrable_domain(ref.strip().lstrip("@"))
    if "." not in d:
        raise NotFound(f"{ref!r} is neither a candidate id nor a domain")
    return d, account_name_for(d)


def promote_candidate(*, session: Session, settings: Settings, ref: str) -> Decision:
    """Make a candidate (by id or domain; any domain may be promoted) a customer account."""
    ws = repo.get_workspace_id(session, settings.workspace)
    d, name = _domain_of(session, ws, ref)
    if domain_policy(settings).excluded(d) == "one of our own domains":
        raise Conflict(f"{d} is one of our own domains")
    account_id = store.make_account(
        session, workspace_id=ws, name=name, domains=[d], origin="promoted"
    )
    store.set_candidate_status(session, workspace_id=ws, domain=d, name=name, status="promoted")
    refresh_accounts(session=session, settings=settings, workspace_id=ws)
    facts.refresh_activity(session, workspace_id=ws)
    names = facts.account_names(session, workspace_id=ws)
    return Decision(
        domain=d, status="promoted", account_id=account_id, account=names.get(account_id)
    )


def ignore_candidate(*, session: Session, settings: Settings, ref: str) -> Decision:
    """Never make this domain an account by itself again (its discovered or promoted
    account goes; its people stay, without an account)."""
    ws = repo.get_workspace_id(session, settings.workspace)
    d, name = _domain_of(session, ws, ref)
    owner = store.linked_domains(session, workspace_id=ws).get(d)
    if owner is not None and owner[1] in store.DECLARED:
        raise Conflict(f"{d} is on the customer list; remove it there to stop tracking it")
    if owner is not None:
        store.remove_accounts(session, workspace_id=ws, account_ids=[owner[0]])
    store.set_candidate_status(session, workspace_id=ws, domain=d, name=name, status="ignored")
    refresh_accounts(session=session, settings=settings, workspace_id=ws)
    facts.refresh_activity(session, workspace_id=ws)
    return Decision(domain=d, status="ignored", account_id=None, account=None)


@dataclass
class CustomerImportReport:
    kind: str = "customers"
    read: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    skipped_examples: list[str] = field(default_factory=list)
    mode: str = ""
    people_attached: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "read": self.read,
            "new": self.new,
            "updated": self.updated,
            "duplicates": self.updated,
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons.most_common()),
            "skipped_examples": self.skipped_examples[:10],
            "unmatched_accounts": [],
            "mode": self.mode,
            "people_attached": self.people_attached,
        }


def import_customers(
    *, session: Session, settings: Settings, path: Path, columns: dict[str, str] | None = None
) -> CustomerImportReport:
    """Import the customer list: upsert by external id, else by domain, else by name.

    Once a list exists, ``auto`` mode is declared: only listed (and promoted) customers
    are accounts; the domains on it are never candidates.
    """
    ws = repo.ensure_workspace(session, settings.workspace)
    policy = domain_policy(settings)
    report = CustomerImportReport()
    for item in read_customers(path, columns=columns):
        report.read += 1
        if isinstance(item, domain.Skipped):
            report.skipped += 1
            report.skipped_reasons[item.reason] += 1
            report.skipped_examples.append(f"{item.locator}: {item.detail}")
            continue
        domains = tuple(dict.fromkeys(registrable_domain(d) for d in item.domains))
        ours = [d for d in domains if policy.classify(f"x@{d}").account_domain is None]
        if ours:
            report.skipped += 1
            report.skipped_reasons["domain cannot be a customer's"] += 1
            report.skipped_examples.append(
                f"{item.name}: {', '.join(ours)} (ours, free-mail or a platform)"
            )
            continue
        row = dataclasses.replace(item, domains=domains)
        _, created = store.upsert_customer(session, workspace_id=ws, row=row)
        report.new += created
        report.updated += not created
    refreshed = refresh_accounts(session=session, settings=settings, workspace_id=ws)
    facts.refresh_activity(session, workspace_id=ws)
    report.mode = refreshed.mode
    report.people_attached = refreshed.people_attached
    return report
