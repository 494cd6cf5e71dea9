"""Use cases, where the components meet. Entry points (CLI, API) own the transaction.

Long-running use cases take a ``checkpoint`` callback: the entry point passes
``session.commit`` so each batch is durable on its own and a crash leaves a
consistent store that a re-run completes.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tieline import domain
from tieline.config import Settings
from tieline.errors import ConfigError
from tieline.ingest import CONNECTORS
from tieline.ingest.email import ParseOptions
from tieline.ingest.threads import build_threads
from tieline.kpi import GroupBy, KpiReport, MrrMovement, SurveyResponse, compute_all
from tieline.kpi.io import read_metrics, read_revenue, read_surveys
from tieline.service.accounts import (
    AccountRefresh,
    CandidateRow,
    Candidates,
    CustomerImportReport,
    Decision,
    account_mode,
    domain_policy,
    ignore_candidate,
    import_customers,
    list_candidates,
    promote_candidate,
    refresh_accounts,
)
from tieline.service.people_joins import join_freemail, join_same_names
from tieline.service.relationships import Assessment, assess, end_of, snapshot
from tieline.service.scoring import Models, ScoreReport, build_models, score
from tieline.store import api_keys, batches, facts, kpi_inputs, people, queries, storable
from tieline.store import repository as repo
from tieline.store.directory import PeopleDirectory

__all__ = [
    "AccountRefresh",
    "CandidateRow",
    "Candidates",
    "CustomerImportReport",
    "Decision",
    "account_mode",
    "ignore_candidate",
    "import_customers",
    "list_candidates",
    "promote_candidate",
    "refresh_accounts",
    "Assessment",
    "ImportReport",
    "IngestReport",
    "Models",
    "ScoreReport",
    "accounts_with_health",
    "authenticate",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
    "workspace_name",
    "assess",
    "build_models",
    "end_of",
    "score",
    "snapshot",
    "take_snapshot",
    "default_as_of",
    "compute_kpis",
    "domain_policy",
    "import_metrics",
    "import_revenue",
    "import_surveys",
    "ingest_email",
    "ingest_records",
    "ingest_slack",
    "ingest_slack_live",
    "ingest_tickets",
    "ingest_zendesk",
    "ingest_zendesk_live",
    "list_accounts",
    "list_people",
    "merge_people",
    "split_identity",
    "stats",
]


@dataclass
class IngestReport:
    source: str
    read: int = 0
    new_messages: int = 0
    duplicates: int = 0
    skipped: int = 0
    new_skipped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    threads: int = 0
    seconds: float = 0.0
    people_joined: int = 0  # same name at one domain, or a customer's personal address
    accounts_mode: str = ""
    candidates: int = 0  # domains with two-way conversation on no customer list

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": self.read,
            "new_messages": self.new_messages,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "new_skipped": self.new_skipped,
            "skipped_reasons": dict(self.skipped_reasons.most_common()),
            "threads": self.threads,
            "seconds": round(self.seconds, 3),
            "people_joined": self.people_joined,
            "accounts_mode": self.accounts_mode,
            "candidates": self.candidates,
        }


def _nothing() -> None:
    return None


def ingest_records(
    records: Iterable[domain.Record],
    *,
    session: Session,
    settings: Settings,
    source_kind: str,
    source_name: str,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Store what a connector read, batch by batch, then rethread the workspace.

    Every connector goes through here: people are resolved across channels by
    email and source ids, accounts by domain, and re-reading a source adds nothing.
    A record the database refuses is recorded as skipped, not the end of the run;
    a message to more than ``ingest.max_recipients`` is kept as a mass mailing,
    its recipients not made people. A second ingest into the workspace waits.
    """
    with batches.ingest_lock(session, settings.workspace):
        return _ingest_records(
            records, session=session, settings=settings, source_kind=source_kind,
            source_name=source_name, checkpoint=checkpoint, progress=progress,
        )  # fmt: skip


