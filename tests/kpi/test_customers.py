"""Customer KPIs: churn methods, retention, renewals, expansion, CLTV, CAC, time to value."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tieline.kpi import (
    ChurnMethod,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    PeriodFacts,
    Portfolio,
    cac,
    cac_payback_months,
    churn_rate,
    cltv_from_churn,
    expansion_rate,
    renewal_rate,
    retention_rate,
    time_to_value,
)

K = MovementKind
JAN, FEB, MAR = (Period.parse(f"2026-{m:02d}") for m in (1, 2, 3))


def _new(account: str, on: date, amount: float = 100.0) -> MrrMovement:
    return MrrMovement(account, on, K.NEW, amount)


def _book(n: int, on: date = date(2025, 12, 1)) -> list[MrrMovement]:
    return [_new(f"c{i:03d}", on) for i in range(n)]


# --------------------------------------------------------------------------- zero at start


def test_zero_customers_at_period_start() -> None:
    moves = [_new(f"n{i}", date(2026, 2, 10)) for i in range(4)]
    moves.append(MrrMovement("n0", date(2026, 2, 20), K.CHURN))
    f = Portfolio(moves).facts(FEB)
    assert (f.customers_start, f.customers_end, f.new_customers) == (0, 3, 4)
    for r in (churn_rate(f), retention_rate(f), expansion_rate(f)):
        assert r.value is None and "no customers at the period start" in r.note
        assert r.small_sample
    # The growth-adjusted methods still have a denominator.
    assert churn_rate(f, method=ChurnMethod.ADJUSTED).value == pytest.approx(1 / 1.5 * 100)
    days = 3 * 19 + 10  # n1..n3 from Feb 10 to 28, n0 from Feb 10 to 19
    assert f.customer_days == days
    assert churn_rate(f, method=ChurnMethod.DAILY_AVERAGE).value == pytest.approx(
        1 / (days / 28) * 100
    )


def test_no_customers_at_all() -> None:
    f = Portfolio([]).facts(FEB)
    for method in ChurnMethod:
        assert churn_rate(f, method=method).value is None
    assert f.accounts == 0


# --------------------------------------------------------------------------- reactivation


def test_mid_period_reactivation_of_a_starting_customer() -> None:
    moves = _book(10)
    moves += [
        MrrMovement("c000", date(2026, 2, 5), K.CHURN),
        MrrMovement("c000", date(2026, 2, 20), K.REACTIVATION, 100),
    ]
    f = Portfolio(moves).facts(FEB)
    assert (f.churned_customers, f.reactivated_customers, f.retained_customers) == (1, 1, 10)
    assert f.customers_end == 10
    assert churn_rate(f).value == 10.0  # the churn event counts ...
    assert retention_rate(f).value == 100.0  # ... but the customer is still there at the end
    # active Feb 1-4 and Feb 20-28: 4 + 9 days
    assert f.customer_days == 9 * 28 + 13


def test_reactivation_of_a_lapsed_customer_is_not_retention() -> None:
    moves = _book(10)
    moves += [
        _new("gone", date(2025, 6, 1)),
        MrrMovement("gone", date(2025, 9, 1), K.CHURN),
        MrrMovement("gone", date(2026, 2, 12), K.REACTIVATION, 300),
    ]
    f = Portfolio(moves).facts(FEB)
    assert f.customers_start == 10 and f.customers_end == 11
    assert f.reactivated_customers == 1 and f.new_customers == 0
    assert retention_rate(f).value == 100.0
    assert f.new_business_mrr == 300 and f.reactivation_mrr == 0


def test_expansion_on_an_inactive_account_is_a_reactivation() -> None:
    moves = [
        _new("a", date(2026, 1, 1)),
        MrrMovement("a", date(2026, 1, 10), K.CHURN),
        MrrMovement("a", date(2026, 2, 10), K.UPSELL, 50),
    ]
    f = Portfolio(moves).facts(FEB)
    assert f.reactivated_customers == 1 and f.customers_end == 1


def test_contraction_to_zero_is_churn() -> None:
    moves = _book(10) + [MrrMovement("c001", date(2026, 2, 3), K.DOWNGRADE, 150)]
    f = Portfolio(moves).facts(FEB)
    assert f.churned_customers == 1
    assert f.churned_mrr == 100 and f.downgrade_mrr == 0


# --------------------------------------------------------------------------- churn methods


def test_adjusted_churn_uses_the_midpoint() -> None:
    f = PeriodFacts(FEB, customers_start=100, customers_end=140, churned_customers=12)
    r = churn_rate(f, method=ChurnMethod.ADJUSTED)
    assert r.value == pytest.approx(10.0)
    assert r.formula.endswith("12 / ((100 + 140) / 2)")
    assert r.sample_size == 120


def test_predictive_counts_customers_gone_horizon_days_later() -> None:
    # 10 customers; c000 leaves on Feb 10, so on Jan 11 .. Feb 9 it is active and gone 30 days
    # later: in January that is Jan 11 .. Jan 31, 21 days.
    moves = _book(10) + [MrrMovement("c000", date(2026, 2, 10), K.CHURN)]
    book = Portfolio(moves, as_of=date(2026, 12, 31))
    f = book.facts(JAN)
    assert f.lost_customer_days == 21
    r = churn_rate(f, method=ChurnMethod.PREDICTIVE)
    assert r.value == pytest.approx(21 / 310 * 100)
    assert churn_rate(f).value == 0.0  # nobody left in January itself
    assert book.facts(JAN, horizon_days=7).lost_customer_days == 0


def test_predictive_horizon_boundary_on_a_quiet_account() -> None:
    # Churn exactly `horizon` days after the period end: the last day of the period is lost.
    moves = _book(1) + [MrrMovement("c000", date(2026, 1, 31) + timedelta(days=5), K.CHURN)]
    f = Portfolio(moves, as_of=date(2026, 12, 31)).facts(JAN, horizon_days=5)
    assert f.lost_customer_days == 1
    f = Portfolio(moves, as_of=date(2026, 12, 31)).facts(JAN, horizon_days=4)
    assert f.lost_customer_days == 0


def test_predictive_undefined_until_data_reaches_end_plus_horizon() -> None:
    moves = _book(10)
    assert Portfolio(moves, as_of=date(2026, 3, 2)).facts(JAN).lost_customer_days == 0
    assert Portfolio(moves, as_of=date(2026, 3, 1)).facts(FEB).lost_customer_days is None
    assert Portfolio(moves, as_of=date(2026, 3, 30)).facts(FEB).lost_customer_days == 0
    r = churn_rate(Portfolio(moves).facts(FEB), method=ChurnMethod.PREDICTIVE)
    assert r.value is None and r.formula.endswith("? / 280")


def test_daily_average_tracks_growth() -> None:
    # Doubling mid-month: simple churn overstates, daily average sits between.
    moves = _book(20) + [_new(f"n{i}", date(2026, 1, 16)) for i in range(20)]
    moves += [MrrMovement(f"c{i:03d}", date(2026, 1, 31), K.CHURN) for i in range(4)]
    f = Portfolio(moves).facts(JAN)
    simple = churn_rate(f).value
    adjusted = churn_rate(f, method=ChurnMethod.ADJUSTED).value
    daily = churn_rate(f, method=ChurnMethod.DAILY_AVERAGE).value
    assert simple == 20.0
    assert adjusted == pytest.approx(4 / 28 * 100)
    assert daily == pytest.approx(4 / ((20 * 15 + 40 * 15 + 36) / 31) * 100)


def test_method_accepts_its_string_value() -> None:
    f = PeriodFacts(FEB, customers_start=10, churned_customers=1)
    assert churn_rate(f, method="simple").name == "customer_churn_simple"
    with pytest.raises(ValueError):
        churn_rate(f, method="cohort")


def test_small_sample_threshold_for_customer_rates() -> None:
    nine = PeriodFacts(FEB, customers_start=9, retained_customers=9)
    ten = PeriodFacts(FEB, customers_start=10, retained_customers=10)
    assert churn_rate(nine).small_sample and retention_rate(nine).small_sample
    assert not churn_rate(ten).small_sample and not retention_rate(ten).small_sample


# --------------------------------------------------------------------------- renewals


def test_renewal_early_late_pending_and_lost() -> None:
    due = date(2026, 3, 1)
    moves = _book(4)
    moves += [MrrMovement(f"c{i:03d}", due, K.RENEWAL_DUE) for i in range(4)]
    moves += [
        MrrMovement("c000", date(2026, 2, 15), K.RENEWED),  # early
        MrrMovement("c001", date(2026, 3, 20), K.RENEWED, 10),  # late, with uplift
        MrrMovement("c003", date(2026, 3, 5), K.CHURN),  # lost
        # c002: still open at the end of March
    ]
    book = Portfolio(moves)
    r = renewal_rate(book, MAR)
    assert r.value == 50.0
    assert r.components == {
        "renewals_due": 4.0,
        "renewals_renewed": 2.0,
        "renewals_pending": 1.0,
        "renewals_lost": 1.0,
    }
    assert "1 renewal(s) still open" in r.note
    # Judged at March 10, the late renewal was not in yet.
    assert renewal_rate(book, Period(date(2026, 3, 1), date(2026, 3, 10))).value == 25.0
    assert book.facts(MAR).renewal_uplift_mrr == 10


def test_a_renewal_is_used_once() -> None:
    # A late renewal of last year's due must not also count for this year's.
    moves = [
        _new("a", date(2024, 1, 1)),
        MrrMovement("a", date(2025, 1, 1), K.RENEWAL_DUE),
        MrrMovement("a", date(2025, 1, 20), K.RENEWED),
        MrrMovement("a", date(2026, 1, 1), K.RENEWAL_DUE),
    ]
    assert renewal_rate(moves, JAN).value == 0.0
    assert renewal_rate(moves, Period.parse("2025-01")).value == 100.0


def test_no_renewals_due() -> None:
    r = renewal_rate(_book(3), JAN)
    assert r.value is None and "no renewals due" in r.note


# --------------------------------------------------------------------------- expansion


def test_expansion_rate_counts_starting_customers_once() -> None:
    moves = _book(10)
    moves += [
        MrrMovement("c000", date(2026, 1, 5), K.UPSELL, 10),
        MrrMovement("c000", date(2026, 1, 6), K.ADD_ON, 10),
        MrrMovement("c001", date(2026, 1, 7), K.CROSS_SELL, 10),
        MrrMovement("c002", date(2026, 1, 8), K.DOWNGRADE, 10),
        _new("n", date(2026, 1, 2)),
        MrrMovement("n", date(2026, 1, 9), K.UPSELL, 10),  # new this period: not counted
    ]
    r = expansion_rate(moves, JAN)
    assert r.value == 20.0
    assert r.formula.endswith("2 / 10")


# --------------------------------------------------------------------------- CLTV, CAC


def test_cltv_from_churn() -> None:
    r = cltv_from_churn(arpa=100, churn_rate=2.0, period=Period.parse("2026"), gross_margin=0.8)
    assert r.value == pytest.approx(100 * 0.8 * 12 / 0.02)
    assert r.components["lifetime_months"] == pytest.approx(600)
    r = cltv_from_churn(arpa=100, churn_rate=0.0, period=JAN)
    assert r.value is None and "unbounded" in r.note
    assert cltv_from_churn(arpa=None, churn_rate=1.0, period=JAN).value is None


def test_cac_with_no_new_customers_is_undefined() -> None:
    r = cac(spend=5_000, new_customers=0, period=JAN)
    assert r.value is None and r.small_sample
    assert cac_payback_months(cac=None, monthly_revenue=100, period=JAN).value is None
    r = cac_payback_months(cac=1_000, monthly_revenue=100, period=JAN, gross_margin=0.5)
    assert r.value == 20.0 and "× 0.5" in r.formula


# --------------------------------------------------------------------------- time to value


def test_time_to_value_edge_cases() -> None:
    assert time_to_value([], JAN).value is None
    ms = [
        Milestone("a", date(2026, 1, 1), date(2026, 1, 1)),  # same day
        Milestone("b", date(2026, 1, 1), date(2026, 2, 1)),  # reached after the period
        Milestone("c", date(2026, 2, 1), None),  # not started yet in January
    ]
    r = time_to_value(ms, JAN)
    assert r.value == 0.0 and r.components["pending"] == 1.0 and r.small_sample
