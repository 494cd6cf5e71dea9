"""The MRR ledger and the revenue KPIs: MRR, ARR, NRR, GRR, MRR churn, portfolio growth.

:class:`Portfolio` sorts and groups the movements once; :meth:`Portfolio.facts`
then reduces any period to a :class:`PeriodFacts` (MRR at start and end, the
flows in between, customer counts and customer-days). Every KPI function takes
either raw movements, a ``Portfolio`` or ready ``PeriodFacts``, so the seeds'
worked examples can be reproduced from their bare numbers.

An account is a customer while its MRR > 0. Movements are applied in date
order (input order within a day); MRR never goes below zero, and a ``CHURN``
movement always closes the account. The flows of a period are classified by
what they did, not only by their label: a movement that takes MRR from 0 to
positive is a *new* customer (the account's first) or a *reactivation*, one
that takes it to 0 is *churn*, and the rest are expansion, upsell (upgrades),
renewal uplift or cut, downgrade or contraction as labelled.

Retention KPIs (NRR, GRR, MRR churn, portfolio growth) follow the *cohort* of
customers at the period start: revenue from accounts that were not customers
at the start, including returning lapsed customers, is new business and is
excluded.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tieline.kpi.formulas import (
    MIN_ACCOUNTS,
    AcquisitionSpend,
    KpiInputError,
    KpiResult,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    RevenueChurn,
    SurveyResponse,
    count,
    money,
    ratio,
)

__all__ = [
    "GroupBy",
    "PeriodFacts",
    "Portfolio",
    "Source",
    "arr",
    "expansion_mrr_growth",
    "expansion_mrr_rate",
    "grr",
    "mrr_at",
    "nrr",
    "period_facts",
    "portfolio_growth",
    "revenue_churn",
]

GroupBy = Literal["account", "owner", "workspace", "all"]
UNASSIGNED = "(unassigned)"
ALL = "(all)"
_EPS = 1e-9
_FAR = 10**8  # an ordinal past any date: "still open"

# Flow buckets (indices into the per-account and per-group fact vectors).
NEW, REACT, EXP, UPSELL, REN_UP, REN_CUT, DOWNGRADE, CONTR, CHURN = range(9)
_NO_FLOW = -1
_EXPANDING = (EXP, UPSELL, REN_UP)
# Vector layout: 0-8 cohort flows (NEW unused), then the rest.
(
    V_START,
    V_END,
    V_NEW_MRR,
    V_NEW_BUSINESS,
    V_CU_START,
    V_CU_END,
    V_CU_NEW,
    V_CU_REACT,
    V_CU_CHURN,
    V_RETAINED,
    V_EXPANDED,
    V_DAYS,
    V_LOST_DAYS,
    V_DUE,
    V_RENEWED,
    V_PENDING,
    V_ACCOUNTS,
) = range(9, 26)
V_SIZE = 26

_UP_LABEL = {MovementKind.UPSELL: UPSELL}
_DOWN_LABEL = {MovementKind.DOWNGRADE: DOWNGRADE}
_RAISES = frozenset(
    {
        MovementKind.NEW,
        MovementKind.EXPANSION,
        MovementKind.UPSELL,
        MovementKind.CROSS_SELL,
        MovementKind.ADD_ON,
        MovementKind.REACTIVATION,
    }
)


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    """What happened to a book of accounts over one period: the inputs of every KPI.

    Flow fields (``expansion_mrr`` ... ``reactivation_mrr``) cover the cohort of
    customers at the start; ``new_business_mrr`` is the end MRR of accounts that
    were not customers at the start. Hence
    ``end_mrr = start_mrr + expansion + upsell + renewal_uplift − renewal_cut −
    downgrade − contraction − churned + reactivation + new_business``, and
    ``customers_end = customers_start + new + reactivated − churned``.
    """

    period: Period
    start_mrr: float = 0.0
    end_mrr: float = 0.0
    expansion_mrr: float = 0.0  # expansion, cross-sell, add-on
    upsell_mrr: float = 0.0  # upsells / upgrades
    renewal_uplift_mrr: float = 0.0
    renewal_cut_mrr: float = 0.0
    downgrade_mrr: float = 0.0
    contraction_mrr: float = 0.0
    churned_mrr: float = 0.0
    reactivation_mrr: float = 0.0  # cohort accounts that churned and returned in the period
    new_business_mrr: float = 0.0
    new_mrr: float = 0.0  # MRR of first-time customers, at their first movement
    customers_start: int = 0
    customers_end: int = 0
    new_customers: int = 0
    reactivated_customers: int = 0
    churned_customers: int = 0  # churn events (MRR → 0), any account
    retained_customers: int = 0  # customers at start still customers at end
    expanded_customers: int = 0  # customers at start with an expansion, upsell or uplift
    customer_days: float = 0.0  # Σ over the days of customers at each day's end
    lost_customer_days: float | None = None  # Σ over the days of those gone `horizon` later
    horizon_days: int = 30
    renewals_due: int = 0
    renewals_renewed: int = 0
    renewals_pending: int = 0  # due, not renewed by the end, still a customer
    accounts: int = 0

    @property
    def expansion_total(self) -> float:
        """Expansion + upsell + renewal uplift of the starting cohort."""
        return self.expansion_mrr + self.upsell_mrr + self.renewal_uplift_mrr

    @property
    def contraction_total(self) -> float:
        """Downgrade + contraction + renewal cut of the starting cohort."""
        return self.downgrade_mrr + self.contraction_mrr + self.renewal_cut_mrr

    @property
    def cohort_end_mrr(self) -> float:
        """End MRR of the accounts that were customers at the start."""
        return (
            self.start_mrr
            + self.expansion_total
            - self.contraction_total
            - self.churned_mrr
            + self.reactivation_mrr
        )

    @property
    def renewals_lost(self) -> int:
        """Renewals due that were neither renewed nor still open (the account churned)."""
        return self.renewals_due - self.renewals_renewed - self.renewals_pending


class _Account:
    """One account's movements in date order, with the running MRR after each."""

    __slots__ = (
        "after",
        "amount",
        "bucket",
        "dates",
        "due",
        "due_renewed",
        "first",
        "key",
        "last",
        "owner_dates",
        "owners",
        "spans",
        "workspace",
    )

    def __init__(self, key: str, moves: list[MrrMovement]) -> None:
        self.key = key
        self.dates: list[int] = []
        self.after: list[float] = []
        self.bucket: list[int] = []
        self.amount: list[float] = []
        self.spans: list[tuple[int, int]] = []  # half-open day ranges with MRR > 0 at day end
        self.owner_dates: list[int] = []
        self.owners: list[str] = []
        self.workspace: str | None = None
        dues: list[int] = []
        renewals: list[int] = []
        mrr, ever, opened = 0.0, False, -1
        for m in moves:
            d = m.on.toordinal()
            kind, amt = m.kind, float(m.amount)
            before = mrr
            if kind is MovementKind.CHURN:
                mrr = 0.0
            elif kind in _RAISES or kind is MovementKind.RENEWED:
                mrr = before + amt
            elif kind is not MovementKind.RENEWAL_DUE:
                mrr = before - amt
            if mrr < _EPS:
                mrr = 0.0
            if before == 0.0 and mrr > 0.0:
                flow, value = (REACT if ever or kind is MovementKind.REACTIVATION else NEW), mrr
                ever = True
            elif before > 0.0 and mrr == 0.0:
                flow, value = CHURN, before
            elif mrr == before:
                flow, value = _NO_FLOW, 0.0
            elif kind is MovementKind.RENEWED:
                flow, value = (REN_UP, mrr - before) if mrr > before else (REN_CUT, before - mrr)
            elif mrr > before:
                flow, value = _UP_LABEL.get(kind, EXP), mrr - before
            else:
                flow, value = _DOWN_LABEL.get(kind, CONTR), before - mrr
            if kind is MovementKind.RENEWAL_DUE:
                dues.append(d)
            elif kind is MovementKind.RENEWED:
                renewals.append(d)
            self.dates.append(d)
            self.after.append(mrr)
            self.bucket.append(flow)
            self.amount.append(value)
            if m.owner is not None and (not self.owners or self.owners[-1] != m.owner):
                self.owner_dates.append(d)
                self.owners.append(m.owner)
            if m.workspace is not None:
                if self.workspace is not None and self.workspace != m.workspace:
                    raise KpiInputError(
                        f"account {key!r} appears in workspaces {self.workspace!r} and "
                        f"{m.workspace!r}; account keys must be unique across workspaces"
                    )
                self.workspace = m.workspace
        # End-of-day activity spans.
        n = len(self.dates)
        for i, d in enumerate(self.dates):
            if i + 1 < n and self.dates[i + 1] == d:
                continue  # only the day's last movement decides its end-of-day state
            active = self.after[i] > 0.0
            if active and opened < 0:
                opened = d
            elif not active and opened >= 0:
                if opened < d:
                    self.spans.append((opened, d))
                opened = -1
        if opened >= 0:
            self.spans.append((opened, _FAR))
        self.first = self.dates[0] if self.dates else _FAR
        self.last = self.dates[-1] if self.dates else -_FAR
        self.due, self.due_renewed = dues, _pair_renewals(dues, renewals)

    def mrr_before(self, day: int) -> float:
        i = bisect_left(self.dates, day)
        return self.after[i - 1] if i else 0.0

    def owner_at(self, day: int) -> str | None:
        if not self.owners:
            return None
        i = bisect_right(self.owner_dates, day)
        return self.owners[i - 1 if i else 0]

    def row(self, s: int, e: int, h: int | None) -> list[float] | None:
        """This account's contribution to a period [s, e]; None when it plays no part."""
        if e < self.first or (s > self.last and not self.after[-1]):
            return None
        dates, after = self.dates, self.after
        i0 = bisect_left(dates, s)
        start = after[i0 - 1] if i0 else 0.0
        i1 = bisect_right(dates, e, i0)
        if i1 == i0:
            if start == 0.0:
                return None
            # No movement in the period: a customer throughout (the common case).
            v = _QUIET[:]
            v[V_START] = v[V_END] = start
            v[V_DAYS] = float(e - s + 1)
            if h is not None and i1 < len(dates) and dates[i1] <= e + h:
                v[V_LOST_DAYS] = float(self._lost_days(s, e, h)[1])
            return v
        end = after[i1 - 1] if i1 else 0.0
        v = [0.0] * V_SIZE
        v[V_ACCOUNTS] = 1.0
        v[V_START], v[V_END] = start, end
        cohort = start > 0.0
        if cohort:
            v[V_CU_START] = 1.0
            if end > 0.0:
                v[V_RETAINED] = 1.0
        else:
            v[V_NEW_BUSINESS] = end
        if end > 0.0:
            v[V_CU_END] = 1.0
        if i1 > i0:
            bucket, amount = self.bucket, self.amount
            expanded = False
            for j in range(i0, i1):
                b = bucket[j]
                if b < 0:
                    continue
                if b == NEW:
                    v[V_CU_NEW] += 1.0
                    v[V_NEW_MRR] += amount[j]
                elif b == REACT:
                    v[V_CU_REACT] += 1.0
                elif b == CHURN:
                    v[V_CU_CHURN] += 1.0
                if cohort:
                    v[b] += amount[j]
                    if b in _EXPANDING:
                        expanded = True
            if expanded:
                v[V_EXPANDED] = 1.0
        active, lost = self._lost_days(s, e, h)
        v[V_DAYS] = float(active)
        v[V_LOST_DAYS] = float(lost)
        if self.due:
            k0 = bisect_left(self.due, s)
            k1 = bisect_right(self.due, e, k0)
            for k in range(k0, k1):
                v[V_DUE] += 1.0
                if self.due_renewed[k] <= e:
                    v[V_RENEWED] += 1.0
                elif end > 0.0:
                    v[V_PENDING] += 1.0
        return v

    def _lost_days(self, s: int, e: int, h: int | None) -> tuple[int, int]:
        """(customer-days in [s, e], those of them with no MRR h days later)."""
        active = both = 0
        stop = e + 1
        for a, b in self.spans:
            if b <= s:
                continue
            if a >= stop:
                break
            lo, hi = max(a, s), min(b, stop)
            active += hi - lo
            if h is not None:
                for a2, b2 in self.spans:
                    lo2, hi2 = max(lo, a2 - h), min(hi, b2 - h)
                    if lo2 < hi2:
                        both += hi2 - lo2
        return active, (active - both if h is not None else 0)