def _ingest_records(
    records: Iterable[domain.Record],
    *,
    session: Session,
    settings: Settings,
    source_kind: str,
    source_name: str,
    checkpoint: Callable[[], None],
    progress: Callable[[int], None] | None,
) -> IngestReport:
    started = time.perf_counter()
    ws = repo.ensure_workspace(session, settings.workspace)
    source_id = repo.ensure_source(session, workspace_id=ws, kind=source_kind, name=source_name)
    for account in settings.accounts:
        repo.configure_account(session, workspace_id=ws, name=account.name, domains=account.domains)
    checkpoint()

    policy = domain_policy(settings)
    directory = PeopleDirectory(session, ws)

    participant = functools.lru_cache(maxsize=65_536)(policy.participant)

    channel_accounts = settings.slack_channel_accounts

    def who(address: domain.Address, m: domain.Message, human: bool = True) -> domain.Participant:
        p = participant(address, human=human)
        hint = (
            channel_accounts.get(m.attributes.get("slack_channel", ""))
            if channel_accounts
            else None
        )
        if hint and p.account_domain is None and not p.internal:
            p = dataclasses.replace(p, account_hint=hint)
        return p

    def resolve(m: domain.Message) -> tuple[tuple[int, int], list[tuple[str, int, int]]]:
        author = directory.resolve(who(m.author, m, human=not m.from_machine))
        recipients = [
            (kind.value, *directory.resolve(who(address, m))) for kind, address in m.recipients
        ]
        return author, recipients

    report = IngestReport(source=source_name)
    messages: list[domain.Message] = []
    skipped: list[domain.Skipped] = []

    def flush() -> None:
        stored = batches.store_batch(
            session, workspace_id=ws, source_id=source_id, messages=messages, skipped=skipped,
            resolve=resolve, on_rollback=directory.reload,
        )  # fmt: skip
        refused = sum(stored.refused.values()) if stored.refused else 0
        report.new_messages += stored.new_messages
        report.duplicates += len(messages) - stored.new_messages - refused
        report.new_skipped += stored.new_skipped
        if stored.refused:
            report.skipped += refused
            report.skipped_reasons.update(stored.refused)
        checkpoint()
        if progress:
            progress(len(messages) + len(skipped))
        messages.clear()
        skipped.clear()

    for record in records:
        report.read += 1
        if isinstance(record, domain.Skipped):
            skipped.append(record)
            report.skipped += 1
            report.skipped_reasons[record.reason] += 1
        else:
            messages.append(storable.bound_recipients(record, settings.ingest.max_recipients))
        if len(messages) + len(skipped) >= settings.ingest.batch_size:
            flush()
    flush()
    report.threads = repo.rethread(session, workspace_id=ws, build=build_threads)
    report.people_joined = join_same_names(session=session, workspace_id=ws, policy=policy)
    refreshed = refresh_accounts(session=session, settings=settings, workspace_id=ws)
    report.accounts_mode, report.candidates = refreshed.mode, refreshed.candidates
    # A customer's personal address joins her once her account exists.
    report.people_joined += join_freemail(session=session, workspace_id=ws, policy=policy)
    if report.people_joined:  # subject threading looks at who takes part
        report.threads = repo.rethread(session, workspace_id=ws, build=build_threads)
    facts.refresh_activity(session, workspace_id=ws)  # new messages, people, accounts
    checkpoint()
    report.seconds = time.perf_counter() - started
    return report


