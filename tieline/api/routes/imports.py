"""``/v1/import``: the CS team's customer list, revenue (MRR movements), survey answers and
usage figures, for the accounts, the KPIs and the health score; the same readers and rules
as ``tieline import``."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.exceptions import RequestValidationError

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import problems
from tieline.api.routes.ingest import UploadLimitRoute
from tieline.errors import TielineError

__all__ = ["router"]

router = APIRouter(prefix="/import", tags=["import"], route_class=UploadLimitRoute)
_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )


def _columns(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise _invalid("map", "a JSON object of field -> column") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _invalid("map", "a JSON object of field -> column")
    return value


_DESCRIPTION = (
    "Multipart upload of `file` (CSV, JSON array or JSON lines, by its extension) with the "
    "columns of `tieline import {kind}` (README: Customer-success KPIs); `map` renames "
    'columns, as a JSON object like `{{"account": "Customer"}}`. Bad rows are skipped with '
    "the line and reason; re-importing a file adds nothing. Imports are small and run at "
    "once."
)
FileField = Annotated[UploadFile, File(description="CSV, JSON or JSON lines")]
MapField = Annotated[str | None, Form(description="JSON object: field -> column")]


class CustomerImportOut(schemas.ImportReportOut):
    """A customer-list import: rows new and updated, and the account mode it leaves."""

    updated: int
    mode: Literal["declared", "discovered"]
    people_attached: int


def _import(
    kind: Literal["revenue", "surveys", "metrics", "customers"], session: SessionDep,
    caller: CallerDep, file: UploadFile, columns_json: str | None,
) -> dict[str, Any]:  # fmt: skip
    suffix = FilePath(file.filename or "").suffix.lower()
    if suffix not in _SUFFIXES:
        raise _invalid("file", f"the file name must end in one of {', '.join(_SUFFIXES)}")
    columns = _columns(columns_json)
    use_case: Callable[..., Any] = {
        "revenue": service.import_revenue,
        "surveys": service.import_surveys,
        "metrics": service.import_metrics,
        "customers": service.import_customers,
    }[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = FilePath(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        try:
            report = use_case(session=session, settings=caller.settings, path=path, columns=columns)
        except TielineError as exc:
            if exc.status_code >= 500:
                raise
            raise _invalid("file", exc.message) from None
    result: dict[str, Any] = report.as_dict()
    return result


@router.post(
    "/customers",
    response_model=CustomerImportOut,
    summary="Import the customer list (name, domains, CRM id, owner, segment, ARR, renewal)",
    description=_DESCRIPTION.format(kind="customers")
    + " Upserts by `external_id` (the CRM's id), else by domain, else by name. Once a list "
    "exists, only listed customers and promoted candidates are accounts (`auto` mode).",
    responses=problems(401, 413, 422, 429),
)
def import_customers(
    session: SessionDep,
    caller: CallerDep,
    file: FileField,
    map: MapField = None,  # noqa: A002
) -> CustomerImportOut:
    return CustomerImportOut.model_validate(_import("customers", session, caller, file, map))


@router.post(
    "/revenue",
    response_model=schemas.ImportReportOut,
    summary="Import MRR movements (new, expansion, contraction, churn ...)",
    description=_DESCRIPTION.format(kind="revenue"),
    responses=problems(401, 413, 422, 429),
)
def import_revenue(
    session: SessionDep,
    caller: CallerDep,
    file: FileField,
    map: MapField = None,  # noqa: A002
) -> schemas.ImportReportOut:
    return schemas.ImportReportOut.model_validate(_import("revenue", session, caller, file, map))


@router.post(
    "/surveys",
    response_model=schemas.ImportReportOut,
    summary="Import NPS, CSAT and CES answers",
    description=_DESCRIPTION.format(kind="surveys"),
    responses=problems(401, 413, 422, 429),
)
def import_surveys(
    session: SessionDep,
    caller: CallerDep,
    file: FileField,
    map: MapField = None,  # noqa: A002
) -> schemas.ImportReportOut:
    return schemas.ImportReportOut.model_validate(_import("surveys", session, caller, file, map))


@router.post(
    "/metrics",
    response_model=schemas.ImportReportOut,
    summary="Import product-usage figures (setup rate, active users ...)",
    description=_DESCRIPTION.format(kind="metrics")
    + " Each metric becomes a health-score input under its name once `[health]` (or "
    "`PUT /v1/health-config`) weighs it.",
    responses=problems(401, 413, 422, 429),
)
def import_metrics(
    session: SessionDep,
    caller: CallerDep,
    file: FileField,
    map: MapField = None,  # noqa: A002
) -> schemas.ImportReportOut:
    return schemas.ImportReportOut.model_validate(_import("metrics", session, caller, file, map))
