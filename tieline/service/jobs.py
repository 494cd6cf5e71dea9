"""Uploaded exports ingested in the background: save the upload, then run it as a job.

``submit_upload`` runs inside a request: it streams the upload into a per-workspace
folder under the upload directory, refuses what is too large or plainly not the
declared kind, and queues a job row. ``run_job`` runs afterwards, outside the request,
with a session of its own: it commits every batch, records the ingest report or the
error, removes the upload, and never raises. The API runs it in ingest worker processes
(:func:`run_job_in_worker`), never in the serving process: parsing is CPU-bound Python,
and in the server it would hold the GIL that every other request needs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tieline.config import Settings
from tieline.errors import ConfigError, IngestError, TielineError
from tieline.ingest.tickets import TicketMapping
from tieline.store import jobs
from tieline.store import repository as repo
from tieline.store.models import IngestJob

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "InvalidUpload",
    "JobKind",
    "JobView",
    "Upload",
    "UploadTooLarge",
    "default_upload_dir",
    "get_job",
    "list_jobs",
    "init_worker",
    "recover_jobs",
    "run_job",
    "run_job_in_worker",
    "submit_upload",
]

log = logging.getLogger(__name__)

JobKind = Literal["email", "slack", "zendesk", "tickets"]
KINDS: tuple[str, ...] = get_args(JobKind)
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_CHUNK = 1 << 20
# A running job commits (and beats) every batch; one silent this long has lost its server.
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
_DEFAULT_NAMES = {"email": "upload.mbox", "slack": "export.zip", "zendesk": "export.json",
                  "tickets": "tickets.csv"}  # fmt: skip


class UploadTooLarge(TielineError):
    status_code = 413


class InvalidUpload(IngestError):
    """An upload that is plainly not what its kind reads; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file: the name the client gave and a binary stream to read it from."""

    filename: str | None
    stream: BinaryIO


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    filename: str
    size_bytes: int
    status: str
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _view(row: IngestJob) -> JobView:
    return JobView(row.id, row.kind, row.filename, row.size_bytes, row.status, row.report,
                   row.error, row.created_at, row.started_at, row.finished_at)  # fmt: skip


def default_upload_dir(database_url: str) -> Path:
    """``uploads/`` beside a SQLite database file, else a folder in the system temp dir."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).expanduser().parent / "uploads"
    return Path(tempfile.gettempdir()) / "tieline-uploads"


def _safe_name(name: str | None, default: str) -> str:
    """The client's file name reduced to one harmless path component (suffix kept)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path((name or "").replace("\\", "/")).name)
    base = base.lstrip(".")[-120:]
    return base or default


def _save(source: BinaryIO, target: Path, *, max_bytes: int, field: str) -> int:
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLarge(f"{field} over {max_bytes} bytes")
            out.write(chunk)
    if size == 0:
        raise InvalidUpload(field, f"{field} is empty")
    return size


def _check_kind(kind: str, path: Path) -> None:
    """Refuse at once what cannot be the declared kind; subtler damage fails the job."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    first = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if kind == "email" and not head.startswith(b"From "):
        raise InvalidUpload("file", "not an mbox file (it must start with a 'From ' line)")
    if kind == "slack" and not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise InvalidUpload("file", "not a ZIP file (upload the Slack workspace export ZIP)")
    if kind == "zendesk" and first not in (b"{", b"["):
        raise InvalidUpload("file", "not a Zendesk JSON export")
    if kind == "tickets" and path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        if first not in (b"{", b"["):
            raise InvalidUpload("file", f"not a {path.suffix.lower()[1:].upper()} file")


def _folder(upload_dir: Path, workspace_id: int, job_id: int) -> Path:
    return upload_dir / str(workspace_id) / str(job_id)


