"""Customer KPIs: churn by the four methods of seed 002, retention, renewal, expansion,
CLTV, CAC and its payback, and time to value.

Customer counts come from the same MRR movements as the revenue KPIs (an
account is a customer while its MRR > 0), via :class:`~tieline.kpi.revenue.PeriodFacts`.
"churned" is the number of churn events in the period (MRR falling to 0), so
a customer that leaves and returns within the period counts once as churned
and once as reactivated, and customers won and lost within the period count
too (which is what the adjusted and daily-average methods correct for).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from tieline.kpi.formulas import (
    MIN_ACCOUNTS,
    MIN_MILESTONES,
    MIN_NEW_CUSTOMERS,
    ChurnMethod,
    KpiResult,
    Milestone,
    Period,
    count,
    money,
    ratio,
)
from tieline.kpi.revenue import PeriodFacts, Source, period_facts

__all__ = [
    "cac",
    "cac_payback_months",
    "churn_rate",
    "cltv",
    "cltv_from_churn",
    "expansion_rate",
    "renewal_rate",
    "retention_rate",
    "time_to_value",
]


def _counts(f: PeriodFacts) -> dict[str, float]:
    return {
        "customers_start": float(f.customers_start),
        "customers_end": float(f.customers_end),
        "new_customers": float(f.new_customers),
        "reactivated_customers": float(f.reactivated_customers),
        "churned_customers": float(f.churned_customers),
        "retained_customers": float(f.retained_customers),
        "customer_days": f.customer_days,
        "days": float(f.period.days),
    }


def churn_rate(
    source: Source,
    period: Period | None = None,
    *,
    method: ChurnMethod | str = ChurnMethod.SIMPLE,
    horizon_days: int = 30,
) -> KpiResult:
    """Customer churn rate, in %, by one of the four methods of seed 002.

    - simple: churned / customers at start
    - adjusted: churned / ((customers at start + customers at end) / 2)
    - predictive: Σ over the days of customers gone ``horizon_days`` later /
      Σ over the days of customers (needs data up to the end + horizon)
    - daily average ("up-to-date"): churned / average customers per day

    >>> f = PeriodFacts(Period.parse("2022-04"), customers_start=400, customers_end=360,
    ...                 churned_customers=40)
    >>> churn_rate(f).value, churn_rate(f).formula
    (10.0, 'simple churn = churned / customers at start = 40 / 400')
    """
    f = period_facts(source, period, horizon_days)
    if not isinstance(method, ChurnMethod):
        method = ChurnMethod(method)
    c, s, e = f.churned_customers, f.customers_start, f.customers_end
    components = _counts(f)
    note = ""
    if method is ChurnMethod.SIMPLE:
        value, sample = ratio(c, s), s
        formula = f"simple churn = churned / customers at start = {count(c)} / {count(s)}"
        if not s:
            note = "no customers at the period start: undefined"
    elif method is ChurnMethod.ADJUSTED:
        mid = (s + e) / 2
        value, sample = ratio(c, mid), round(mid)
        formula = (
            "adjusted churn = churned / ((customers at start + at end) / 2) = "
            f"{count(c)} / (({count(s)} + {count(e)}) / 2)"
        )
        if not mid:
            note = "no customers at the start or the end: undefined"
    elif method is ChurnMethod.DAILY_AVERAGE:
        average = f.customer_days / f.period.days
        value, sample = ratio(c, average), round(average)
        components["average_customers"] = average
        formula = (
            "daily-average churn = churned / (Σ customers per day / days) = "
            f"{count(c)} / ({count(f.customer_days)} / {f.period.days})"
        )
        if not average:
            note = "no customers on any day of the period: undefined"
    else:
        h = f.horizon_days
        lost = f.lost_customer_days
        sample = round(f.customer_days / f.period.days)
        components["horizon_days"] = float(h)
        formula = f"predictive churn = Σ customers gone {h} days later / Σ customers, per day = "
        if lost is None:
            value = None
            formula += f"? / {count(f.customer_days)}"
            note = f"needs movements up to {h} days after the period end: not yet known"
        else:
            components["lost_customer_days"] = lost
            value = ratio(lost, f.customer_days)
            formula += f"{count(lost)} / {count(f.customer_days)}"
            if not f.customer_days:
                note = "no customers on any day of the period: undefined"
    return KpiResult(
        name=f"customer_churn_{method.value}",
        value=value,
        unit="%",
        period=f.period,
        formula=formula,
        components=components,
        sample_size=sample,
        small_sample=sample < MIN_ACCOUNTS,
        note=note,
    )


def retention_rate(source: Source, period: Period | None = None) -> KpiResult:
    """Customers at the start still customers at the end, over customers at the start."""
    f = period_facts(source, period)
    s, kept = f.customers_start, f.retained_customers
    return KpiResult(
        name="retention_rate",
        value=ratio(kept, s),
        unit="%",
        period=f.period,
        formula=(
            "retention = customers at start still customers at end / customers at start = "
            f"{count(kept)} / {count(s)}"
        ),
        components=_counts(f),
        sample_size=s,
        small_sample=s < MIN_ACCOUNTS,
        note="" if s else "no customers at the period start: undefined",
    )


def renewal_rate(source: Source, period: Period | None = None) -> KpiResult:
    """Renewals due in the period that were renewed by its end, over renewals due.

    A ``RENEWED`` movement closes the oldest open ``RENEWAL_DUE`` of its account,
    or, when none is open, counts as an early renewal of the next one.
    """
    f = period_facts(source, period)
    due, done = f.renewals_due, f.renewals_renewed
    notes = []
    if not due:
        notes.append("no renewals due in the period: undefined")
    if f.renewals_pending:
        notes.append(f"{f.renewals_pending} renewal(s) still open at the period end")
    return KpiResult(
        name="renewal_rate",
        value=ratio(done, due),
        unit="%",
        period=f.period,
        formula=f"renewal rate = renewed / up for renewal = {count(done)} / {count(due)}",
        components={
            "renewals_due": float(due),
            "renewals_renewed": float(done),
            "renewals_pending": float(f.renewals_pending),
            "renewals_lost": float(f.renewals_lost),
        },
        sample_size=due,
        small_sample=due < MIN_ACCOUNTS,
        note="; ".join(notes),
    )


def expansion_rate(source: Source, period: Period | None = None) -> KpiResult:
    """Customers at the start who expanded (upsell, cross-sell, add-on, uplift), in %."""
    f = period_facts(source, period)
    s, grew = f.customers_start, f.expanded_customers
    return KpiResult(
        name="expansion_rate",
        value=ratio(grew, s),
        unit="%",
        period=f.period,
        formula=f"expansion rate = customers who expanded / customers at start = {grew} / {s}",
        components={"expanded_customers": float(grew), "customers_start": float(s)},
        sample_size=s,
        small_sample=s < MIN_ACCOUNTS,
        note="" if s else "no customers at the period start: undefined",
    )


def cltv(
    *,
    average_purchase_value: float,
    purchases_per_year: float,
    lifespan_years: float,
    period: Period,
) -> KpiResult:
    """Seed 001's CLTV: average sale value × purchases per year × years as a customer.

    >>> cltv(average_purchase_value=100, purchases_per_year=5, lifespan_years=2,
    ...      period=Period.parse("2026")).value
    1000.0
    """
    value = float(average_purchase_value) * float(purchases_per_year) * float(lifespan_years)
    return KpiResult(
        name="cltv",
        value=value,
        unit="currency",
        period=period,
        formula=(
            "CLTV = average sale × purchases per year × years as a customer = "
            f"{money(average_purchase_value)} × {count(purchases_per_year)} × "
            f"{count(lifespan_years)}"
        ),
        components={
            "average_purchase_value": float(average_purchase_value),
            "purchases_per_year": float(purchases_per_year),
            "lifespan_years": float(lifespan_years),
        },
    )


def cltv_from_churn(
    *,
    arpa: float | None,
    churn_rate: float | None,
    period: Period,
    gross_margin: float = 1.0,
    customers: int = 0,
) -> KpiResult:
    """Subscription CLTV: MRR per account × gross margin × expected lifetime (period / churn)."""
    note = ""
    value: float | None = None
    lifetime: float | None = None
    if arpa is None:
        note = "no paying customers: undefined"
    elif not churn_rate:
        note = "no churn in the period: lifetime unbounded, undefined"
    else:
        lifetime = period.months / (churn_rate / 100)
        value = arpa * gross_margin * lifetime
    shown_churn = "?" if churn_rate is None else f"{churn_rate:.2f} %"
    return KpiResult(
        name="cltv",
        value=value,
        unit="currency",
        period=period,
        formula=(
            "CLTV = MRR per account × gross margin × (months in period / churn rate) = "
            f"{'?' if arpa is None else money(arpa)} × {gross_margin:g} × "
            f"({period.months:.2f} / {shown_churn})"
        ),
        components={
            "arpa": arpa or 0.0,
            "gross_margin": gross_margin,
            "churn_rate": churn_rate or 0.0,
            "lifetime_months": lifetime or 0.0,
        },
        sample_size=customers,
        small_sample=customers < MIN_ACCOUNTS,
        note=note,
    )


def cac(*, spend: float, new_customers: int, period: Period) -> KpiResult:
    """Customer acquisition cost: sales and marketing spend / new customers.

    >>> cac(spend=100_000, new_customers=100, period=Period.parse("2026-03")).value
    1000.0
    """
    return KpiResult(
        name="cac",
        value=ratio(float(spend), new_customers, 1.0),
        unit="currency",
        period=period,
        formula=f"CAC = sales & marketing spend / new customers = {money(spend)} / {new_customers}",
        components={"spend": float(spend), "new_customers": float(new_customers)},
        sample_size=new_customers,
        small_sample=new_customers < MIN_NEW_CUSTOMERS,
        note="" if new_customers else "no new customers in the period: undefined",
    )


def cac_payback_months(
    *,
    cac: float | None,
    monthly_revenue: float | None,
    period: Period,
    gross_margin: float = 1.0,
    new_customers: int | None = None,
) -> KpiResult:
    """Months of a new customer's (margin-adjusted) MRR needed to earn back its CAC.

    >>> round(cac_payback_months(cac=1_000, monthly_revenue=85,
    ...                          period=Period.parse("2026")).value, 1)
    11.8
    """
    earned = None if monthly_revenue is None else monthly_revenue * gross_margin
    value = None if cac is None or not earned else cac / earned
    note = "" if value is not None else "no CAC or no new MRR: undefined"
    margin = "" if gross_margin == 1.0 else f" × {gross_margin:g}"
    return KpiResult(
        name="cac_payback_months",
        value=value,
        unit="months",
        period=period,
        formula=(
            f"payback = CAC / (MRR per new customer × gross margin) = "
            f"{'?' if cac is None else money(cac)} / "
            f"({'?' if monthly_revenue is None else money(monthly_revenue)}{margin or ' × 1'})"
        ),
        components={
            "cac": cac or 0.0,
            "monthly_revenue": monthly_revenue or 0.0,
            "gross_margin": gross_margin,
        },
        sample_size=new_customers or 0,
        small_sample=new_customers is not None and new_customers < MIN_NEW_CUSTOMERS,
        note=note,
    )


def time_to_value(milestones: Iterable[Milestone], period: Period) -> KpiResult:
    """Median days from start to value milestone, over the milestones reached in the period."""
    days: list[float] = []
    pending = 0
    for m in milestones:
        if m.reached is not None and m.reached in period:
            days.append(float((m.reached - m.start).days))
        elif m.start <= period.end and (m.reached is None or m.reached > period.end):
            pending += 1
    return ttv_from_days(days, period, pending=pending)


def ttv_from_days(days: list[float], period: Period, *, pending: int = 0) -> KpiResult:
    """Time to value from the start-to-milestone durations already measured, in days."""
    n = len(days)
    median = statistics.median(days) if days else None
    mean = statistics.fmean(days) if days else 0.0
    return KpiResult(
        name="time_to_value",
        value=median,
        unit="days",
        period=period,
        formula=(
            f"time to value = median days from start to milestone over {n} reached "
            f"= {'?' if median is None else f'{median:g}'} (mean {mean:.1f})"
        ),
        components={
            "reached": float(n),
            "pending": float(pending),
            "mean_days": mean,
            "min_days": min(days) if days else 0.0,
            "max_days": max(days) if days else 0.0,
        },
        sample_size=n,
        small_sample=n < MIN_MILESTONES,
        note="" if days else "no milestone reached in the period: undefined",
    )
