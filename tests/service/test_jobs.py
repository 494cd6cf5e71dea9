"""Ingest jobs: an upload is saved and queued, then run to done (with its report) or
failed (with the error), on its own session; the upload folder is removed either way."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import DATA
from tieline.config import Settings
from tieline.service import jobs
from tieline.store import repository as repo
from tieline.store.db import make_engine, make_session_factory, migrate
from tieline.store.models import IngestJob, Message

MakeSettings = Callable[..., Settings]


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _upload(path: Path, name: str | None = None) -> jobs.Upload:
    return jobs.Upload(name or path.name, io.BytesIO(path.read_bytes()))


def _submit(
    sessions: sessionmaker[Session], settings: Settings, kind: str, file: jobs.Upload,
    folder: Path, mapping: jobs.Upload | None = None, max_bytes: int = 1 << 30,
) -> jobs.JobView:  # fmt: skip
    with sessions() as session:
        job = jobs.submit_upload(
            session=session, settings=settings, kind=kind, file=file, mapping=mapping,
            upload_dir=folder, max_bytes=max_bytes,
        )  # fmt: skip
        session.commit()
    return job


def _run(sessions: sessionmaker[Session], settings: Settings, job: jobs.JobView, folder: Path
         ) -> jobs.JobView:  # fmt: skip
    jobs.run_job(job.id, sessions=sessions, settings=settings, upload_dir=folder)
    with sessions() as session:
        ws = repo.get_workspace_id(session, settings.workspace)
        return jobs.get_job(session=session, workspace_id=ws, job_id=job.id)


def test_email_job_runs_to_done_with_the_ingest_report(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    job = _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"), folder)
    assert (job.status, job.kind, job.filename) == ("queued", "email", "thread.mbox")
    assert job.size_bytes == (DATA / "email" / "thread.mbox").stat().st_size
    assert len(list(folder.rglob("thread.mbox"))) == 1

    done = _run(sessions, settings, job, folder)
    assert done.status == "done" and done.error is None, done.error
    assert done.report is not None and done.report["source"] == "email"
    assert done.report["read"] == 9 and done.report["new_messages"] > 0
    assert done.started_at is not None and done.finished_at is not None
    assert not list(folder.rglob("thread.mbox"))  # the upload is gone once ingested
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Message))
    assert count == done.report["new_messages"]


def test_slack_zendesk_and_tickets_jobs(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for file in sorted((DATA / "slack" / "export").rglob("*.json")):
            zf.write(file, file.relative_to(DATA / "slack" / "export").as_posix())
    slack = _submit(sessions, settings, "slack", jobs.Upload("acme-slack.zip",
                    io.BytesIO(buf.getvalue())), folder)  # fmt: skip
    zendesk = _submit(sessions, settings, "zendesk",
                      _upload(DATA / "tickets" / "zendesk_export.json"), folder)  # fmt: skip
    tickets = _submit(sessions, settings, "tickets",
                      _upload(DATA / "tickets" / "freshdesk_tickets.csv"), folder,
                      mapping=_upload(DATA / "tickets" / "freshdesk_mapping.toml"))  # fmt: skip
    reports = {}
    for job in (slack, zendesk, tickets):
        done = _run(sessions, settings, job, folder)
        assert done.status == "done", (job.kind, done.error)
        assert done.report is not None and done.report["new_messages"] > 0, done.report
        reports[job.kind] = done.report
    assert reports["slack"]["source"] == "acme-slack"
    assert reports["zendesk"]["source"] == "zendesk_export"
    assert reports["tickets"]["source"] == "freshdesk_mapping"


def test_broken_file_fails_the_job_with_the_error(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not an export")
    job = _submit(
        sessions, settings, "slack", jobs.Upload("x.zip", io.BytesIO(buf.getvalue())), folder
    )
    failed = _run(sessions, settings, job, folder)
    assert failed.status == "failed" and failed.report is None
    assert failed.error == "x.zip: not a Slack export (no users.json or channels.json)"
    assert str(folder) not in failed.error
    # A later job on the same store still runs.
    job = _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"), folder)
    assert _run(sessions, settings, job, folder).status == "done"


def test_submit_refuses_what_is_not_the_kind(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    cases = [
        ("email", jobs.Upload("a.mbox", io.BytesIO(b"hello")), None, "file"),
        ("slack", jobs.Upload("a.zip", io.BytesIO(b"hello")), None, "file"),
        ("zendesk", jobs.Upload("a.json", io.BytesIO(b"hello")), None, "file"),
        ("email", jobs.Upload("a.mbox", io.BytesIO(b"")), None, "file"),
        ("fax", jobs.Upload("a.mbox", io.BytesIO(b"From x")), None, "kind"),
        ("tickets", _upload(DATA / "tickets" / "freshdesk_tickets.csv"), None, "mapping"),
        ("tickets", _upload(DATA / "tickets" / "freshdesk_tickets.csv"),
         jobs.Upload("m.toml", io.BytesIO(b"system = 3")), "mapping"),
    ]  # fmt: skip
    for kind, file, mapping, field in cases:
        with pytest.raises(jobs.InvalidUpload) as err:
            _submit(sessions, settings, kind, file, folder, mapping=mapping)
        assert err.value.field == field, (kind, err.value.message)
        assert str(folder) not in err.value.message
    assert not list(folder.rglob("*.*"))  # refused uploads leave nothing behind


def test_submit_refuses_oversized_uploads(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    with pytest.raises(jobs.UploadTooLarge):
        _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"), folder,
                max_bytes=100)  # fmt: skip
    assert not list(folder.rglob("*.*"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(IngestJob)) == 0


def test_default_upload_dir(tmp_path: Path) -> None:
    assert jobs.default_upload_dir(f"sqlite:///{tmp_path}/t.db") == tmp_path / "uploads"
    assert jobs.default_upload_dir("postgresql://h/db").name == "tieline-uploads"
    assert jobs.default_upload_dir("sqlite://").name == "tieline-uploads"


# --------------------------------------------------------------------------- recovery


def _age(sessions: sessionmaker[Session], job_id: int, *, status: str, minutes: float,
         attempts: int = 1) -> None:  # fmt: skip
    """Pretend the job's server stopped ``minutes`` ago while it was ``status``."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    then = datetime.now(UTC) - timedelta(minutes=minutes)
    with sessions() as session:
        session.execute(
            update(IngestJob).where(IngestJob.id == job_id)
            .values(status=status, created_at=then, started_at=then, heartbeat_at=then,
                    attempts=attempts)
        )  # fmt: skip
        session.commit()