def ingest_email(
    *,
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read mbox files, maildirs and message folders into the workspace, then rethread it."""
    options = ParseOptions(
        default_tz=settings.tz, max_message_bytes=settings.ingest.max_message_bytes
    )
    records = CONNECTORS["email"](paths, options=options, jobs=settings.ingest.jobs)
    return ingest_records(
        records, session=session, settings=settings, source_kind="email", source_name="email",
        checkpoint=checkpoint, progress=progress,
    )  # fmt: skip


def ingest_slack(
    *,
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    name: str | None = None,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read Slack workspace exports; the source is named after the export unless ``name``."""
    from tieline.ingest.slack import ExportLimits

    source_name = name or paths[0].name.removesuffix(".zip")
    limits = ExportLimits(
        max_file_bytes=settings.ingest.max_export_file_bytes,
        max_total_bytes=settings.ingest.max_export_bytes,
        max_ratio=settings.ingest.max_compression_ratio,
    )
    return ingest_records(
        CONNECTORS["slack"](paths, limits=limits), session=session, settings=settings,
        source_kind="slack", source_name=source_name, checkpoint=checkpoint, progress=progress,
    )  # fmt: skip


def ingest_slack_live(
    *,
    session: Session,
    settings: Settings,
    name: str = "slack",
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Pull new Slack messages through the Web API, resuming from the last run's marks."""
    from tieline.ingest.slack_live import SlackPull, make_client

    if settings.slack_token is None:
        raise ConfigError("no Slack token: set TIELINE_SLACK_TOKEN or slack_token in the config")
    # Held for the whole pull: a second one waits, then resumes from these marks.
    with batches.ingest_lock(session, settings.workspace):
        ws = repo.ensure_workspace(session, settings.workspace)
        source_id = repo.ensure_source(session, workspace_id=ws, kind="slack", name=name)
        since = repo.sync_state(session, source_id=source_id).get("channels", {})
        client = make_client(
            settings.slack_token.get_secret_value(), base_url=settings.slack_api_url
        )
        pull = SlackPull(client, since=since)
        report = ingest_records(
            pull.records(), session=session, settings=settings, source_kind="slack",
            source_name=name, checkpoint=checkpoint, progress=progress,
        )  # fmt: skip
        # Marks move only after everything up to them is stored.
        repo.save_sync_state(session, source_id=source_id, state={"channels": pull.cursors})
        checkpoint()
        return report


# Zendesk's binary rating as CSAT on a 1-5 scale: "good" is satisfied, "bad" is not.
_CSAT_SCORES = {"good": 5.0, "bad": 1.0}


def ingest_zendesk(
    *,
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    subdomain: str | None = None,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read Zendesk exports; each ticket's satisfaction rating becomes a CSAT response."""
    records = CONNECTORS["zendesk"](paths, subdomain=subdomain)
    return _ingest_tickets_with_csat(
        records, session=session, settings=settings, name=subdomain or paths[0].stem,
        checkpoint=checkpoint, progress=progress,
    )  # fmt: skip


def ingest_zendesk_live(
    *,
    session: Session,
    settings: Settings,
    subdomain: str,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Pull tickets changed since the last run through Zendesk's incremental API."""
    from tieline.ingest.zendesk_live import ZendeskPull, make_client

    if settings.zendesk_token is None or not settings.zendesk_email:
        raise ConfigError(
            "no Zendesk credentials: set TIELINE_ZENDESK_EMAIL and TIELINE_ZENDESK_TOKEN"
        )
    # Held for the whole pull: a second one waits, then resumes from these marks.
    with batches.ingest_lock(session, settings.workspace):
        ws = repo.ensure_workspace(session, settings.workspace)
        source_id = repo.ensure_source(session, workspace_id=ws, kind="zendesk", name=subdomain)
        state = repo.sync_state(session, source_id=source_id)
        client = make_client(
            subdomain, email=settings.zendesk_email, base_url=settings.zendesk_api_url,
            token=settings.zendesk_token.get_secret_value(),
        )  # fmt: skip
        with client:
            pull = ZendeskPull(client, subdomain=subdomain, cursor=state.get("cursor"))
            report = _ingest_tickets_with_csat(
                pull.records(), session=session, settings=settings, name=subdomain,
                checkpoint=checkpoint, progress=progress,
            )  # fmt: skip
        repo.save_sync_state(session, source_id=source_id, state={"cursor": pull.cursor})
        checkpoint()
        return report


def _ingest_tickets_with_csat(
    records: Iterable[domain.Record],
    *,
    session: Session,
    settings: Settings,
    name: str,
    checkpoint: Callable[[], None],
    progress: Callable[[int], None] | None,
) -> IngestReport:
    ratings: dict[str, tuple[str, str, date]] = {}  # ticket -> (score, requester, day)

    def watch(records: Iterable[domain.Record]) -> Iterator[domain.Record]:
        for record in records:
            if isinstance(record, domain.Message):
                a = record.attributes
                if a.get("satisfaction") in _CSAT_SCORES and a.get("requester"):
                    day = record.sent_at.date()
                    previous = ratings.get(a["ticket_id"])
                    if previous is None or previous[2] < day:  # rated at the latest contact
                        ratings[a["ticket_id"]] = (a["satisfaction"], a["requester"], day)
            yield record

    report = ingest_records(
        watch(records), session=session, settings=settings, source_kind="zendesk",
        source_name=name, checkpoint=checkpoint, progress=progress,
    )  # fmt: skip
    ws = repo.ensure_workspace(session, settings.workspace)
    index = kpi_inputs.account_index(session, workspace_id=ws)
    rows = []
    for ticket, (rating, requester, day) in sorted(ratings.items()):
        domain_name = requester.rpartition("@")[2]
        account_id, account = index.get(domain_name, (None, domain_name))
        # One response per ticket: the rating first stored is kept (a later re-rating
        # of the same ticket does not replace it yet).
        key = hashlib.sha256(f"zendesk\x1f{ticket}".encode()).hexdigest()
        rows.append({"account": account, "account_id": account_id, "on": day, "kind": "csat",
                     "score": _CSAT_SCORES[rating], "scale_max": 5, "respondent": requester,
                     "row_key": key})  # fmt: skip
    kpi_inputs.add_surveys(session, workspace_id=ws, rows=rows)
    checkpoint()
    return report


def ingest_tickets(
    *,
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    mapping: Path,
    name: str | None = None,
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read generic ticket exports (Jira, Freshdesk, Intercom ...) through a column mapping."""
    return ingest_records(
        CONNECTORS["tickets"](paths, mapping=mapping), session=session, settings=settings,
        source_kind="tickets", source_name=name or mapping.stem, checkpoint=checkpoint,
        progress=progress,
    )  # fmt: skip


def merge_people(
    *, session: Session, settings: Settings, target: int, others: Sequence[int]
) -> domain.Person:
    """Merge people into ``target`` (manual correction; survives re-ingestion)."""
    ws = repo.get_workspace_id(session, settings.workspace)
    people.merge_people(session, workspace_id=ws, target_id=target, others=others)
    facts.refresh_activity(session, workspace_id=ws)  # messages may change accounts
    return _person_view(session, ws, target)


def split_identity(*, session: Session, settings: Settings, kind: str, value: str) -> domain.Person:
    """Give one identity (e.g. a shared mailbox wrongly merged) a person of its own."""
    ws = repo.get_workspace_id(session, settings.workspace)
    person = people.split_identity(session, workspace_id=ws, kind=kind, value=value)
    facts.refresh_activity(session, workspace_id=ws)
    return _person_view(session, ws, person.id)


def _person_view(session: Session, ws: int, person_id: int) -> domain.Person:
    return queries.list_people(session, workspace_id=ws, person=person_id)[0]


def stats(*, session: Session, settings: Settings) -> dict[str, Any]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return {"workspace": settings.workspace, **queries.stats(session, workspace_id=ws)}


ACCOUNT_KPIS = ("mrr", "arr", "nrr", "grr", "gross_mrr_churn", "nps", "csat")


def list_accounts(
    *,
    session: Session,
    settings: Settings,
    kpi_period: str | None = None,
    as_of: datetime | None = None,
) -> list[domain.Account]:
    """Accounts with activity counts (up to ``as_of``) and, where data exists, their KPIs."""
    ws = repo.get_workspace_id(session, settings.workspace)
    accounts = queries.list_accounts(session, workspace_id=ws, as_of=as_of)
    if not kpi_inputs.has_kpi_data(session, workspace_id=ws):
        return accounts
    period = kpi_period or last_complete_month()
    report = compute_kpis(session=session, settings=settings, period=period, by="account")
    return [
        dataclasses.replace(
            a,
            kpi_period=report.period.label,
            kpis={name: report.value(a.name, name) for name in ACCOUNT_KPIS},
        )
        if a.name in report
        else a
        for a in accounts
    ]


def accounts_with_health(
    *,
    session: Session,
    settings: Settings,
    as_of: datetime | None = None,
    kpi_period: str | None = None,
) -> tuple[list[domain.Account], Assessment]:
    """Accounts with their KPIs, and health, relationship and flags as of ``as_of``.

    The account's headline KPIs (NPS, CSAT, NRR ...) are offered to the health blend,
    which weighs those the ``[health]`` configuration gives a weight.
    """
    day = (as_of or datetime.now(UTC)).date()
    accounts = list_accounts(
        session=session,
        settings=settings,
        kpi_period=kpi_period or last_complete_month(day),
        as_of=as_of,
    )
    kpis = _health_extras(session, settings, accounts, day)
    return accounts, assess(session=session, settings=settings, as_of=as_of, kpis=kpis)


HISTORICAL = timedelta(days=30)


def default_as_of(
    *, session: Session, settings: Settings, now: datetime | None = None
) -> tuple[datetime, str | None]:
    """The date to score at when none is given: now, or the newest message's day when the
    data is historical (its newest message over 30 days old), with a note saying so."""
    now = now or datetime.now(UTC)
    ws = repo.get_workspace_id(session, settings.workspace)
    newest = facts.newest_message_at(session, workspace_id=ws)
    if newest is None or now - newest <= HISTORICAL:
        return now, None
    day = newest.date()
    return end_of(day), (
        f"the newest message is from {day.isoformat()}: historical data, scored as of that "
        "day (give --as-of to choose another)"
    )


def take_snapshot(
    *, session: Session, settings: Settings, as_of: datetime | None = None
) -> Assessment:
    """Store every account's health, relationship and flags as of ``as_of``; queue the
    alerts it raises for the workspace's webhooks."""
    day = (as_of or datetime.now(UTC)).date()
    accounts = list_accounts(
        session=session, settings=settings, kpi_period=last_complete_month(day)
    )
    kpis = _health_extras(session, settings, accounts, day)
    result = snapshot(session=session, settings=settings, as_of=as_of, kpis=kpis)
    from tieline.service.webhooks import after_snapshot

    # Alerts against each account's previous snapshot, queued for the webhooks.
    after_snapshot(session=session, settings=settings, assessment=result)
    return result


def create_api_key(
    *, session: Session, settings: Settings, name: str = ""
) -> tuple[str, api_keys.KeyInfo]:
    """A new API key bound to the settings' workspace (created if new); shown once."""
    ws = repo.ensure_workspace(session, settings.workspace)
    return api_keys.create_key(session, workspace_id=ws, name=name)


def revoke_api_key(*, session: Session, settings: Settings, key_id: int) -> api_keys.KeyInfo:
    ws = repo.get_workspace_id(session, settings.workspace)
    return api_keys.revoke_key(session, workspace_id=ws, key_id=key_id)


def list_api_keys(*, session: Session, settings: Settings) -> list[api_keys.KeyInfo]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return api_keys.list_keys(session, workspace_id=ws)


def authenticate(*, session: Session, key: str) -> api_keys.KeyInfo | None:
    """The workspace an API key belongs to (None for unknown or revoked keys)."""
    return api_keys.resolve_key(session, key)


def workspace_name(*, session: Session, workspace_id: int) -> str:
    return repo.workspace_name(session, workspace_id)


def last_complete_month(today: date | None = None) -> str:
    today = today or datetime.now(UTC).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def list_people(
    *, session: Session, settings: Settings, account: str | None = None
) -> list[domain.Person]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return queries.list_people(session, workspace_id=ws, account=account)


# --------------------------------------------------------------------------- KPIs


@dataclass
class ImportReport:
    kind: str
    read: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: int = 0
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    skipped_examples: list[str] = field(default_factory=list)
    unmatched_accounts: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "read": self.read,
            "new": self.new,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons.most_common()),
            "skipped_examples": self.skipped_examples[:10],
            "unmatched_accounts": sorted(self.unmatched_accounts),
        }


def _row_key(seen: Counter[tuple[str, ...]], *content: str) -> str:
    # Identical rows are legitimate (two add-ons on one day): the occurrence
    # number keeps them apart while a re-import of the same file adds nothing.
    seen[content] += 1
    return hashlib.sha256("\x1f".join((*content, str(seen[content]))).encode()).hexdigest()


def _import(
    kind: str,
    records: Iterable[tuple[dict[str, Any], tuple[str, ...]] | domain.Skipped],
    *,
    session: Session,
    settings: Settings,
    store: Callable[..., int],
) -> ImportReport:
    ws = repo.ensure_workspace(session, settings.workspace)
    index = kpi_inputs.account_index(session, workspace_id=ws)
    report = ImportReport(kind=kind)
    seen: Counter[tuple[str, ...]] = Counter()
    rows: list[dict[str, Any]] = []
    for record in records:
        report.read += 1
        if isinstance(record, domain.Skipped):
            report.skipped += 1
            report.skipped_reasons[record.reason] += 1
            report.skipped_examples.append(f"{record.locator}: {record.detail}")
            continue
        row, content = record
        match = index.get(row["account"].lower())
        if match is None:
            report.unmatched_accounts.add(row["account"])
        else:
            row["account_id"], row["account"] = match
        rows.append({**row, "row_key": _row_key(seen, *content)})
    report.new = store(session, workspace_id=ws, rows=rows)
    report.duplicates = len(rows) - report.new
    return report


def import_revenue(
    *, session: Session, settings: Settings, path: Path, columns: dict[str, str] | None = None
) -> ImportReport:
    """Import MRR movements (CSV/JSON/JSONL); accounts are matched by name or domain."""

    def records() -> Iterator[tuple[dict[str, Any], tuple[str, ...]] | domain.Skipped]:
        for m in read_revenue(path, columns=columns):
            if isinstance(m, domain.Skipped):
                yield m
                continue
            row = {"account": m.account, "on": m.on, "kind": m.kind.value,
                   "amount": float(m.amount), "owner": m.owner}  # fmt: skip
            yield row, (m.account, m.on.isoformat(), m.kind.value, repr(float(m.amount)),
                        m.owner or "")  # fmt: skip

    return _import(
        "revenue", records(), session=session, settings=settings, store=kpi_inputs.add_revenue
    )


def import_surveys(
    *, session: Session, settings: Settings, path: Path, columns: dict[str, str] | None = None
) -> ImportReport:
    """Import NPS / CSAT / CES responses (CSV/JSON/JSONL)."""

    def records() -> Iterator[tuple[dict[str, Any], tuple[str, ...]] | domain.Skipped]:
        for item in read_surveys(path, columns=columns):
            if isinstance(item, domain.Skipped):
                yield item
                continue
            r, respondent = item
            row = {"account": r.account, "on": r.on, "kind": r.kind.value, "score": r.score,
                   "scale_max": r.scale_max, "respondent": respondent}  # fmt: skip
            yield row, (r.account, r.on.isoformat(), r.kind.value, repr(r.score),
                        str(r.scale_max), respondent or "")  # fmt: skip

    return _import(
        "surveys", records(), session=session, settings=settings, store=kpi_inputs.add_surveys
    )


def import_metrics(
    *, session: Session, settings: Settings, path: Path, columns: dict[str, str] | None = None
) -> ImportReport:
    """Import product-usage and adoption figures (account, date, metric, value).

    They become health-score inputs under their metric name (weighted in ``[health]``).
    """

    def records() -> Iterator[tuple[dict[str, Any], tuple[str, ...]] | domain.Skipped]:
        for item in read_metrics(path, columns=columns):
            if isinstance(item, domain.Skipped):
                yield item
                continue
            account, on, metric, value = item
            row = {"account": account, "on": on, "metric": metric, "value": value}
            yield row, (account, on.isoformat(), metric, repr(value))

    return _import(
        "metrics", records(), session=session, settings=settings, store=kpi_inputs.add_metrics
    )


def _health_extras(
    session: Session, settings: Settings, accounts: Sequence[domain.Account], day: date
) -> dict[str, dict[str, float | None]]:
    """Per account name: its headline KPIs and latest usage metrics, health-score inputs."""
    ws = repo.get_workspace_id(session, settings.workspace)
    metrics = kpi_inputs.latest_metrics(session, workspace_id=ws, until=day)
    out: dict[str, dict[str, float | None]] = {}
    for a in accounts:
        extra: dict[str, float | None] = {**dict(a.kpis), **metrics.get(a.id, {})}
        if extra:
            out[a.name] = extra
    return out


def compute_kpis(
    *, session: Session, settings: Settings, period: str, by: GroupBy = "account"
) -> KpiReport:
    """Every KPI for the period, grouped by account, owner (CSM) or workspace."""

    ws = repo.get_workspace_id(session, settings.workspace)
    movements = [
        MrrMovement(r.account, r.on, r.kind, r.amount, owner=r.owner, workspace=settings.workspace)
        for r in kpi_inputs.revenue_rows(session, workspace_id=ws)
    ]
    surveys = [
        SurveyResponse(r.account, r.on, r.kind, r.score, r.scale_max)
        for r in kpi_inputs.survey_rows(session, workspace_id=ws)
    ]
    return compute_all(movements, period=period, by=by, surveys=surveys)


# The API's read and update use cases (tieline/service/views.py).
from tieline.service.views import (  # noqa: E402
    AccountSort,
    InvalidHealthConfig,
    Page,
    account_detail,
    account_history,
    account_messages,
    account_page,
    account_stakeholders,
    get_health_config,
    open_items_page,
    people_page,
    person_detail,
    stored_account_detail,
    update_health_config,
)

__all__ += [
    "AccountSort",
    "InvalidHealthConfig",
    "Page",
    "account_detail",
    "account_history",
    "account_messages",
    "account_page",
    "account_stakeholders",
    "get_health_config",
    "open_items_page",
    "people_page",
    "person_detail",
    "stored_account_detail",
    "update_health_config",
]

# Webhooks for alerts (tieline/service/webhooks.py).
from tieline.service.webhooks import (  # noqa: E402
    DeliveryReport,
    create_webhook,
    delete_webhook,
    list_webhooks,
    webhook_deliveries,
)
from tieline.service.webhooks import deliver_due as deliver_webhooks  # noqa: E402

__all__ += [
    "DeliveryReport",
    "create_webhook",
    "delete_webhook",
    "deliver_webhooks",
    "list_webhooks",
    "webhook_deliveries",
]
