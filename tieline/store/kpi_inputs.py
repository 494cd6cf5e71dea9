"""KPI inputs: imported MRR movements and survey responses. Callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tieline.store.models import (
    Account,
    AccountDomain,
    AccountMetric,
    RevenueMovement,
    SurveyResponse,
)
from tieline.store.storable import fit_rows

__all__ = [
    "add_metrics",
    "latest_metrics",
    "account_index",
    "add_revenue",
    "add_surveys",
    "has_kpi_data",
    "revenue_rows",
    "survey_rows",
]

_IN_CHUNK = 500


def account_index(session: Session, *, workspace_id: int) -> dict[str, tuple[int, str]]:
    """Lower-cased account names and domains -> (account id, name), to match imported rows."""
    index: dict[str, tuple[int, str]] = {}
    for account_id, name in session.execute(
        select(Account.id, Account.name).where(Account.workspace_id == workspace_id)
    ):
        index[name.lower()] = (account_id, name)
    for account_id, dom, name in session.execute(
        select(AccountDomain.account_id, AccountDomain.domain, Account.name)
        .join(Account, Account.id == AccountDomain.account_id)
        .where(AccountDomain.workspace_id == workspace_id)
    ):
        index.setdefault(dom.lower(), (account_id, name))
    return index


def _add_keyed(
    session: Session, model: type[RevenueMovement | SurveyResponse | AccountMetric],
    workspace_id: int,
    rows: Sequence[dict[str, Any]],
) -> int:  # fmt: skip
    fresh = {r["row_key"]: r for r in rows}
    pending = list(fresh)
    for keys in (pending[i : i + _IN_CHUNK] for i in range(0, len(pending), _IN_CHUNK)):
        for key in session.scalars(
            select(model.row_key).where(model.workspace_id == workspace_id, model.row_key.in_(keys))
        ):
            fresh.pop(key, None)
    if fresh:
        session.execute(
            insert(model),
            fit_rows(model, [{**r, "workspace_id": workspace_id} for r in fresh.values()]),
        )
    return len(fresh)


def add_revenue(session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Store MRR movements not stored yet (by ``row_key``); return how many were new."""
    return _add_keyed(session, RevenueMovement, workspace_id, rows)


def add_surveys(session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Store survey responses not stored yet (by ``row_key``); return how many were new."""
    return _add_keyed(session, SurveyResponse, workspace_id, rows)


def add_metrics(session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Store usage metrics not stored yet (by ``row_key``); return how many were new."""
    return _add_keyed(session, AccountMetric, workspace_id, rows)


def latest_metrics(
    session: Session, *, workspace_id: int, until: date
) -> dict[int, dict[str, float]]:
    """Per account id: each metric's latest value on or before ``until``."""
    out: dict[int, dict[str, float]] = {}
    for account_id, metric, value in session.execute(
        select(AccountMetric.account_id, AccountMetric.metric, AccountMetric.value)
        .where(
            AccountMetric.workspace_id == workspace_id,
            AccountMetric.account_id.is_not(None),
            AccountMetric.on <= until,
        )
        .order_by(AccountMetric.on, AccountMetric.id)
    ):
        if account_id is not None:
            out.setdefault(account_id, {})[metric] = value  # later rows overwrite earlier
    return out


def revenue_rows(session: Session, *, workspace_id: int) -> list[Any]:
    """Every MRR movement: (account, on, kind, amount, owner), oldest first."""
    m = RevenueMovement
    return list(
        session.execute(
            select(m.account, m.on, m.kind, m.amount, m.owner)
            .where(m.workspace_id == workspace_id)
            .order_by(m.on, m.id)
        )
    )


def survey_rows(session: Session, *, workspace_id: int) -> list[Any]:
    """Every survey response: (account, on, kind, score, scale_max), oldest first."""
    s = SurveyResponse
    return list(
        session.execute(
            select(s.account, s.on, s.kind, s.score, s.scale_max)
            .where(s.workspace_id == workspace_id)
            .order_by(s.on, s.id)
        )
    )


def has_kpi_data(session: Session, *, workspace_id: int) -> bool:
    """Whether any revenue movement or survey response was imported."""
    return any(
        session.scalar(select(model.id).where(model.workspace_id == workspace_id).limit(1))
        is not None
        for model in (RevenueMovement, SurveyResponse)
    )