_QUIET = [0.0] * V_SIZE
for _i in (V_CU_START, V_CU_END, V_RETAINED, V_ACCOUNTS):
    _QUIET[_i] = 1.0


def _pair_renewals(dues: list[int], renewals: list[int]) -> list[int]:
    """For each due date, the day it was renewed (_FAR if never).

    Walks both in date order: a RENEWED closes the oldest open due, or, when
    none is open, is an early renewal credited to the next due.
    """
    out = [_FAR] * len(dues)
    events = sorted([(d, 0, i) for i, d in enumerate(dues)] + [(d, 1, -1) for d in renewals])
    open_dues: deque[int] = deque()
    credits: deque[int] = deque()
    for d, is_renewal, i in events:
        if not is_renewal:
            if credits:
                out[i] = credits.popleft()
            else:
                open_dues.append(i)
        elif open_dues:
            out[open_dues.popleft()] = d
        else:
            credits.append(d)
    return out


def _sum(rows: Iterable[list[float]]) -> list[float]:
    """Column sums of fact vectors."""
    return [float(sum(col)) for col in zip(*rows, strict=True)] or [0.0] * V_SIZE


class Portfolio:
    """Movements, surveys, milestones and spend, sorted and grouped once for many periods.

    ``as_of`` is the last day the data is complete (default: the latest
    movement); the predictive churn method needs data up to a period's end plus
    its horizon.

    >>> from datetime import date
    >>> book = Portfolio([
    ...     MrrMovement("acme", date(2026, 1, 5), MovementKind.NEW, 100),
    ...     MrrMovement("acme", date(2026, 2, 9), MovementKind.UPSELL, 50),
    ... ])
    >>> book.mrr(date(2026, 1, 31)), book.mrr(date(2026, 2, 28))
    ((100.0, 1), (150.0, 1))
    """

    def __init__(
        self,
        movements: Iterable[MrrMovement] = (),
        *,
        surveys: Iterable[SurveyResponse] = (),
        milestones: Iterable[Milestone] = (),
        spend: Iterable[AcquisitionSpend] = (),
        as_of: date | None = None,
    ) -> None:
        by_account: dict[str, list[MrrMovement]] = defaultdict(list)
        for m in sorted(movements, key=lambda m: m.on):
            by_account[m.account].append(m)
        self._accounts = {key: _Account(key, ms) for key, ms in sorted(by_account.items())}
        last = max((a.last for a in self._accounts.values()), default=None)
        self.as_of = as_of or (date.fromordinal(last) if last is not None else None)
        self.surveys = tuple(sorted(surveys, key=lambda r: r.on))
        self._survey_days = [r.on.toordinal() for r in self.surveys]
        self.milestones = tuple(sorted(milestones, key=lambda m: (m.reached or date.max, m.start)))
        self._reached = [m.reached.toordinal() if m.reached else _FAR for m in self.milestones]
        self.spend = tuple(sorted(spend, key=lambda s: s.on))
        self._workspace = {k: a.workspace or UNASSIGNED for k, a in self._accounts.items()}
        self._owner = {
            k: a.owners[0] if a.owners else UNASSIGNED for k, a in self._accounts.items()
        }
        self._reassigned = [a for a in self._accounts.values() if len(a.owners) > 1]
        self._cache: dict[tuple[int, int, int], dict[str, list[float]]] = {}

    @property
    def accounts(self) -> tuple[str, ...]:
        """Account keys that have movements, sorted."""
        return tuple(self._accounts)

    def mrr(self, on: date) -> tuple[float, int]:
        """(total MRR, paying customers) at the end of day ``on``."""
        day = on.toordinal() + 1
        total, customers = 0.0, 0
        for acc in self._accounts.values():
            value = acc.mrr_before(day)
            if value > 0.0:
                total += value
                customers += 1
        return total, customers

    def group_of(self, account: str, by: GroupBy, period: Period) -> str:
        """The group an account falls in for a period: itself, its owner, its workspace.

        An account's owner is the one named on its latest movement on or before
        the period end (its first named owner before that); accounts without
        one, or known only from surveys, fall in ``"(unassigned)"``.
        """
        if by == "account":
            return account
        if by == "all":
            return ALL
        return self.group_map(period, by).get(account, UNASSIGNED)

    def group_map(self, period: Period, by: Literal["owner", "workspace"]) -> dict[str, str]:
        """Account → owner (as of the period end) or workspace, for every account with movements."""
        if by == "workspace":
            return self._workspace
        if not self._reassigned:
            return self._owner
        end = period.end.toordinal()
        mapping = dict(self._owner)
        for acc in self._reassigned:
            mapping[acc.key] = acc.owner_at(end) or UNASSIGNED
        return mapping

    def rows(self, period: Period, horizon_days: int = 30) -> dict[str, list[float]]:
        """Each account's fact vector for a period (accounts that play no part are left out)."""
        s, e = period.start.toordinal(), period.end.toordinal()
        h = horizon_days if self.predictive_available(period, horizon_days) else None
        key = (s, e, -1 if h is None else h)
        cached = self._cache.get(key)
        if cached is None:
            cached = {}
            for name, acc in self._accounts.items():
                row = acc.row(s, e, h)
                if row is not None:
                    cached[name] = row
            self._cache = {key: cached}  # keep one period: callers sweep period by period
        return cached

    def predictive_available(self, period: Period, horizon_days: int) -> bool:
        """Whether the data reaches a period's end plus the predictive horizon."""
        if self.as_of is None:
            return False
        return period.end.toordinal() + horizon_days <= self.as_of.toordinal()

    def group_vectors(
        self, period: Period, by: GroupBy, horizon_days: int = 30
    ) -> dict[str, list[float]]:
        """Fact vectors summed per group (see :meth:`facts` for their meaning)."""
        rows = self.rows(period, horizon_days)
        if by == "account":
            return rows
        if by == "all":
            return {ALL: _sum(rows.values())} if rows else {}
        mapping = self.group_map(period, by)
        members: dict[str, list[list[float]]] = defaultdict(list)
        for name, row in rows.items():
            members[mapping[name]].append(row)
        return {group: _sum(vectors) for group, vectors in sorted(members.items())}

    def facts(
        self, period: Period, *, accounts: Iterable[str] | None = None, horizon_days: int = 30
    ) -> PeriodFacts:
        """The whole book's (or the given accounts') facts for one period."""
        rows = self.rows(period, horizon_days)
        picked = rows.values() if accounts is None else [rows[a] for a in accounts if a in rows]
        total = _sum(picked)
        return facts_from_vector(
            period, total, self.predictive_available(period, horizon_days), horizon_days
        )

    def milestones_in(self, period: Period) -> tuple[list[tuple[str, int]], list[str]]:
        """([(account, days to value)] reached in the period, [accounts still on the way])."""
        s, e = period.start.toordinal(), period.end.toordinal()
        lo = bisect_left(self._reached, s)
        hi = bisect_right(self._reached, e, lo)
        ms = self.milestones
        reached = [(m.account, (m.reached - m.start).days) for m in ms[lo:hi] if m.reached]
        pending = [m.account for m in ms[hi:] if m.start <= period.end]
        return reached, pending

    def surveys_in(self, period: Period) -> Iterator[SurveyResponse]:
        """Survey responses dated within a period."""
        lo = bisect_left(self._survey_days, period.start.toordinal())
        hi = bisect_right(self._survey_days, period.end.toordinal(), lo)
        return iter(self.surveys[lo:hi])


