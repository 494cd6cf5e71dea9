"""Property tests: the indexed ledger against a day-by-day brute force, and KPI invariants."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tieline.kpi import (
    ALL,
    ChurnMethod,
    MovementKind,
    MrrMovement,
    Period,
    PeriodFacts,
    Portfolio,
    RevenueChurn,
    SurveyKind,
    SurveyResponse,
    churn_rate,
    compute_all,
    csat,
    grr,
    nps,
    nrr,
    portfolio_growth,
    retention_rate,
    revenue_churn,
)

K = MovementKind
DAY0 = date(2026, 1, 1)
FAR = date(2030, 1, 1)
RAISE = {K.NEW, K.EXPANSION, K.UPSELL, K.CROSS_SELL, K.ADD_ON, K.REACTIVATION, K.RENEWED}
LOWER = {K.CONTRACTION, K.DOWNGRADE}

movement = st.builds(
    MrrMovement,
    account=st.sampled_from(["a", "b", "c", "d", "e"]),
    on=st.integers(0, 70).map(lambda n: DAY0 + timedelta(days=n)),
    kind=st.sampled_from([k for k in K if k is not K.RENEWAL_DUE]),
    amount=st.integers(0, 40).map(lambda n: n * 25.0),
    owner=st.sampled_from([None, "dana", "sam"]),
)
period = st.tuples(st.integers(0, 60), st.integers(0, 40)).map(
    lambda t: Period(DAY0 + timedelta(days=t[0]), DAY0 + timedelta(days=t[0] + t[1]))
)


def _replay(moves: list[MrrMovement]) -> dict[str, list[tuple[date, float, float, K]]]:
    """Per account: (day, MRR before, MRR after, kind) in date order, input order within a day."""
    out: dict[str, list[tuple[date, float, float, K]]] = {}
    for m in sorted(moves, key=lambda m: m.on):
        steps = out.setdefault(m.account, [])
        before = steps[-1][2] if steps else 0.0
        amount = float(m.amount)
        if m.kind is K.CHURN:
            after = 0.0
        elif m.kind in RAISE:
            after = before + amount
        elif m.kind in LOWER:
            after = max(0.0, before - amount)
        else:
            after = before
        steps.append((m.on, before, after, m.kind))
    return out


def _mrr(steps: list[tuple[date, float, float, K]], day: date) -> float:
    value = 0.0
    for on, _, after, _ in steps:
        if on <= day:
            value = after
    return value


def _brute(moves: list[MrrMovement], p: Period, horizon: int = 30) -> PeriodFacts:
    """PeriodFacts by walking every account over every day."""
    t: dict[str, float] = {f.name: 0.0 for f in fields(PeriodFacts) if f.name != "period"}
    one_day = timedelta(days=1)
    for steps in _replay(moves).values():
        start, end = _mrr(steps, p.start - one_day), _mrr(steps, p.end)
        cohort = start > 0
        t["start_mrr"] += start
        t["end_mrr"] += end
        t["customers_start"] += cohort
        t["customers_end"] += end > 0
        t["retained_customers"] += cohort and end > 0
        if not cohort:
            t["new_business_mrr"] += end
        seen_positive, expanded = False, False
        for on, before, after, kind in steps:
            inside = p.start <= on <= p.end
            if inside and before == 0 < after:
                if seen_positive or kind is K.REACTIVATION:
                    t["reactivated_customers"] += 1
                    t["reactivation_mrr"] += after if cohort else 0
                else:
                    t["new_customers"] += 1
                    t["new_mrr"] += after
            elif inside and before > 0 == after:
                t["churned_customers"] += 1
                t["churned_mrr"] += before if cohort else 0
            elif inside and cohort and after != before:
                if kind is K.RENEWED:
                    field = "renewal_uplift_mrr" if after > before else "renewal_cut_mrr"
                elif after > before:
                    field = "upsell_mrr" if kind is K.UPSELL else "expansion_mrr"
                else:
                    field = "downgrade_mrr" if kind is K.DOWNGRADE else "contraction_mrr"
                t[field] += abs(after - before)
                expanded |= after > before
            seen_positive |= after > 0
        t["expanded_customers"] += expanded
        day = p.start
        while day <= p.end:
            if _mrr(steps, day) > 0:
                t["customer_days"] += 1
                if _mrr(steps, day + timedelta(days=horizon)) == 0:
                    t["lost_customer_days"] += 1
            day += one_day
        t["accounts"] += cohort or end > 0 or any(p.start <= s[0] <= p.end for s in steps)
    ints = {f.name for f in fields(PeriodFacts) if f.type == "int"}
    return PeriodFacts(
        period=p,
        **{k: (int(v) if k in ints else v) for k, v in t.items()},  # type: ignore[arg-type]
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(movement, max_size=30), period, st.sampled_from([1, 3, 7, 30]))
def test_ledger_matches_day_by_day_brute_force(
    moves: list[MrrMovement], p: Period, horizon: int
) -> None:
    got = Portfolio(moves, as_of=FAR).facts(p, horizon_days=horizon)
    want = _brute(moves, p, horizon)
    for f in fields(PeriodFacts):
        if f.name.startswith("renewals") or f.name in ("period", "horizon_days"):
            continue
        assert getattr(got, f.name) == pytest.approx(getattr(want, f.name)), f.name


@settings(max_examples=300, deadline=None)
@given(st.lists(movement, max_size=25), period)
def test_bridges_and_bounds(moves: list[MrrMovement], p: Period) -> None:
    f = Portfolio(moves, as_of=FAR).facts(p)
    # MRR bridge and customer bridge
    assert f.end_mrr == pytest.approx(f.cohort_end_mrr + f.new_business_mrr)
    assert f.customers_end == (
        f.customers_start + f.new_customers + f.reactivated_customers - f.churned_customers
    )
    net = nrr(f).value
    gross = grr(f).value
    if f.start_mrr:
        assert net is not None and gross is not None
        assert gross <= 100 + 1e-9
        assert gross <= net + 1e-9
        assert net >= 0
        g = portfolio_growth(f).value
        assert g == pytest.approx(f.start_mrr * (net - 100) / 100)
        assert revenue_churn(f, kind=RevenueChurn.NET).value == pytest.approx(100 - net)
        assert revenue_churn(f, kind=RevenueChurn.GROSS).value == pytest.approx(100 - gross)
    else:
        assert net is None and gross is None and "undefined" in nrr(f).note
    retained = retention_rate(f).value
    assert retained is None or 0 <= retained <= 100
    predictive = churn_rate(f, method=ChurnMethod.PREDICTIVE).value
    assert predictive is None or 0 <= predictive <= 100
    for method in ChurnMethod:
        value = churn_rate(f, method=method).value
        assert value is None or value >= 0


@settings(max_examples=200, deadline=None)
@given(st.lists(movement, max_size=25), period)
def test_owner_groups_add_up_to_the_whole_book(moves: list[MrrMovement], p: Period) -> None:
    book = Portfolio(moves, as_of=FAR)
    whole = compute_all(book, period=p, by="all")
    owners = compute_all(book, period=p, by="owner")
    accounts = compute_all(book, period=p, by="account")
    additive = ("start_mrr", "end_mrr", "customers_start", "churned_customers", "customer_days")
    for name in additive:
        total = getattr(whole.facts(ALL), name) if len(whole) else 0
        assert sum(getattr(owners.facts(g), name) for g in owners) == pytest.approx(total)
        assert sum(getattr(accounts.facts(g), name) for g in accounts) == pytest.approx(total)
    if len(whole):
        assert whole.value(ALL, "nrr") == nrr(moves, p).value


nps_answer = st.integers(0, 10).map(lambda s: SurveyResponse("a", DAY0, SurveyKind.NPS, s))
csat_answer = st.tuples(st.sampled_from([5, 10]), st.integers(1, 10)).map(
    lambda t: SurveyResponse("a", DAY0, SurveyKind.CSAT, min(t[1], t[0]), t[0])
)


@given(st.lists(nps_answer, min_size=1))
def test_nps_is_between_minus_100_and_100(answers: list[SurveyResponse]) -> None:
    r = nps(answers, Period.day(DAY0))
    assert r.value is not None and -100 <= r.value <= 100
    assert r.sample_size == len(answers)
    assert r.small_sample == (len(answers) < 30)


@given(st.lists(csat_answer))
def test_csat_is_a_percentage(answers: list[SurveyResponse]) -> None:
    r = csat(answers, Period.day(DAY0))
    assert (r.value is None) == (not answers)
    assert r.value is None or 0 <= r.value <= 100


@given(
    st.dates(date(1990, 1, 1), date(2090, 12, 31)),
    st.sampled_from(["day", "month", "quarter", "year", "week"]),
)
def test_period_labels_parse_back(on: date, shape: str) -> None:
    if shape == "day":
        p = Period.day(on)
    elif shape == "month":
        p = Period.month(on.year, on.month)
    elif shape == "quarter":
        p = Period.quarter(on.year, (on.month + 2) // 3)
    elif shape == "year":
        p = Period.year(on.year)
    else:
        iso = on.isocalendar()
        p = Period.iso_week(iso.year, iso.week)
    assert Period.parse(p.label) == p
    assert on in p or shape == "week"
