"""Customer Success KPIs as pure functions, per account, owner (CSM) or workspace, over any period.

Inputs are frozen value objects (:class:`MrrMovement`, :class:`SurveyResponse`,
:class:`Milestone`, :class:`AcquisitionSpend`); every KPI comes back as a
:class:`KpiResult` that states its period, its formula with the numbers
substituted, its components and whether its sample is too small to read much
into. :func:`compute_all` computes every KPI for every group of a period; the
single-KPI functions serve one-off questions and the tests.

>>> from datetime import date
>>> moves = [
...     MrrMovement("acme", date(2026, 1, 5), MovementKind.NEW, 1_000, owner="dana"),
...     MrrMovement("bolt", date(2026, 1, 9), MovementKind.NEW, 500, owner="dana"),
...     MrrMovement("acme", date(2026, 2, 3), MovementKind.UPSELL, 200, owner="dana"),
...     MrrMovement("bolt", date(2026, 2, 20), MovementKind.CHURN, 500, owner="dana"),
... ]
>>> report = compute_all(moves, period="2026-02", by="owner")
>>> r = report.result("dana", "nrr")
>>> round(r.value, 1), r.formula.split(" = ")[-1], r.small_sample
(80.0, '(1,500 + 200 − 0 − 500) / 1,500', True)

The package imports nothing from Tieline but :mod:`tieline.errors`: storage,
CSV import, the CLI and the API build on it, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from tieline.kpi.customers import (
    cac,
    cac_payback_months,
    churn_rate,
    cltv,
    cltv_from_churn,
    expansion_rate,
    renewal_rate,
    retention_rate,
    time_to_value,
    ttv_from_days,
)
from tieline.kpi.formulas import (
    MIN_ACCOUNTS,
    MIN_MILESTONES,
    MIN_NEW_CUSTOMERS,
    MIN_RESPONSES,
    AcquisitionSpend,
    ChurnMethod,
    KpiInputError,
    KpiResult,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    RevenueChurn,
    SurveyKind,
    SurveyResponse,
    Unit,
)
from tieline.kpi.revenue import (
    ALL,
    UNASSIGNED,
    V_SIZE,
    GroupBy,
    PeriodFacts,
    Portfolio,
    arr,
    expansion_mrr_growth,
    expansion_mrr_rate,
    facts_from_vector,
    grr,
    mrr_at,
    nrr,
    period_facts,
    portfolio_growth,
    revenue_churn,
)
from tieline.kpi.surveys import SurveyTally, ces, csat, nps

__all__ = [
    "ALL",
    "KPI_NAMES",
    "MIN_ACCOUNTS",
    "MIN_MILESTONES",
    "MIN_NEW_CUSTOMERS",
    "MIN_RESPONSES",
    "UNASSIGNED",
    "AcquisitionSpend",
    "ChurnMethod",
    "GroupBy",
    "KpiInputError",
    "KpiReport",
    "KpiResult",
    "Milestone",
    "MovementKind",
    "MrrMovement",
    "Period",
    "PeriodFacts",
    "Portfolio",
    "RevenueChurn",
    "SurveyKind",
    "SurveyResponse",
    "Unit",
    "arr",
    "cac",
    "cac_payback_months",
    "ces",
    "churn_rate",
    "cltv",
    "cltv_from_churn",
    "compute_all",
    "csat",
    "expansion_mrr_growth",
    "expansion_mrr_rate",
    "expansion_rate",
    "grr",
    "mrr_at",
    "nps",
    "nrr",
    "period_facts",
    "portfolio_growth",
    "renewal_rate",
    "retention_rate",
    "revenue_churn",
    "time_to_value",
]


_EMPTY_TALLY = SurveyTally()


class _Gathered:
    """What compute_all gathered for one period: fact vectors and per-group extras."""

    __slots__ = (
        "gross_margin",
        "horizon_days",
        "pending",
        "period",
        "predictive",
        "spend",
        "tallies",
        "ttv_days",
        "vectors",
    )

    def __init__(
        self, period: Period, predictive: bool, horizon_days: int, gross_margin: float
    ) -> None:
        self.period = period
        self.predictive = predictive
        self.horizon_days = horizon_days
        self.gross_margin = gross_margin
        self.vectors: dict[str, list[float]] = {}
        self.tallies: dict[str, SurveyTally] = {}
        self.ttv_days: dict[str, list[float]] = {}
        self.pending: dict[str, int] = {}
        self.spend: dict[str, float] = {}


def _cltv(r: KpiReport, group: str) -> KpiResult:
    f = r.facts(group)
    return cltv_from_churn(
        arpa=f.end_mrr / f.customers_end if f.customers_end else None,
        churn_rate=churn_rate(f).value,
        period=f.period,
        gross_margin=r.gross_margin,
        customers=f.customers_start,
    )


def _cac(r: KpiReport, group: str) -> KpiResult:
    f = r.facts(group)
    return cac(spend=r.spend(group), new_customers=f.new_customers, period=f.period)


def _payback(r: KpiReport, group: str) -> KpiResult:
    f = r.facts(group)
    return cac_payback_months(
        cac=_cac(r, group).value,
        monthly_revenue=f.new_mrr / f.new_customers if f.new_customers else None,
        period=f.period,
        gross_margin=r.gross_margin,
        new_customers=f.new_customers,
    )


def _ttv(r: KpiReport, group: str) -> KpiResult:
    g = r._data
    return ttv_from_days(g.ttv_days.get(group, []), g.period, pending=g.pending.get(group, 0))


def _churn(method: ChurnMethod) -> Callable[[KpiReport, str], KpiResult]:
    return lambda r, group: churn_rate(r.facts(group), method=method)


_BUILDERS: dict[str, Callable[[KpiReport, str], KpiResult]] = {
    "mrr": lambda r, group: mrr_at(r.facts(group)),
    "arr": lambda r, group: arr(r.facts(group)),
    "nrr": lambda r, group: nrr(r.facts(group)),
    "grr": lambda r, group: grr(r.facts(group)),
    "gross_mrr_churn": lambda r, group: revenue_churn(r.facts(group), kind=RevenueChurn.GROSS),
    "net_mrr_churn": lambda r, group: revenue_churn(r.facts(group), kind=RevenueChurn.NET),
    "expansion_mrr_rate": lambda r, group: expansion_mrr_rate(r.facts(group)),
    "portfolio_growth": lambda r, group: portfolio_growth(r.facts(group)),
    "customer_churn_simple": _churn(ChurnMethod.SIMPLE),
    "customer_churn_adjusted": _churn(ChurnMethod.ADJUSTED),
    "customer_churn_predictive": _churn(ChurnMethod.PREDICTIVE),
    "customer_churn_daily_average": _churn(ChurnMethod.DAILY_AVERAGE),
    "retention_rate": lambda r, group: retention_rate(r.facts(group)),
    "renewal_rate": lambda r, group: renewal_rate(r.facts(group)),
    "expansion_rate": lambda r, group: expansion_rate(r.facts(group)),
    "cltv": _cltv,
    "nps": lambda r, group: r.tally(group).nps(r.period),
    "csat": lambda r, group: r.tally(group).csat(r.period),
    "ces": lambda r, group: r.tally(group).ces(r.period),
    "time_to_value": _ttv,
    "cac": _cac,
    "cac_payback_months": _payback,
}
KPI_NAMES: tuple[str, ...] = tuple(_BUILDERS)
"""Every KPI :func:`compute_all` reports, in report order (CAC ones only by workspace or all)."""
_SPEND_GROUPINGS = ("workspace", "all")


class KpiReport(Mapping[str, tuple[KpiResult, ...]]):
    """Every KPI of one period, per group: ``report[group]`` is a tuple of :class:`KpiResult`.

    Facts are gathered for every group up front; each group's results are built
    the first time they are read (``report[group]``, :meth:`results`), so a
    per-account report over 10,000 accounts costs only what is read.
    :meth:`result` and :meth:`value` build a single KPI.
    """

    def __init__(
        self, *, by: GroupBy, names: tuple[str, ...], groups: list[str], data: _Gathered
    ) -> None:
        self.by = by
        self.names = names
        self._groups = groups
        self._data = data
        self._facts: dict[str, PeriodFacts] = {}
        self._built: dict[str, tuple[KpiResult, ...]] = {}

    @property
    def period(self) -> Period:
        """The period every result covers."""
        return self._data.period

    @property
    def gross_margin(self) -> float:
        """The gross margin CLTV and CAC payback were computed with."""
        return self._data.gross_margin

    def __getitem__(self, group: str) -> tuple[KpiResult, ...]:
        built = self._built.get(group)
        if built is None:
            if group not in self._data.vectors and group not in self._groups:
                raise KeyError(group)
            built = tuple(_BUILDERS[name](self, group) for name in self.names)
            self._built[group] = built
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def facts(self, group: str) -> PeriodFacts:
        """The revenue and customer facts behind a group's KPIs."""
        f = self._facts.get(group)
        if f is None:
            d = self._data
            vector = d.vectors.get(group)
            if vector is None:
                if group not in self._groups:
                    raise KeyError(group)
                vector = [0.0] * V_SIZE
            f = facts_from_vector(d.period, vector, d.predictive, d.horizon_days)
            self._facts[group] = f
        return f

    def tally(self, group: str) -> SurveyTally:
        """The survey answers counted for a group."""
        return self._data.tallies.get(group, _EMPTY_TALLY)

    def spend(self, group: str) -> float:
        """Acquisition spend booked for a group (workspace or all) in the period."""
        return self._data.spend.get(group, 0.0)

    def result(self, group: str, name: str) -> KpiResult:
        """One KPI of one group."""
        if name not in self.names:
            raise KpiInputError(f"no KPI {name!r} in this report (have {', '.join(self.names)})")
        built = self._built.get(group)
        if built is not None:
            return built[self.names.index(name)]
        return _BUILDERS[name](self, group)

    def value(self, group: str, name: str) -> float | None:
        """One KPI's value, or None when undefined."""
        return self.result(group, name).value

    def results(self) -> Iterator[tuple[str, KpiResult]]:
        """(group, result) for every group and KPI, groups in sorted order."""
        for group in self:
            for r in self[group]:
                yield group, r

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: period, grouping and each group's results."""
        return {
            "period": self.period.label,
            "by": self.by,
            "groups": {group: [r.to_dict() for r in self[group]] for group in self},
        }