def facts_from_vector(
    period: Period, v: list[float], predictive: bool, horizon_days: int
) -> PeriodFacts:
    """Turn a summed fact vector into :class:`PeriodFacts`."""
    return PeriodFacts(
        period=period,
        start_mrr=v[V_START],
        end_mrr=v[V_END],
        expansion_mrr=v[EXP],
        upsell_mrr=v[UPSELL],
        renewal_uplift_mrr=v[REN_UP],
        renewal_cut_mrr=v[REN_CUT],
        downgrade_mrr=v[DOWNGRADE],
        contraction_mrr=v[CONTR],
        churned_mrr=v[CHURN],
        reactivation_mrr=v[REACT],
        new_business_mrr=v[V_NEW_BUSINESS],
        new_mrr=v[V_NEW_MRR],
        customers_start=int(v[V_CU_START]),
        customers_end=int(v[V_CU_END]),
        new_customers=int(v[V_CU_NEW]),
        reactivated_customers=int(v[V_CU_REACT]),
        churned_customers=int(v[V_CU_CHURN]),
        retained_customers=int(v[V_RETAINED]),
        expanded_customers=int(v[V_EXPANDED]),
        customer_days=v[V_DAYS],
        lost_customer_days=v[V_LOST_DAYS] if predictive else None,
        horizon_days=horizon_days,
        renewals_due=int(v[V_DUE]),
        renewals_renewed=int(v[V_RENEWED]),
        renewals_pending=int(v[V_PENDING]),
        accounts=int(v[V_ACCOUNTS]),
    )


