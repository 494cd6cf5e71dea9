"""Ingest jobs: an uploaded export's row, read only within its workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tieline.errors import NotFound
from tieline.store.models import IngestJob

__all__ = ["create_job", "get_job", "list_jobs", "mark_done", "mark_failed", "mark_running"]


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


def mark_running(session: Session, *, job_id: int) -> IngestJob:
    row = session.get_one(IngestJob, job_id)
    row.status, row.started_at, row.error = "running", _now(), None
    session.flush()
    return row


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
