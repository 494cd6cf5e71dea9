"""Ingest jobs: an uploaded export's row, read only within its workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tieline.errors import NotFound
from tieline.store.models import IngestJob

__all__ = [
    "claim_job", "create_job", "get_job", "get_job_any", "heartbeat", "list_jobs", "mark_done",
    "mark_failed", "stalled_jobs",
]  # fmt: skip


def create_job(
    session: Session, *, workspace_id: int, kind: str, filename: str, size_bytes: int = 0
) -> IngestJob:
    """A queued job; flushed so it has its id."""
    row = IngestJob(
        workspace_id=workspace_id, kind=kind, filename=filename, size_bytes=size_bytes,
        status="queued",
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def get_job(session: Session, *, workspace_id: int, job_id: int) -> IngestJob:
    """The workspace's job ``job_id``; another workspace's job is NotFound like a missing one."""
    row = session.get(IngestJob, job_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"no ingest job {job_id}")
    return row


def get_job_any(session: Session, *, job_id: int) -> IngestJob:
    """The job, whatever its workspace (for the server's own recovery, never a caller)."""
    return session.get_one(IngestJob, job_id, populate_existing=True)


def list_jobs(
    session: Session, *, workspace_id: int, before: int | None = None, limit: int = 50
) -> list[IngestJob]:
    """The workspace's jobs, newest first, with ids below ``before`` when given."""
    query = select(IngestJob).where(IngestJob.workspace_id == workspace_id)
    if before is not None:
        query = query.where(IngestJob.id < before)
    return list(session.scalars(query.order_by(IngestJob.id.desc()).limit(limit)))


def _now() -> datetime:
    return datetime.now(UTC)


def claim_job(session: Session, *, job_id: int, stale_before: datetime) -> bool:
    """Make the job ours to run (one UPDATE, so only one claimant wins): a queued job,
    or a running one whose heartbeat stopped before ``stale_before``."""
    now = _now()
    stalled = (IngestJob.status == "running") & (
        func.coalesce(IngestJob.heartbeat_at, IngestJob.started_at, IngestJob.created_at)
        < stale_before
    )
    result = session.execute(
        update(IngestJob)
        .where(IngestJob.id == job_id, (IngestJob.status == "queued") | stalled)
        .values(status="running", started_at=now, heartbeat_at=now, error=None,
                attempts=IngestJob.attempts + 1)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    claimed = bool(getattr(result, "rowcount", 0) == 1)
    if claimed:
        session.expire_all()
    return claimed


def heartbeat(session: Session, *, job_id: int) -> None:
    session.execute(
        update(IngestJob)
        .where(IngestJob.id == job_id)
        .values(heartbeat_at=_now())
        .execution_options(synchronize_session=False)
    )


def stalled_jobs(session: Session, *, stale_before: datetime) -> list[IngestJob]:
    """Jobs of every workspace that no server is running: queued ones nobody took (older
    than ``stale_before``) and running ones whose heartbeat stopped before it."""
    last_sign = func.coalesce(IngestJob.heartbeat_at, IngestJob.started_at, IngestJob.created_at)
    return list(
        session.scalars(
            select(IngestJob)
            .where(IngestJob.status.in_(("queued", "running")), last_sign < stale_before)
            .order_by(IngestJob.id)
        )
    )


def mark_done(session: Session, *, job_id: int, report: dict[str, Any]) -> IngestJob:
    row = session.get_one(IngestJob, job_id)
    row.status, row.report, row.finished_at = "done", report, _now()
    session.flush()
    return row


def mark_failed(session: Session, *, job_id: int, error: str) -> IngestJob:
    row = session.get_one(IngestJob, job_id)
    row.status, row.error, row.finished_at = "failed", error, _now()
    session.flush()
    return row