Source = Iterable[MrrMovement] | Portfolio | PeriodFacts


def period_facts(
    source: Source, period: Period | None = None, horizon_days: int = 30
) -> PeriodFacts:
    """Reduce movements (or a Portfolio) to the facts of one period; facts pass through."""
    if isinstance(source, PeriodFacts):
        if period is not None and period != source.period:
            raise KpiInputError(f"facts are for {source.period}, not {period}")
        return source
    if period is None:
        raise KpiInputError("a period is needed to compute KPIs from movements")
    book = source if isinstance(source, Portfolio) else Portfolio(source)
    return book.facts(period, horizon_days=horizon_days)


# --------------------------------------------------------------------------- KPIs


def _small(n: int) -> bool:
    return n < MIN_ACCOUNTS


def _undefined_start(f: PeriodFacts) -> str:
    return "" if f.start_mrr else "no MRR at the period start: undefined"


def _point(
    source: Iterable[MrrMovement] | Portfolio | PeriodFacts, on: date | None
) -> tuple[float, int, Period]:
    if isinstance(source, PeriodFacts):
        if on is not None and on != source.period.end:
            raise KpiInputError(f"facts end on {source.period.end}, not {on}")
        return source.end_mrr, source.customers_end, source.period
    if on is None:
        raise KpiInputError("a date is needed")
    book = source if isinstance(source, Portfolio) else Portfolio(source)
    total, customers = book.mrr(on)
    return total, customers, Period.day(on)


