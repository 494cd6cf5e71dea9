"""``/v1/ingest``: upload an mbox, Slack export or ticket export; it is ingested in the
background, in one of the server's ingest worker processes (``tieline.api.workers``), and
``/v1/ingest/jobs/{id}`` says how it went."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep, client_address
from tieline.api.errors import problem, problem_of
from tieline.api.routes._common import Cursor, Id, Limit, decode_cursor, encode_cursor, problems
from tieline.errors import TielineError
from tieline.service import jobs
from tieline.service.jobs import JobKind

__all__ = ["router"]


def max_upload_bytes(request: Request) -> int:
    """``app.state.max_upload_bytes`` when set, else 200 MiB."""
    value: int = getattr(request.app.state, "max_upload_bytes", jobs.DEFAULT_MAX_UPLOAD_BYTES)
    return value


def upload_dir(request: Request) -> FilePath:
    """``app.state.upload_dir`` when set, else beside the SQLite file or in the temp dir."""
    folder = getattr(request.app.state, "upload_dir", None)
    if folder is not None:
        return FilePath(folder)
    return jobs.default_upload_dir(request.app.state.settings.database_url)


class UploadLimitRoute(APIRoute):
    """Counts request body bytes as they stream in (to the multipart parser's spool on
    disk) and answers 413 as soon as they pass the upload limit."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method != "POST":
                return await handler(request)
            if not request.headers.get("x-api-key"):  # refused before any byte is read
                return problem(401, "send an API key in the X-API-Key header")
            throttle = getattr(request.app.state, "auth_throttle", None)
            if throttle is not None:  # an address guessing keys: refused before the body
                try:
                    throttle.check(client_address(request))
                except TielineError as exc:
                    return problem_of(exc)
            limit = max_upload_bytes(request)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                return _too_large(limit)
            receive, seen = request.receive, 0

            async def counting() -> Message:
                nonlocal seen
                message = await receive()
                seen += len(message.get("body", b""))
                if seen > limit:  # HTTPException passes FastAPI's body parsing unchanged
                    raise HTTPException(413, f"request body over {limit} bytes")
                return message

            request._receive = counting
            return await handler(request)

        return limited


def _too_large(limit: int) -> Response:
    return problem(413, f"request body over {limit} bytes")


router = APIRouter(prefix="/ingest", tags=["ingest"], route_class=UploadLimitRoute)


def _out(job: jobs.JobView) -> schemas.IngestJob:
    return schemas.IngestJob.model_validate(job, from_attributes=True)


@router.post(
    "/{kind}",
    response_model=schemas.IngestJobOut,
    summary="Upload an export to ingest in the background",
    description="Multipart upload of `file`: an mbox (`email`), a Slack workspace export "
    "ZIP (`slack`), a Zendesk JSON export (`zendesk`), or a CSV/JSON/JSONL ticket export "
    "(`tickets`) with its TOML column mapping in `mapping`. Answers at once with the "
    "queued job; poll `GET /v1/ingest/jobs/{id}` for its status and ingest report. "
    "Uploads over the server's limit (200 MiB by default) get 413; a file that is not "
    "the declared kind gets 422 naming the field.",
    responses=problems(401, 404, 413, 422, 429),
)
def upload(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    kind: Annotated[JobKind, Path(description="what the file is")],
    file: Annotated[UploadFile, File(description="the export to ingest")],
    mapping: Annotated[
        UploadFile | None, File(description="the TOML column mapping (tickets only)")
    ] = None,
) -> schemas.IngestJobOut:
    folder = upload_dir(request)
    try:
        job = jobs.submit_upload(
            session=session, settings=caller.settings, kind=kind,
            file=jobs.Upload(file.filename, file.file),
            mapping=jobs.Upload(mapping.filename, mapping.file) if mapping else None,
            upload_dir=folder, max_bytes=max_upload_bytes(request),
        )  # fmt: skip
    except jobs.InvalidUpload as exc:
        where = "path" if exc.field == "kind" else "body"
        raise RequestValidationError(
            [{"type": "value_error", "loc": (where, exc.field), "msg": exc.message, "input": None}]
        ) from None
    session.commit()  # the job must be visible to its worker before it starts
    request.app.state.ingest_workers.submit(job.id, settings=caller.settings, upload_dir=folder)
    return schemas.IngestJobOut(job=_out(job))


@router.get(
    "/jobs",
    response_model=schemas.IngestJobPage,
    summary="The workspace's ingest jobs, newest first",
    description="Every upload of the workspace with its status (`queued`, `running`, "
    "`done`, `failed`), its ingest report once done and its error once failed.",
    responses=problems(401, 422, 429),
)
def list_jobs(
    session: SessionDep, caller: CallerDep, limit: Limit = 50, cursor: Cursor = None
) -> schemas.IngestJobPage:
    before = decode_cursor(cursor, "j", (int,))[0] if cursor else None
    rows = jobs.list_jobs(
        session=session, workspace_id=caller.workspace_id, before=before, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return schemas.IngestJobPage(
        results=[_out(r) for r in rows],
        next=encode_cursor("j", (rows[-1].id,)) if more else None,
    )


@router.get(
    "/jobs/{job_id}",
    response_model=schemas.IngestJob,
    summary="One ingest job's status and report",
    description="Where an upload stands: `queued`, `running`, `done` with the ingest "
    "report (messages read, new, duplicates, skipped and why, threads), or `failed` with "
    "the error. Another workspace's job is a 404.",
    responses=problems(401, 404, 422, 429),
)
def get_job(
    session: SessionDep, caller: CallerDep, job_id: Annotated[int, Id("ingest job")]
) -> schemas.IngestJob:
    return _out(jobs.get_job(session=session, workspace_id=caller.workspace_id, job_id=job_id))
