"""Revenue KPIs and the MRR ledger: NRR, GRR, MRR churn, portfolio growth, MRR/ARR."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tieline.kpi import (
    KpiInputError,
    MovementKind,
    MrrMovement,
    Period,
    PeriodFacts,
    Portfolio,
    RevenueChurn,
    arr,
    expansion_mrr_growth,
    expansion_mrr_rate,
    grr,
    mrr_at,
    nrr,
    period_facts,
    portfolio_growth,
    revenue_churn,
)

K = MovementKind
JAN, FEB = Period.parse("2026-01"), Period.parse("2026-02")


def _book(n: int, amount: float = 1_000.0) -> list[MrrMovement]:
    return [MrrMovement(f"c{i:03d}", date(2025, 12, 1), K.NEW, amount) for i in range(n)]


def test_negative_net_mrr_churn_and_nrr_above_100() -> None:
    moves = _book(10)
    moves += [
        MrrMovement("c000", date(2026, 2, 2), K.CHURN),
        MrrMovement("c001", date(2026, 2, 3), K.CONTRACTION, 200),
        MrrMovement("c002", date(2026, 2, 4), K.UPSELL, 1_500),
        MrrMovement("c003", date(2026, 2, 5), K.ADD_ON, 500),
    ]
    f = Portfolio(moves).facts(FEB)
    net = revenue_churn(f, kind=RevenueChurn.NET)
    assert net.value == pytest.approx((1_000 + 200 - 2_000) / 10_000 * 100)  # −8 %
    assert net.name == "net_mrr_churn"
    assert net.formula.endswith("(1,000 + 200 − 2,000) / 10,000")
    assert revenue_churn(f).value == pytest.approx(12.0)
    assert nrr(f).value == pytest.approx(108.0)
    assert grr(f).value == pytest.approx(88.0)
    assert expansion_mrr_rate(f).value == pytest.approx(20.0)
    assert portfolio_growth(f).value == pytest.approx(800.0)


def test_new_business_is_excluded_from_retention() -> None:
    moves = _book(10)
    moves += [
        MrrMovement("new", date(2026, 2, 1), K.NEW, 50_000),
        MrrMovement("new", date(2026, 2, 15), K.UPSELL, 1_000),  # new account's upsell: new
    ]
    f = Portfolio(moves).facts(FEB)
    assert nrr(f).value == 100.0
    assert f.new_business_mrr == 51_000 and f.new_mrr == 50_000
    assert f.end_mrr == 61_000


def test_cohort_reactivation_counts_in_nrr_not_grr() -> None:
    moves = _book(10)
    moves += [
        MrrMovement("c000", date(2026, 2, 3), K.CHURN),
        MrrMovement("c000", date(2026, 2, 20), K.REACTIVATION, 800),
    ]
    f = Portfolio(moves).facts(FEB)
    assert f.churned_mrr == 1_000 and f.reactivation_mrr == 800
    r = nrr(f)
    assert r.value == pytest.approx(98.0)
    assert r.formula.endswith("(10,000 + 0 − 0 − 1,000 + 800) / 10,000")
    assert "reactivation" in r.formula
    assert grr(f).value == pytest.approx(90.0)


def test_zero_mrr_at_start_is_undefined() -> None:
    moves = [MrrMovement("a", date(2026, 2, 2), K.NEW, 100)]
    for r in (nrr(moves, FEB), grr(moves, FEB), revenue_churn(moves, FEB)):
        assert r.value is None
        assert "no MRR at the period start" in r.note
    assert portfolio_growth(moves, FEB).value == 0.0


def test_churn_closes_the_account_whatever_its_amount() -> None:
    moves = [
        MrrMovement("a", date(2026, 1, 1), K.NEW, 100),
        MrrMovement("a", date(2026, 1, 2), K.UPSELL, 50),
        MrrMovement("a", date(2026, 2, 2), K.CHURN, 100),  # stale amount
    ]
    f = Portfolio(moves).facts(FEB)
    assert f.churned_mrr == 150 and f.end_mrr == 0 and f.churned_customers == 1


def test_renewal_uplift_and_cut() -> None:
    moves = _book(2)
    moves += [
        MrrMovement("c000", date(2026, 2, 1), K.RENEWED, 100),
        MrrMovement("c001", date(2026, 2, 1), K.RENEWED, -250),
    ]
    f = Portfolio(moves).facts(FEB)
    assert (f.renewal_uplift_mrr, f.renewal_cut_mrr) == (100, 250)
    assert nrr(f).value == pytest.approx(92.5)
    assert grr(f).value == pytest.approx(87.5)
    assert portfolio_growth(f).formula.endswith("0 + 0 + -150 − 0 − 0 − 0")


def test_same_day_movements_apply_in_input_order() -> None:
    day = date(2026, 2, 10)
    moves = _book(1) + [
        MrrMovement("c000", day, K.CHURN),
        MrrMovement("c000", day, K.REACTIVATION, 1_000),
    ]
    f = Portfolio(moves).facts(FEB)
    assert (f.churned_customers, f.reactivated_customers) == (1, 1)
    assert f.customer_days == 28  # a customer at the end of every day


def test_mrr_and_arr_accept_decimal_amounts() -> None:
    moves = [MrrMovement("a", date(2026, 1, 1), K.NEW, Decimal("99.90"))]
    assert mrr_at(moves, date(2026, 1, 1)).value == pytest.approx(99.9)
    assert arr(Portfolio(moves), date(2026, 1, 1)).value == pytest.approx(1_198.8)
    assert mrr_at(moves, date(2025, 12, 31)).value == 0.0
    r = mrr_at(moves, date(2026, 1, 1))
    assert r.period == Period.day(date(2026, 1, 1)) and r.formula.endswith("1 × 99.90")


def test_point_kpis_from_facts_use_the_period_end() -> None:
    f = PeriodFacts(JAN, end_mrr=5_000, customers_end=5)
    assert mrr_at(f).value == 5_000 and arr(f).value == 60_000
    with pytest.raises(KpiInputError):
        mrr_at(f, date(2026, 1, 15))
    with pytest.raises(KpiInputError):
        mrr_at(_book(1))


def test_facts_and_period_must_agree() -> None:
    f = PeriodFacts(JAN)
    assert period_facts(f) is f and period_facts(f, JAN) is f
    with pytest.raises(KpiInputError):
        nrr(f, FEB)
    with pytest.raises(KpiInputError):
        nrr(_book(1))


def test_expansion_mrr_growth_undefined_without_previous_expansion() -> None:
    r = expansion_mrr_growth(PeriodFacts(FEB, upsell_mrr=10), PeriodFacts(JAN))
    assert r.value is None and "no expansion MRR" in r.note


def test_small_sample_for_revenue_rates() -> None:
    assert nrr(_book(9), FEB).small_sample
    assert not nrr(_book(10), FEB).small_sample
    assert not mrr_at(_book(1), date(2026, 1, 1)).small_sample  # a sum, not an estimate


def test_facts_for_some_accounts() -> None:
    moves = _book(5)
    f = Portfolio(moves).facts(FEB, accounts=["c000", "c001", "nobody"])
    assert f.start_mrr == 2_000 and f.customers_start == 2
