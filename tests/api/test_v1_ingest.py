"""``/v1/ingest``: uploads become background jobs whose status resource shows the ingest
report or the error; oversized uploads get 413, wrong ones 422, other workspaces 404."""

from __future__ import annotations

import io
import logging
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.conftest import DATA
from tieline.store import repository as repo
from tieline.store.models import Message


@pytest.fixture
def ingest(api: Api, tmp_path: Path) -> Api:
    api.client.app.state.upload_dir = tmp_path / "uploads"  # type: ignore[attr-defined]
    return api


def _post(api: Api, kind: str, files: dict[str, Any], key: str | None = None) -> Any:
    return api.client.post(f"/v1/ingest/{kind}", files=files,
                           headers={"X-API-Key": key or api.a.key})  # fmt: skip


def _file(path: Path) -> tuple[str, bytes]:
    return path.name, path.read_bytes()


def _messages(api: Api, workspace: str) -> int:
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        ws = repo.get_workspace_id(session, workspace)
        count = session.scalar(select(func.count()).where(Message.workspace_id == ws))
    return int(count or 0)


def _done(api: Api, job: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """The job once its worker process has finished it (polled: the server does not wait)."""
    deadline = time.monotonic() + 120
    while True:
        r = api.client.get(f"/v1/ingest/jobs/{job['id']}",
                           headers={"X-API-Key": key or api.a.key})  # fmt: skip
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        if out["status"] in ("done", "failed") or time.monotonic() > deadline:
            return out
        time.sleep(0.05)


def test_mbox_upload_is_ingested_into_the_callers_workspace_only(ingest: Api) -> None:
    before_a, before_b = _messages(ingest, "a"), _messages(ingest, "b")
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")})
    assert r.status_code == 200, r.text
    job = r.json()["job"]
    assert (job["kind"], job["filename"], job["status"]) == ("email", "thread.mbox", "queued")
    done = _done(ingest, job)
    assert done["status"] == "done", done["error"]
    report = done["report"]
    assert report["source"] == "email" and report["read"] == 9 and report["new_messages"] > 0
    assert _messages(ingest, "a") == before_a + report["new_messages"]
    assert _messages(ingest, "b") == before_b
    listing = ingest.get("/v1/ingest/jobs").json()
    assert [j["id"] for j in listing["results"]] == [job["id"]] and listing["next"] is None
    assert ingest.get("/v1/ingest/jobs", ingest.b).json()["results"] == []


def test_slack_zendesk_and_tickets_uploads(ingest: Api) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for file in sorted((DATA / "slack" / "export").rglob("*.json")):
            zf.write(file, file.relative_to(DATA / "slack" / "export").as_posix())
    uploads = [
        ("slack", {"file": ("acme-slack.zip", buf.getvalue())}, "acme-slack"),
        ("zendesk", {"file": _file(DATA / "tickets" / "zendesk_export.json")}, "zendesk_export"),
        ("tickets", {"file": _file(DATA / "tickets" / "freshdesk_tickets.csv"),
                     "mapping": _file(DATA / "tickets" / "freshdesk_mapping.toml")},
         "freshdesk_mapping"),
    ]  # fmt: skip
    for kind, files, source in uploads:
        r = _post(ingest, kind, files)
        assert r.status_code == 200, r.text
        done = _done(ingest, r.json()["job"])
        assert done["status"] == "done", (kind, done["error"])
        assert done["report"]["source"] == source and done["report"]["new_messages"] > 0
    page = ingest.get("/v1/ingest/jobs", limit=2).json()
    assert [j["kind"] for j in page["results"]] == ["tickets", "zendesk"]
    rest = ingest.get("/v1/ingest/jobs", limit=2, cursor=page["next"]).json()
    assert [j["kind"] for j in rest["results"]] == ["slack"] and rest["next"] is None


def test_broken_file_fails_the_job_and_the_server_carries_on(ingest: Api) -> None:
    r = _post(ingest, "zendesk", {"file": ("export.json", b'{"tickets": [{"id": ')})
    assert r.status_code == 200, r.text
    failed = _done(ingest, r.json()["job"])
    assert failed["status"] == "failed" and failed["report"] is None
    assert failed["error"].startswith("export.json") and "uploads" not in failed["error"]
    assert ingest.get("/v1/accounts").status_code == 200
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")})
    assert _done(ingest, r.json()["job"])["status"] == "done"


def test_oversized_upload_gets_413(ingest: Api) -> None:
    ingest.client.app.state.max_upload_bytes = 1000  # type: ignore[attr-defined]
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "request body over 1000 bytes"

    def chunks() -> Any:  # no Content-Length: the limit holds while the body streams
        yield b"x" * 600
        yield b"x" * 600

    r = ingest.client.post("/v1/ingest/email", content=chunks(), headers={
        "X-API-Key": ingest.a.key, "Content-Type": "multipart/form-data; boundary=b"})  # fmt: skip
    assert r.status_code == 413, r.text
    assert ingest.get("/v1/ingest/jobs").json()["results"] == []


def test_unknown_kind_missing_or_wrong_file_get_422_naming_the_field(ingest: Api) -> None:
    mbox = _file(DATA / "email" / "thread.mbox")
    cases = [
        ("fax", {"file": mbox}, "kind"),
        ("email", {"other": mbox}, "file"),
        ("email", {"file": ("a.mbox", b"not mail")}, "file"),
        ("slack", {"file": ("a.zip", b"not a zip")}, "file"),
        ("tickets", {"file": _file(DATA / "tickets" / "freshdesk_tickets.csv")}, "mapping"),
        ("tickets", {"file": _file(DATA / "tickets" / "freshdesk_tickets.csv"),
                     "mapping": ("m.toml", b"system = [")}, "mapping"),
    ]  # fmt: skip
    for kind, files, field in cases:
        r = _post(ingest, kind, files)
        assert r.status_code == 422, (kind, r.text)
        assert [e["field"] for e in r.json()["errors"]] == [field], r.json()
    assert ingest.get("/v1/ingest/jobs").json()["results"] == []


def test_jobs_are_scoped_to_the_workspace(ingest: Api) -> None:
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")})
    job = r.json()["job"]
    _done(ingest, job)
    assert ingest.get(f"/v1/ingest/jobs/{job['id']}", ingest.b).status_code == 404
    assert ingest.get("/v1/ingest/jobs/999999").status_code == 404
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")}, ingest.b.key)
    mine = _done(ingest, r.json()["job"], ingest.b.key)
    assert mine["status"] == "done"
    assert ingest.get(f"/v1/ingest/jobs/{mine['id']}").status_code == 404


def test_upload_needs_a_key(ingest: Api) -> None:
    r = ingest.client.post("/v1/ingest/email", files={"file": ("a.mbox", b"From x")})
    assert r.status_code == 401


def test_a_server_starting_finishes_the_job_a_stopped_one_left_running(
    api: Api, tmp_path: Path
) -> None:
    """The job was running when its server stopped; the next server's startup sweep
    takes it over (its upload is still there) and the status resource shows it done."""
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import update

    from tieline.api import create_app
    from tieline.service import jobs
    from tieline.store.models import IngestJob

    folder = tmp_path / "uploads"
    with api.client.app.state.sessions() as session:  # type: ignore[attr-defined]
        job = jobs.submit_upload(
            session=session, settings=api.settings, kind="email", upload_dir=folder,
            file=jobs.Upload("thread.mbox", io.BytesIO((DATA / "email" / "thread.mbox")
                                                      .read_bytes())),
        )  # fmt: skip
        then = datetime.now(UTC) - timedelta(hours=1)
        session.execute(update(IngestJob).where(IngestJob.id == job.id).values(
            status="running", started_at=then, heartbeat_at=then, attempts=1))  # fmt: skip
        session.commit()
    app = create_app(api.settings)
    app.state.upload_dir = folder
    with TestClient(app) as restarted:
        deadline = time.monotonic() + 60
        while True:
            body = restarted.get(f"/v1/ingest/jobs/{job.id}",
                                 headers={"X-API-Key": api.a.key}).json()  # fmt: skip
            if body["status"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert body["status"] == "done", body["error"]
    assert body["report"]["read"] == 9


def test_jobs_run_in_a_worker_process_that_stops_with_the_server(
    ingest: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """The ingest runs in another process (the serving one only answers requests), and
    the app's shutdown leaves no worker behind."""
    caplog.set_level(logging.INFO, logger="tieline.api.workers")
    r = _post(ingest, "email", {"file": _file(DATA / "email" / "thread.mbox")})
    job = r.json()["job"]
    assert _done(ingest, job)["status"] == "done"
    workers = ingest.client.app.state.ingest_workers  # type: ignore[attr-defined]
    pids = workers.pids()
    assert pids and os.getpid() not in pids
    deadline = time.monotonic() + 10  # the log line comes from the pool's own thread
    while not any(f"ingest job {job['id']} ran in worker" in m for m in caplog.messages):
        assert time.monotonic() < deadline, caplog.messages
        time.sleep(0.05)
    ran = next(m for m in caplog.messages if f"ingest job {job['id']} ran in worker" in m)
    assert int(ran.rsplit(" ", 1)[1]) in pids
    ingest.client.__exit__(None, None, None)  # the lifespan ends: the workers stop
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_stopping_server_stops_a_running_job_and_leaves_it_to_recovery(
    ingest: Api, tmp_path: Path
) -> None:
    """Past the grace period the worker is stopped mid-job; the job stays ``running``
    with its upload kept, which is what the next server's recovery sweep takes over."""
    from tieline.store.models import IngestJob

    mbox = b"".join(
        b"From a@acme.com Mon Mar  2 10:00:00 2026\nFrom: a@acme.com\nTo: b@northwind.io\n"
        b"Subject: s%d\nDate: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <%d@acme.com>\n\n"
        b"hello %d\n\n" % (i, i, i)
        for i in range(50_000)
    )
    workers = ingest.client.app.state.ingest_workers  # type: ignore[attr-defined]
    workers.grace_seconds = 0.0
    job = _post(ingest, "email", {"file": ("big.mbox", mbox)}).json()["job"]
    deadline = time.monotonic() + 60
    while ingest.get(f"/v1/ingest/jobs/{job['id']}").json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pids = workers.pids()
    sessions = ingest.client.app.state.sessions  # type: ignore[attr-defined]
    ingest.client.__exit__(None, None, None)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with sessions() as session:
        row = session.get_one(IngestJob, job["id"])
        assert row.status == "running" and row.finished_at is None
        upload = tmp_path / "uploads" / str(row.workspace_id) / str(row.id) / "big.mbox"
    assert upload.exists()