def mrr_at(source: Source, on: date | None = None) -> KpiResult:
    """Monthly recurring revenue at the end of a day (or of the facts' period).

    >>> from datetime import date
    >>> moves = [MrrMovement(f"c{i}", date(2026, 1, 1), MovementKind.NEW, 100) for i in range(100)]
    >>> mrr_at(moves, date(2026, 1, 31)).formula
    'MRR = paying customers × ARPU = 100 × 100'
    """
    total, customers, period = _point(source, on)
    arpu = total / customers if customers else 0.0
    return KpiResult(
        name="mrr",
        value=total,
        unit="currency",
        period=period,
        formula=f"MRR = paying customers × ARPU = {count(customers)} × {money(arpu)}",
        components={"customers": float(customers), "arpu": arpu},
        sample_size=customers,
    )


def arr(source: Source, on: date | None = None) -> KpiResult:
    """Annual recurring revenue: 12 × the MRR at the end of a day (run rate).

    >>> from datetime import date
    >>> moves = [MrrMovement(f"c{i}", date(2026, 1, 1), MovementKind.NEW, 100) for i in range(100)]
    >>> arr(moves, date(2026, 1, 31)).value
    120000.0
    """
    total, customers, period = _point(source, on)
    return KpiResult(
        name="arr",
        value=12 * total,
        unit="currency",
        period=period,
        formula=f"ARR = 12 × MRR = 12 × {money(total)}",
        components={"mrr": total, "customers": float(customers)},
        sample_size=customers,
    )


