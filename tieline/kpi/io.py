"""Read KPI inputs from CSV, JSON or JSON-lines exports, with a column mapping.

A CS team's billing or survey export rarely uses our column names, so every
reader takes ``columns``: our field -> their column. Rows that cannot be read
come back as :class:`~tieline.domain.Skipped` with the line and the reason; the
rest of the file is still read.

Revenue fields: ``account`` (name or domain), ``date`` (ISO 8601), ``kind``,
``amount`` (a magnitude; ``$1,200.50`` is fine), optional ``owner`` (the CSM).
Kinds: new, expansion, upsell, cross_sell, add_on, contraction, downgrade,
churn, reactivation, renewal_due, renewed — and common synonyms (upgrade,
cancellation, new_business, renewal ...).

Survey fields: ``account``, ``date``, ``kind`` (nps, csat, ces), ``score``,
optional ``scale_max`` (CSAT 5 or 10, CES 7 by default) and ``respondent``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tieline.domain import Skipped
from tieline.kpi.formulas import KpiInputError, MovementKind, MrrMovement, SurveyResponse

__all__ = [
    "KIND_SYNONYMS",
    "REVENUE_FIELDS",
    "SURVEY_FIELDS",
    "read_revenue",
    "read_surveys",
    "read_rows",
]

REVENUE_FIELDS = ("account", "date", "kind", "amount", "owner")
SURVEY_FIELDS = ("account", "date", "kind", "score", "scale_max", "respondent")
METRIC_FIELDS = ("account", "date", "metric", "value")
_REQUIRED = {"account", "date", "kind"}

KIND_SYNONYMS: dict[str, MovementKind] = {
    "new_business": MovementKind.NEW,
    "new_customer": MovementKind.NEW,
    "upgrade": MovementKind.UPSELL,
    "cross-sell": MovementKind.CROSS_SELL,
    "crosssell": MovementKind.CROSS_SELL,
    "add-on": MovementKind.ADD_ON,
    "addon": MovementKind.ADD_ON,
    "cancel": MovementKind.CHURN,
    "cancellation": MovementKind.CHURN,
    "cancelled": MovementKind.CHURN,
    "churned": MovementKind.CHURN,
    "reactivated": MovementKind.REACTIVATION,
    "renewal": MovementKind.RENEWED,
    "renewal_due_date": MovementKind.RENEWAL_DUE,
}

_MONEY_NOISE = re.compile(r"[^\d.\-]")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) from a .csv, .json (an array of objects) or .jsonl file."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise KpiInputError(f"{path}: expected a JSON array of objects")
        for i, row in enumerate(data, start=1):
            yield i, row if isinstance(row, dict) else {}
    elif suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for i, line in enumerate(fh, start=1):
                if line.strip():
                    row = json.loads(line)
                    yield i, row if isinstance(row, dict) else {}
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh), start=2):  # line 1 is the header
                yield i, row


def _field(row: Mapping[str, Any], columns: Mapping[str, str], name: str) -> str:
    value = row.get(columns.get(name, name))
    return "" if value is None else str(value).strip()


def _date(text: str) -> date:
    try:
        return datetime.fromisoformat(text).date() if "T" in text or " " in text else (
            date.fromisoformat(text)
        )  # fmt: skip
    except ValueError as exc:
        raise KpiInputError(f"date {text!r} is not ISO 8601 (YYYY-MM-DD)") from exc


def _number(text: str, what: str) -> float:
    cleaned = _MONEY_NOISE.sub("", text)
    try:
        return float(cleaned) if cleaned else 0.0
    except ValueError as exc:
        raise KpiInputError(f"{what} {text!r} is not a number") from exc


def _kind(text: str) -> MovementKind:
    key = text.strip().lower().replace(" ", "_")
    if key in KIND_SYNONYMS:
        return KIND_SYNONYMS[key]
    try:
        return MovementKind(key)
    except ValueError as exc:
        raise KpiInputError(f"unknown movement kind {text!r}") from exc


def _check_columns(columns: Mapping[str, str], fields: tuple[str, ...]) -> None:
    unknown = set(columns) - set(fields)
    if unknown:
        raise KpiInputError(f"unknown field(s) in the column mapping: {', '.join(sorted(unknown))}")


def read_revenue(
    path: Path, *, columns: Mapping[str, str] | None = None
) -> Iterator[MrrMovement | Skipped]:
    """MRR movements from an export; unreadable rows come back as Skipped."""
    columns = columns or {}
    _check_columns(columns, REVENUE_FIELDS)
    for line, row in read_rows(path):
        locator = f"{path}:{line}"
        try:
            missing = [f for f in _REQUIRED if not _field(row, columns, f)]
            if missing:
                raise KpiInputError(f"missing {', '.join(sorted(missing))}")
            kind = _kind(_field(row, columns, "kind"))
            yield MrrMovement(
                account=_field(row, columns, "account"),
                on=_date(_field(row, columns, "date")),
                kind=kind,
                amount=abs(_number(_field(row, columns, "amount"), "amount")),
                owner=_field(row, columns, "owner") or None,
            )
        except KpiInputError as exc:
            yield Skipped(locator, "invalid revenue row", exc.message)


def read_surveys(
    path: Path, *, columns: Mapping[str, str] | None = None
) -> Iterator[tuple[SurveyResponse, str | None] | Skipped]:
    """(response, respondent) pairs from an export; unreadable rows come back as Skipped."""
    columns = columns or {}
    _check_columns(columns, SURVEY_FIELDS)
    for line, row in read_rows(path):
        locator = f"{path}:{line}"
        try:
            missing = [f for f in (*_REQUIRED, "score") if not _field(row, columns, f)]
            if missing:
                raise KpiInputError(f"missing {', '.join(sorted(missing))}")
            scale = _field(row, columns, "scale_max")
            response = SurveyResponse(
                account=_field(row, columns, "account"),
                on=_date(_field(row, columns, "date")),
                kind=_field(row, columns, "kind").lower(),  # type: ignore[arg-type]
                score=_number(_field(row, columns, "score"), "score"),
                scale_max=int(_number(scale, "scale_max")) if scale else None,
            )
            yield response, _field(row, columns, "respondent") or None
        except (KpiInputError, ValueError) as exc:
            detail = exc.message if isinstance(exc, KpiInputError) else str(exc)
            yield Skipped(locator, "invalid survey row", detail)


_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def read_metrics(
    path: Path, *, columns: Mapping[str, str] | None = None
) -> Iterator[tuple[str, date, str, float] | Skipped]:
    """(account, date, metric, value) usage figures; unreadable rows come back as Skipped.

    Metric names are lower-case identifiers (``setup_rate``, ``active_users``): the
    ``[health]`` table weighs them under the same name.
    """
    columns = columns or {}
    _check_columns(columns, METRIC_FIELDS)
    for line, row in read_rows(path):
        locator = f"{path}:{line}"
        try:
            missing = [f for f in METRIC_FIELDS if not _field(row, columns, f)]
            if missing:
                raise KpiInputError(f"missing {', '.join(sorted(missing))}")
            metric = _field(row, columns, "metric").strip().lower().replace(" ", "_")
            if not _METRIC_NAME.match(metric):
                raise KpiInputError(f"metric name {metric!r} is not an identifier")
            yield (
                _field(row, columns, "account"),
                _date(_field(row, columns, "date")),
                metric,
                _number(_field(row, columns, "value"), "value"),
            )
        except KpiInputError as exc:
            yield Skipped(locator, "invalid metric row", exc.message)
