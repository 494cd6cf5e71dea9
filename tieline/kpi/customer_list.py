"""Read a CS team's customer list from CSV, JSON or JSON lines, with a column mapping.

Fields: ``name`` (required), ``domains`` (one or more email domains, separated by
``;``, ``,`` or spaces, or a JSON list), ``external_id`` (the CRM's account id),
``owner`` (the CSM's email), ``segment``, ``arr`` (``$120,000`` is fine) and
``renewal_date`` (ISO 8601). A row needs a name and a domain or an external id.
Common column names are understood as they are (``account``, ``domain``,
``crm_id``, ``csm`` ...); ``columns`` maps the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tieline.domain import Customer, Skipped
from tieline.kpi.formulas import KpiInputError
from tieline.kpi.io import _date, _number, read_rows

__all__ = ["CUSTOMER_FIELDS", "read_customers"]

CUSTOMER_FIELDS = ("name", "domains", "external_id", "owner", "segment", "arr", "renewal_date")
# Column names CRMs and spreadsheets use for our fields, tried after the field's own name.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("account", "account_name", "customer", "company"),
    "domains": ("domain", "website", "email_domains", "email_domain"),
    "external_id": ("id", "crm_id", "account_id", "salesforce_id", "hubspot_id"),
    "owner": ("csm", "owner_email", "csm_email", "account_owner"),
    "segment": ("tier", "plan"),
    "arr": ("annual_recurring_revenue",),
    "renewal_date": ("renewal", "renewal_on", "renews_on", "contract_end"),
}
_SPLIT = re.compile(r"[;,\s]+")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _get(row: Mapping[str, Any], columns: Mapping[str, str], name: str) -> Any:
    if name in columns:
        return row.get(columns[name])
    lowered = {str(k).strip().lower().replace(" ", "_"): v for k, v in row.items()}
    for key in (name, *_ALIASES.get(name, ())):
        if lowered.get(key) not in (None, ""):
            return lowered[key]
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _domains(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else _SPLIT.split(_text(value))
    out: list[str] = []
    for item in items:
        d = _text(item).lower().removeprefix("https://").removeprefix("http://")
        d = d.split("/")[0].lstrip("@").removeprefix("www.").strip(".")
        if not d:
            continue
        if not _DOMAIN.match(d):
            raise KpiInputError(f"{item!r} is not a domain")
        out.append(d)
    return tuple(dict.fromkeys(out))


def read_customers(
    path: Path, *, columns: Mapping[str, str] | None = None
) -> Iterator[Customer | Skipped]:
    """Customers from a file; unreadable rows come back as ``Skipped`` with the reason."""
    columns = dict(columns or {})
    unknown = set(columns) - set(CUSTOMER_FIELDS)
    if unknown:
        raise KpiInputError(f"unknown customer fields in the mapping: {sorted(unknown)}")
    for line, row in read_rows(path):
        locator = f"{path.name}:{line}"
        try:
            name = _text(_get(row, columns, "name"))
            domains = _domains(_get(row, columns, "domains"))
            external_id = _text(_get(row, columns, "external_id")) or None
            if not name:
                raise KpiInputError("no name")
            if not domains and not external_id:
                raise KpiInputError("neither a domain nor an external id")
            arr_text = _text(_get(row, columns, "arr"))
            renewal = _text(_get(row, columns, "renewal_date"))
            yield Customer(
                name=name,
                domains=domains,
                external_id=external_id,
                owner=_text(_get(row, columns, "owner")).lower(),
                segment=_text(_get(row, columns, "segment")) or None,
                arr=_number(arr_text, "arr") if arr_text else None,
                renewal_on=_date(renewal) if renewal else None,
            )
        except KpiInputError as exc:
            yield Skipped(locator=locator, reason="bad customer row", detail=str(exc))