def _components(f: PeriodFacts) -> dict[str, float]:
    return {
        "start_mrr": f.start_mrr,
        "expansion_mrr": f.expansion_mrr,
        "upsell_mrr": f.upsell_mrr,
        "renewal_uplift_mrr": f.renewal_uplift_mrr,
        "renewal_cut_mrr": f.renewal_cut_mrr,
        "downgrade_mrr": f.downgrade_mrr,
        "contraction_mrr": f.contraction_mrr,
        "churned_mrr": f.churned_mrr,
        "reactivation_mrr": f.reactivation_mrr,
        "cohort_end_mrr": f.cohort_end_mrr,
        "customers_start": float(f.customers_start),
    }


def _react(f: PeriodFacts) -> str:
    return f" + {money(f.reactivation_mrr)}" if f.reactivation_mrr else ""


def nrr(source: Source, period: Period | None = None) -> KpiResult:
    """Net revenue retention: the starting customers' MRR at the end over their MRR at the start.

    >>> f = PeriodFacts(Period.parse("2022-03"), start_mrr=27_000, expansion_mrr=8_000,
    ...                 churned_mrr=5_000, customers_start=40)
    >>> r = nrr(f)
    >>> round(r.value, 1), r.formula.split(" = ")[-1]
    (111.1, '(27,000 + 8,000 − 0 − 5,000) / 27,000')
    """
    f = period_facts(source, period)
    react = " + reactivation" if f.reactivation_mrr else ""
    return KpiResult(
        name="nrr",
        value=ratio(f.cohort_end_mrr, f.start_mrr),
        unit="%",
        period=f.period,
        formula=(
            f"NRR = (start MRR + expansion − contraction − churned{react}) / start MRR = "
            f"({money(f.start_mrr)} + {money(f.expansion_total)} − "
            f"{money(f.contraction_total)} − {money(f.churned_mrr)}{_react(f)}) / "
            f"{money(f.start_mrr)}"
        ),
        components=_components(f),
        sample_size=f.customers_start,
        small_sample=_small(f.customers_start),
        note=_undefined_start(f),
    )