def submit_upload(
    *,
    session: Session,
    settings: Settings,
    kind: str,
    file: Upload,
    mapping: Upload | None = None,
    upload_dir: Path,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> JobView:
    """Save an upload for ``kind`` and queue its job; nothing is read into memory whole.

    Raises UploadTooLarge (413) past ``max_bytes`` and InvalidUpload (422, naming the
    field) for a missing mapping or a file that is not the declared kind.
    """
    if kind not in KINDS:
        raise InvalidUpload("kind", f"unknown ingest kind {kind!r}; one of {', '.join(KINDS)}")
    if kind == "tickets" and mapping is None:
        raise InvalidUpload("mapping", "tickets need a TOML column mapping in `mapping`")
    ws = repo.ensure_workspace(session, settings.workspace)
    name = _safe_name(file.filename, _DEFAULT_NAMES[kind])
    job = jobs.create_job(session, workspace_id=ws, kind=kind, filename=name)
    folder = _folder(upload_dir, ws, job.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        job.size_bytes = _save(file.stream, folder / name, max_bytes=max_bytes, field="file")
        _check_kind(kind, folder / name)
        if kind == "tickets" and mapping is not None:
            (folder / "mapping").mkdir()
            target = folder / "mapping" / _safe_name(mapping.filename, "mapping.toml")
            _save(mapping.stream, target, max_bytes=max_bytes - job.size_bytes, field="mapping")
            try:
                TicketMapping.from_toml(target)
            except ConfigError as exc:
                raise InvalidUpload("mapping", _public(exc.message, folder)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    session.flush()
    return _view(job)


def get_job(*, session: Session, workspace_id: int, job_id: int) -> JobView:
    """The workspace's job; another workspace's is NotFound."""
    return _view(jobs.get_job(session, workspace_id=workspace_id, job_id=job_id))


def list_jobs(
    *, session: Session, workspace_id: int, before: int | None = None, limit: int = 50
) -> list[JobView]:
    """The workspace's jobs, newest first."""
    rows = jobs.list_jobs(session, workspace_id=workspace_id, before=before, limit=limit)
    return [_view(r) for r in rows]


def _public(message: str, folder: Path) -> str:
    """An error message without the server's upload paths in it."""
    return message.replace(f"{folder}/mapping/", "").replace(f"{folder}/", "")


def _ingest(
    session: Session, settings: Settings, kind: str, path: Path, job_id: int
) -> dict[str, Any]:
    from tieline import service

    def done() -> None:  # every committed batch is also a sign of life
        jobs.heartbeat(session, job_id=job_id)
        session.commit()

    if kind == "email":
        report = service.ingest_email(session=session, settings=settings, paths=[path],
                                      checkpoint=done)  # fmt: skip
    elif kind == "slack":
        report = service.ingest_slack(session=session, settings=settings, paths=[path],
                                      checkpoint=done)  # fmt: skip
    elif kind == "zendesk":
        report = service.ingest_zendesk(session=session, settings=settings, paths=[path],
                                        checkpoint=done)  # fmt: skip
    else:
        mapping = next((path.parent / "mapping").iterdir())
        report = service.ingest_tickets(session=session, settings=settings, paths=[path],
                                        mapping=mapping, checkpoint=done)  # fmt: skip
    return report.as_dict()


def run_job(
    job_id: int, *, sessions: Callable[[], Session], settings: Settings, upload_dir: Path,
    stale_after: timedelta = STALE_AFTER,
) -> bool:  # fmt: skip
    """Run a queued (or stalled) job to ``done`` (with its report) or ``failed`` (with the
    error); False when another server has it. Removes the upload once it has an outcome.

    Ingesting is idempotent, so a job taken over after a crash re-reads its upload and
    adds only what the first attempt did not commit.
    """
    folder: Path | None = None
    finished = False
    try:
        with sessions() as session:
            stale_before = datetime.now(UTC) - stale_after
            if not jobs.claim_job(session, job_id=job_id, stale_before=stale_before):
                session.rollback()
                return False
            row = jobs.get_job_any(session, job_id=job_id)
            folder = _folder(upload_dir, row.workspace_id, job_id)
            kind, path, attempts = row.kind, folder / row.filename, row.attempts
            session.commit()
            if not path.exists():
                error = "interrupted, and its upload is gone: upload the file again"
                jobs.mark_failed(session, job_id=job_id, error=error)
            elif attempts > MAX_ATTEMPTS:
                error = f"interrupted {attempts - 1} times: giving up; upload it again"
                jobs.mark_failed(session, job_id=job_id, error=error)
            else:
                try:
                    report = _ingest(session, settings, kind, path, job_id)
                except Exception as exc:  # a failed job, never a crashed server
                    session.rollback()
                    if isinstance(exc, TielineError):
                        error = exc.message
                    else:
                        log.exception("ingest job %s failed", job_id)
                        error = f"{type(exc).__name__}: {exc}"
                    jobs.mark_failed(session, job_id=job_id, error=_public(error, folder))
                else:
                    jobs.mark_done(session, job_id=job_id, report=report)
            session.commit()
            finished = True
    except Exception:
        log.exception("ingest job %s could not record its outcome", job_id)
    finally:
        if folder is not None and finished:
            shutil.rmtree(folder, ignore_errors=True)
    return True


WORKER_NICENESS = 10  # an ingest worker yields the CPU to the server it belongs to
_worker_sessions: dict[str, sessionmaker[Session]] = {}


def init_worker() -> None:
    """Set up an ingest worker process: Ctrl-C reaches the whole process group, but
    when a worker stops is its server's decision; and a lower CPU priority, so that
    on a busy machine the server's requests come first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not permitted here: the worker runs at the server's priority
        pass


def run_job_in_worker(job_id: int, *, settings: Settings, upload_dir: Path) -> int | None:
    """:func:`run_job` in an ingest worker process, with the process's own engine (one
    per database, kept for the next job). Returns the worker's pid when it ran the job,
    None when another server had it."""
    from tieline.store.db import make_engine, make_session_factory

    url = settings.database_url
    if url not in _worker_sessions:
        _worker_sessions[url] = make_session_factory(make_engine(url))
    ran = run_job(job_id, sessions=_worker_sessions[url], settings=settings,
                  upload_dir=upload_dir)  # fmt: skip
    return os.getpid() if ran else None


def recover_jobs(
    *, sessions: Callable[[], Session], settings: Settings, upload_dir: Path,
    stale_after: timedelta = STALE_AFTER, run: Callable[[int, Settings], bool] | None = None,
) -> list[int]:  # fmt: skip
    """Run every job no server is running: queued and never started, or running with a
    heartbeat older than ``stale_after`` (its server stopped). Returns the ids run here;
    several servers recovering at once each take different jobs. ``run(job_id,
    settings)`` runs one (the API's runs it in a worker process); by default it runs
    here, with ``sessions``."""
    with sessions() as session:
        stale_before = datetime.now(UTC) - stale_after
        stalled = jobs.stalled_jobs(session, stale_before=stale_before)
        found = [(j.id, j.workspace_id) for j in stalled]
        names = {ws: repo.workspace_name(session, ws) for _, ws in found}
    ran = []
    for job_id, ws in found:
        scoped = settings.model_copy(update={"workspace": names[ws]})
        if run is not None:
            done = run(job_id, scoped)
        else:
            done = run_job(job_id, sessions=sessions, settings=scoped, upload_dir=upload_dir,
                           stale_after=stale_after)  # fmt: skip
        if done:
            ran.append(job_id)
    return ran
