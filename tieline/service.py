"""Use cases, where the components meet. Entry points (CLI, API) own the transaction.

Long-running use cases take a ``checkpoint`` callback: the entry point passes
``session.commit`` so each batch is durable on its own and a crash leaves a
consistent store that a re-run completes.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tieline import domain
from tieline.config import Settings
from tieline.ingest import CONNECTORS
from tieline.ingest.email import ParseOptions
from tieline.ingest.identity import DomainPolicy
from tieline.ingest.threads import build_threads
from tieline.store import queries
from tieline.store import repository as repo
from tieline.store.directory import PeopleDirectory

__all__ = ["IngestReport", "domain_policy", "ingest_email", "list_accounts", "list_people", "stats"]


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
        }


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
    )


def _nothing() -> None:
    return None


def ingest_email(
    *,
    session: Session,
    settings: Settings,
    paths: Sequence[Path],
    checkpoint: Callable[[], None] = _nothing,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Read mbox files, maildirs and message folders into the workspace, then rethread it."""
    started = time.perf_counter()
    ws = repo.ensure_workspace(session, settings.workspace)
    source_id = repo.ensure_source(session, workspace_id=ws, kind="email", name="email")
    for account in settings.accounts:
        repo.configure_account(session, workspace_id=ws, name=account.name, domains=account.domains)
    checkpoint()

    policy = domain_policy(settings)
    directory = PeopleDirectory(session, ws)

    participant = functools.lru_cache(maxsize=65_536)(policy.participant)

    def resolve(m: domain.Message) -> tuple[tuple[int, int], list[tuple[str, int, int]]]:
        author = directory.resolve(participant(m.author, human=not m.from_machine))
        recipients = [
            (kind.value, *directory.resolve(participant(address))) for kind, address in m.recipients
        ]
        return author, recipients

    report = IngestReport(source="email")
    messages: list[domain.Message] = []
    skipped: list[domain.Skipped] = []

    def flush() -> None:
        new = repo.add_messages(
            session, workspace_id=ws, source_id=source_id, messages=messages, resolve=resolve
        )
        report.new_messages += new
        report.duplicates += len(messages) - new
        report.new_skipped += repo.add_skipped(
            session, workspace_id=ws, source_id=source_id, skipped=skipped
        )
        checkpoint()
        if progress:
            progress(len(messages) + len(skipped))
        messages.clear()
        skipped.clear()

    options = ParseOptions(
        default_tz=settings.tz, max_message_bytes=settings.ingest.max_message_bytes
    )
    for record in CONNECTORS["email"](paths, options=options, jobs=settings.ingest.jobs):
        report.read += 1
        if isinstance(record, domain.Skipped):
            skipped.append(record)
            report.skipped += 1
            report.skipped_reasons[record.reason] += 1
        else:
            messages.append(record)
        if len(messages) + len(skipped) >= settings.ingest.batch_size:
            flush()
    flush()
    report.threads = repo.rethread(session, workspace_id=ws, build=build_threads)
    checkpoint()
    report.seconds = time.perf_counter() - started
    return report


def stats(*, session: Session, settings: Settings) -> dict[str, Any]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return {"workspace": settings.workspace, **queries.stats(session, workspace_id=ws)}


def list_accounts(*, session: Session, settings: Settings) -> list[domain.Account]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return queries.list_accounts(session, workspace_id=ws)


def list_people(
    *, session: Session, settings: Settings, account: str | None = None
) -> list[domain.Person]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return queries.list_people(session, workspace_id=ws, account=account)