def grr(source: Source, period: Period | None = None) -> KpiResult:
    """Gross revenue retention: like NRR without expansion or reactivation; never above 100 %."""
    f = period_facts(source, period)
    kept = f.start_mrr - f.contraction_total - f.churned_mrr
    return KpiResult(
        name="grr",
        value=ratio(kept, f.start_mrr),
        unit="%",
        period=f.period,
        formula=(
            f"GRR = (start MRR − contraction − churned) / start MRR = "
            f"({money(f.start_mrr)} − {money(f.contraction_total)} − {money(f.churned_mrr)}) / "
            f"{money(f.start_mrr)}"
        ),
        components=_components(f),
        sample_size=f.customers_start,
        small_sample=_small(f.customers_start),
        note=_undefined_start(f),
    )


def revenue_churn(
    source: Source, period: Period | None = None, *, kind: RevenueChurn | str = RevenueChurn.GROSS
) -> KpiResult:
    """MRR churn rate: gross (lost MRR) or net (lost minus expansion; negative is good)."""
    f = period_facts(source, period)
    kind = RevenueChurn(kind)
    lost = f.churned_mrr + f.contraction_total
    if kind is RevenueChurn.GROSS:
        numerator = lost
        formula = (
            f"gross MRR churn = (churned + contraction) / start MRR = "
            f"({money(f.churned_mrr)} + {money(f.contraction_total)}) / {money(f.start_mrr)}"
        )
    else:
        numerator = lost - f.expansion_total - f.reactivation_mrr
        react = " − reactivation" if f.reactivation_mrr else ""
        react_n = f" − {money(f.reactivation_mrr)}" if f.reactivation_mrr else ""
        formula = (
            f"net MRR churn = (churned + contraction − expansion{react}) / start MRR = "
            f"({money(f.churned_mrr)} + {money(f.contraction_total)} − "
            f"{money(f.expansion_total)}{react_n}) / {money(f.start_mrr)}"
        )
    return KpiResult(
        name=f"{kind.value}_mrr_churn",
        value=ratio(numerator, f.start_mrr),
        unit="%",
        period=f.period,
        formula=formula,
        components=_components(f),
        sample_size=f.customers_start,
        small_sample=_small(f.customers_start),
        note=_undefined_start(f),
    )