def _status(sessions: sessionmaker[Session], job_id: int) -> tuple[str, str | None, int]:
    with sessions() as session:
        row = session.get_one(IngestJob, job_id)
        return row.status, row.error, row.attempts


def test_a_job_cut_off_by_a_restart_is_taken_over_and_finished(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    job = _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"), folder)
    _age(sessions, job.id, status="running", minutes=30)  # its server died mid-way
    other = make_settings(workspace="default")  # recovery serves every workspace
    assert jobs.recover_jobs(sessions=sessions, settings=other, upload_dir=folder) == [job.id]
    status, error, attempts = _status(sessions, job.id)
    assert (status, error, attempts) == ("done", None, 2)
    with sessions() as session:
        ws = repo.get_workspace_id(session, "acme")
        count = session.scalar(select(func.count()).where(Message.workspace_id == ws))
        assert (count or 0) > 0
    assert not list(folder.rglob("thread.mbox"))
    # Nothing left to recover; ingesting again would add nothing anyway.
    assert jobs.recover_jobs(sessions=sessions, settings=other, upload_dir=folder) == []


def test_a_job_still_beating_or_just_queued_is_left_to_its_server(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    running = _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"),
                      folder)  # fmt: skip
    _age(sessions, running.id, status="running", minutes=2)  # heartbeat 2 minutes ago
    queued = _submit(sessions, settings, "email", _upload(DATA / "email" / "signals.mbox"),
                     folder)  # fmt: skip
    assert jobs.recover_jobs(sessions=sessions, settings=settings, upload_dir=folder) == []
    assert _status(sessions, running.id)[0] == "running"
    assert _status(sessions, queued.id)[0] == "queued"
    # The queued job's own background task claims it; a second claimant gets nothing.
    assert jobs.run_job(queued.id, sessions=sessions, settings=settings, upload_dir=folder)
    assert not jobs.run_job(queued.id, sessions=sessions, settings=settings, upload_dir=folder)
    assert _status(sessions, queued.id)[0] == "done"


def test_a_stalled_job_without_its_upload_or_out_of_attempts_fails_with_the_reason(
    sessions: sessionmaker[Session], make_settings: MakeSettings, tmp_path: Path
) -> None:
    import shutil

    settings = make_settings(workspace="acme")
    folder = tmp_path / "uploads"
    lost = _submit(sessions, settings, "email", _upload(DATA / "email" / "thread.mbox"), folder)
    tired = _submit(sessions, settings, "email", _upload(DATA / "email" / "signals.mbox"),
                    folder)  # fmt: skip
    shutil.rmtree(next(folder.rglob("thread.mbox")).parent)  # the lost job's folder
    _age(sessions, lost.id, status="running", minutes=30)
    _age(sessions, tired.id, status="running", minutes=30, attempts=jobs.MAX_ATTEMPTS)
    ran = jobs.recover_jobs(sessions=sessions, settings=settings, upload_dir=folder)
    assert sorted(ran) == sorted([lost.id, tired.id])
    status, error, _ = _status(sessions, lost.id)
    assert status == "failed" and error is not None and "upload is gone" in error
    status, error, _ = _status(sessions, tired.id)
    assert status == "failed" and error is not None and "giving up" in error
    assert not list(folder.rglob("signals.mbox"))