def compute_all(
    source: Iterable[MrrMovement] | Portfolio = (),
    *,
    period: Period | str,
    by: GroupBy = "account",
    surveys: Iterable[SurveyResponse] | None = None,
    milestones: Iterable[Milestone] | None = None,
    spend: Iterable[AcquisitionSpend] | None = None,
    gross_margin: float = 1.0,
    horizon_days: int = 30,
) -> KpiReport:
    """Every KPI for every account, owner, workspace (or ``"all"``) of one period.

    Pass a :class:`Portfolio` when computing many periods: it sorts and groups
    the data once. Surveys, milestones and spend then go into the Portfolio.
    CAC and its payback are reported only by workspace or for all (spend is
    not booked per account or owner).
    """
    if isinstance(period, str):
        period = Period.parse(period)
    if by not in ("account", "owner", "workspace", "all"):
        raise KpiInputError(f"cannot group by {by!r}: account, owner, workspace or all")
    if isinstance(source, Portfolio):
        given = {"surveys": surveys, "milestones": milestones, "spend": spend}
        extra = [name for name, it in given.items() if it is not None]
        if extra:
            raise KpiInputError(f"pass {', '.join(extra)} to the Portfolio, not to compute_all")
        book = source
    else:
        book = Portfolio(
            source, surveys=surveys or (), milestones=milestones or (), spend=spend or ()
        )
    data = _Gathered(
        period, book.predictive_available(period, horizon_days), horizon_days, gross_margin
    )
    data.vectors = book.group_vectors(period, by, horizon_days)
    key_of: Callable[[str], str | None]
    if by == "account":
        key_of = str
    elif by == "all":
        key_of = lambda _account: ALL  # noqa: E731
    else:
        key_of = book.group_map(period, by).get
    for r in book.surveys_in(period):
        key = key_of(r.account) or UNASSIGNED
        tally = data.tallies.get(key)
        if tally is None:
            tally = data.tallies[key] = SurveyTally()
        tally.add(r)
    reached, pending = book.milestones_in(period)
    for account, days in reached:
        data.ttv_days.setdefault(key_of(account) or UNASSIGNED, []).append(float(days))
    for account in pending:
        key = key_of(account) or UNASSIGNED
        data.pending[key] = data.pending.get(key, 0) + 1
    names = KPI_NAMES
    if by in _SPEND_GROUPINGS:
        for s in book.spend:
            if s.on in period:
                key = ALL if by == "all" else (s.workspace or UNASSIGNED)
                data.spend[key] = data.spend.get(key, 0.0) + float(s.amount)
    else:
        names = tuple(n for n in KPI_NAMES if not n.startswith("cac"))
    groups = list(data.vectors)  # sorted already
    others = set(data.tallies).union(data.ttv_days, data.pending, data.spend).difference(groups)
    if others:
        groups = sorted(others.union(groups))
    return KpiReport(by=by, names=names, groups=groups, data=data)