def expansion_mrr_rate(source: Source, period: Period | None = None) -> KpiResult:
    """Expansion MRR (expansion, upsell, renewal uplift) of the starting customers / start MRR."""
    f = period_facts(source, period)
    return KpiResult(
        name="expansion_mrr_rate",
        value=ratio(f.expansion_total, f.start_mrr),
        unit="%",
        period=f.period,
        formula=(
            f"expansion MRR rate = expansion MRR / start MRR = "
            f"{money(f.expansion_total)} / {money(f.start_mrr)}"
        ),
        components=_components(f),
        sample_size=f.customers_start,
        small_sample=_small(f.customers_start),
        note=_undefined_start(f),
    )


def expansion_mrr_growth(current: PeriodFacts, previous: PeriodFacts) -> KpiResult:
    """Seed 003's "Expansion MRR percentage rate": expansion MRR's change on the previous period.

    >>> p = Period.parse("2026-02")
    >>> r = expansion_mrr_growth(PeriodFacts(p, expansion_mrr=1_200),
    ...                          PeriodFacts(p.previous(), expansion_mrr=1_000))
    >>> round(r.value, 1)
    20.0
    """
    now, before = current.expansion_total, previous.expansion_total
    return KpiResult(
        name="expansion_mrr_growth",
        value=ratio(now - before, before),
        unit="%",
        period=current.period,
        formula=(
            f"(expansion MRR this period − previous) / previous = "
            f"({money(now)} − {money(before)}) / {money(before)}"
        ),
        components={"expansion_mrr": now, "previous_expansion_mrr": before},
        sample_size=current.customers_start,
        small_sample=_small(current.customers_start),
        note="" if before else f"no expansion MRR in {previous.period}: undefined",
    )


def portfolio_growth(source: Source, period: Period | None = None) -> KpiResult:
    """Seed 004's absolute portfolio growth in MRR: expansions + upgrades + renewals − losses."""
    f = period_facts(source, period)
    renewals = f.renewal_uplift_mrr - f.renewal_cut_mrr
    value = (
        f.expansion_mrr
        + f.upsell_mrr
        + renewals
        - f.downgrade_mrr
        - f.contraction_mrr
        - f.churned_mrr
        + f.reactivation_mrr
    )
    react = " + reactivations" if f.reactivation_mrr else ""
    return KpiResult(
        name="portfolio_growth",
        value=value,
        unit="currency",
        period=f.period,
        formula=(
            f"expansions + upgrades + renewals − downgrades − contractions − churn{react} = "
            f"{money(f.expansion_mrr)} + {money(f.upsell_mrr)} + {money(renewals)} − "
            f"{money(f.downgrade_mrr)} − {money(f.contraction_mrr)} − "
            f"{money(f.churned_mrr)}{_react(f)}"
        ),
        components=_components(f),
        sample_size=f.customers_start,
        note="renewals = MRR change at renewal (a flat renewal adds 0)",
    )
