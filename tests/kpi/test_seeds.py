"""One test per worked example (or checkable statement) in ../shared/seeds/.

Each test quotes the seed file and the passage it reproduces. Where a seed's
formula and its own example disagree, the test pins what we implement (the
standard definition) and says which reading of the example it reproduces; see
docs/kpis.md, "Discrepancies in the seeds".
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from tieline.kpi import (
    AcquisitionSpend,
    ChurnMethod,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    PeriodFacts,
    Portfolio,
    RevenueChurn,
    SurveyKind,
    SurveyResponse,
    arr,
    cac,
    cac_payback_months,
    churn_rate,
    cltv,
    compute_all,
    csat,
    expansion_mrr_growth,
    grr,
    mrr_at,
    nps,
    nrr,
    portfolio_growth,
    renewal_rate,
    retention_rate,
    revenue_churn,
    time_to_value,
)

K = MovementKind
MARCH_2022 = Period.parse("2022-03")
APRIL_2022 = Period.parse("2022-04")


def _book(n: int, on: date, mrr: float = 100.0, prefix: str = "c") -> list[MrrMovement]:
    return [MrrMovement(f"{prefix}{i:04d}", on, K.NEW, mrr) for i in range(n)]


# --------------------------------------------------------------------------- seed 002


def test_seed002_nrr_111_percent_reading_35000_as_mrr_before_churn() -> None:
    # 002_f6d9c6b4ca275140.txt, "NRR Example and Industry Benchmarks": "your business started
    # March 2022 with a Monthly Revenue Rate of 27,000 USD and ended it with a MRR of 35,000 USD
    # following some successful upselling, but you also had 5,000 USD in revenue churn. Your NRR
    # will be 111%." 111 % holds when 35,000 is start + upsell (8,000) before the churn is taken.
    moves = _book(27, date(2022, 2, 1), 1_000, "b")  # 27,000
    moves += [MrrMovement(f"b{i:04d}", date(2022, 3, 10), K.UPSELL, 1_000) for i in range(8)]
    moves += [MrrMovement(f"b{i:04d}", date(2022, 3, 28), K.CHURN) for i in (20, 21, 22, 23, 24)]
    f = Portfolio(moves).facts(MARCH_2022)
    assert (f.start_mrr, f.expansion_total, f.churned_mrr) == (27_000, 8_000, 5_000)
    r = nrr(moves, MARCH_2022)
    assert r.value is not None and round(r.value) == 111
    assert r.formula.endswith("(27,000 + 8,000 − 0 − 5,000) / 27,000")
    assert mrr_at(moves, date(2022, 3, 27)).value == 35_000  # "ended it with a MRR of 35,000"


def test_seed002_nrr_if_35000_is_the_true_ending_mrr() -> None:
    # Same passage, other reading: if 35,000 is the MRR after the 5,000 churn, the starting
    # customers grew by 13,000 and the standard NRR is 35,000 / 27,000 = 129.6 %, not 111 %.
    f = PeriodFacts(MARCH_2022, start_mrr=27_000, expansion_mrr=13_000, churned_mrr=5_000)
    r = nrr(f)
    assert r.value == pytest.approx(129.63, abs=0.01)
    assert r.formula.endswith("(27,000 + 13,000 − 0 − 5,000) / 27,000")
    assert f.cohort_end_mrr == 35_000


def test_seed002_nrr_formula_as_printed_adds_churn_back() -> None:
    # 002, "How to Calculate NRR?": NRR = ($MRR + $ER − $CR + $Churned) / $MRR. With + churn the
    # example would give (27,000 + 8,000 + 5,000) / 27,000 = 148 %, not its 111 %: we subtract.
    f = PeriodFacts(MARCH_2022, start_mrr=27_000, expansion_mrr=8_000, churned_mrr=5_000)
    assert (27_000 + 8_000 + 5_000) / 27_000 * 100 == pytest.approx(148.1, abs=0.1)
    assert nrr(f).value == pytest.approx(111.1, abs=0.1)


def test_seed002_annual_nrr_is_the_same_ratio_on_arr() -> None:
    # 002: "Looking to calculate your annual Net Retention Rate? The formula stays the same. Just
    # replace the MRR with ... ARR. Also, make sure you are excluding all new deals."
    moves = _book(20, date(2021, 12, 1), 1_000)
    moves += [MrrMovement("c0000", date(2022, 6, 1), K.UPSELL, 500)]
    moves += [MrrMovement("c0001", date(2022, 9, 1), K.CHURN)]
    moves += _book(5, date(2022, 3, 1), 2_000, "new")  # new deals: excluded
    year = Period.parse("2022")
    monthly_ratio = nrr(moves, year).value
    start_arr = arr(moves, date(2021, 12, 31)).value
    assert start_arr == 240_000
    cohort_end_arr = 12 * (20_000 + 500 - 1_000)
    assert monthly_ratio == pytest.approx(cohort_end_arr / start_arr * 100)


def test_seed002_churn_40_of_400_is_10_percent() -> None:
    # 002, "Churn Rate Example": "a SaaS company with 400 customers at the start of April 2022.
    # By the end of month it loses 40 of them ... Customer Churn Rate = (40 ÷ 400) × 100 = 10%".
    moves = _book(400, date(2022, 3, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2022, 4, 30), K.CHURN) for i in range(40)]
    r = churn_rate(moves, APRIL_2022, method=ChurnMethod.SIMPLE)
    assert r.value == 10.0
    assert r.formula.endswith("40 / 400")
    assert not r.small_sample


def test_seed002_the_four_churn_methods_on_the_april_example() -> None:
    # 002, "How to Calculate Your Customer Churn Rate?": simple = Churn / Customers; adjusted =
    # Churn / midpoint of the customer amount; predictive = Σ inactive / Σ customers over days
    # i..n ("active on day i and ... inactive on day i+n, for example, in one month"); up-to-date
    # = churn / Σ(customers / n). The 40 leave on April 30, so on the 29 days before 400 are
    # customers and 360 on the last.
    moves = _book(400, date(2022, 3, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2022, 4, 30), K.CHURN) for i in range(40)]
    book = Portfolio(moves, as_of=date(2022, 6, 30))
    f = book.facts(APRIL_2022)
    assert churn_rate(f, method=ChurnMethod.ADJUSTED).value == pytest.approx(40 / 380 * 100)
    days = 400 * 29 + 360
    assert f.customer_days == days
    assert churn_rate(f, method=ChurnMethod.DAILY_AVERAGE).value == pytest.approx(
        40 / (days / 30) * 100
    )
    # On each of April 1..29 all 40 leavers are still customers and gone 30 days later.
    assert f.lost_customer_days == 40 * 29
    assert churn_rate(f, method=ChurnMethod.PREDICTIVE).value == pytest.approx(40 * 29 / days * 100)


def test_seed002_predictive_waits_for_the_next_month() -> None:
    # 002: "The main issue with this method is having to wait till the next month to calculate
    # the rate for the current month". Without data 30 days past April it is undefined.
    moves = _book(400, date(2022, 3, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2022, 4, 30), K.CHURN) for i in range(40)]
    r = churn_rate(moves, APRIL_2022, method=ChurnMethod.PREDICTIVE)
    assert r.value is None and "30 days after" in r.note
    r = churn_rate(Portfolio(moves, as_of=date(2022, 5, 30)), APRIL_2022, method="predictive")
    assert r.value is not None


def test_seed002_mrr_is_subscribers_times_arpu() -> None:
    # 002: "Monthly Revenue Rate (MRR) – Multiply the number of your monthly subscribers by the
    # Average Revenue per User (ARPU)."
    moves = _book(30, date(2022, 1, 1), 50) + _book(10, date(2022, 1, 1), 250, "big")
    r = mrr_at(moves, date(2022, 1, 31))
    assert r.value == 4_000
    assert r.components["customers"] * r.components["arpu"] == 4_000
    assert r.formula == "MRR = paying customers × ARPU = 40 × 100"


def test_seed002_nps_detractors_start_at_zero_not_one() -> None:
    # 002, "Customer Health Score": "grade your service on a scale of 1-10. '1-6' are
    # 'detractors' and '9-10' are your 'promoters'". NPS is 0-10 (seeds 001, 003); 0 is a
    # detractor too.
    day = date(2022, 5, 2)
    answers = [SurveyResponse("a", day, SurveyKind.NPS, s) for s in (0, 1, 6, 9, 10)]
    r = nps(answers, Period.parse("2022-05"))
    assert r.components == {"promoters": 2.0, "passives": 0.0, "detractors": 3.0}
    assert r.value == pytest.approx(-20.0)


# --------------------------------------------------------------------------- seed 001


def test_seed001_arr_is_12_times_mrr_of_100_customers_at_100() -> None:
    # 001_b5f37fb900071d82.txt, "Annual Recurring Revenue (ARR)": "if a company has 100
    # customers, and each customer pays $100 per month, the MRR would be $10,000. The ARR for
    # this company would be $120,000 ($10,000 x 12)."
    moves = _book(100, date(2026, 1, 1), 100)
    assert mrr_at(moves, date(2026, 1, 31)).value == 10_000
    r = arr(moves, date(2026, 1, 31))
    assert r.value == 120_000
    assert r.formula == "ARR = 12 × MRR = 12 × 10,000"


def test_seed001_renewal_rate_80_of_100() -> None:
    # 001, "Renewal Rate": "if you have 100 customers up for renewal and 80 of them renew, your
    # renewal rate is 80%."
    moves = _book(100, date(2025, 3, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2026, 3, 1), K.RENEWAL_DUE) for i in range(100)]
    moves += [MrrMovement(f"c{i:04d}", date(2026, 3, 1), K.RENEWED) for i in range(80)]
    moves += [MrrMovement(f"c{i:04d}", date(2026, 3, 2), K.CHURN) for i in range(80, 100)]
    r = renewal_rate(moves, Period.parse("2026-03"))
    assert r.value == 80.0
    assert r.formula == "renewal rate = renewed / up for renewal = 80 / 100"
    assert r.components["renewals_lost"] == 20


def test_seed001_cac_100000_over_100_is_1000() -> None:
    # 001, "Customer Acquisition Cost (CAC)": "if you spent $100,000 on sales and marketing in a
    # month and acquired 100 new customers, your CAC would be $1,000."
    r = cac(spend=100_000, new_customers=100, period=Period.parse("2026-03"))
    assert r.value == 1_000
    assert r.formula == "CAC = sales & marketing spend / new customers = 100,000 / 100"


def test_seed001_cac_from_movements_and_spend() -> None:
    # The same example with the 100 new customers derived from movements (compute_all, all).
    moves = _book(100, date(2026, 3, 15))
    spend = [
        AcquisitionSpend(date(2026, 3, 1), 60_000),
        AcquisitionSpend(date(2026, 3, 31), 40_000),
    ]
    report = compute_all(moves, period="2026-03", by="all", spend=spend)
    assert report.value("(all)", "cac") == 1_000


def test_seed001_cac_payback_about_12_months_at_85_a_month() -> None:
    # 001: "if your CAC is $1000 and your product costs $85/month, it will take about 12 months
    # (85*12=$1020) before you can justify your marketing spend."
    r = cac_payback_months(cac=1_000, monthly_revenue=85, period=Period.parse("2026"))
    assert r.value == pytest.approx(11.76, abs=0.01)
    assert math.ceil(r.value or 0) == 12
    assert 85 * 12 >= 1_000 > 85 * 11


def test_seed001_cltv_100_x_5_x_2_is_1000() -> None:
    # 001, "Customer Lifetime Value (CLTV)": "Average value of a sale $100, Number of times a
    # customer makes a purchase 5, Length of time they remain a customer 2 years, CLTV = $100 x 5
    # x 2 = $1,000". The 5 only works as purchases *per year* (see docs/kpis.md).
    year = Period.parse("2026")
    r = cltv(average_purchase_value=100, purchases_per_year=5, lifespan_years=2, period=year)
    assert r.value == 1_000
    assert r.formula.endswith("= 100 × 5 × 2")


def test_seed001_nps_categories_and_range() -> None:
    # 001, "Net Promoter Score (NPS)": promoters 9-10, passives 7-8, detractors 0-6; "The
    # resulting score can range from -100 (if all customers are detractors) to 100".
    day, p = date(2026, 3, 3), Period.parse("2026-03")
    assert nps([SurveyResponse("a", day, SurveyKind.NPS, 9)] * 5, p).value == 100
    assert nps([SurveyResponse("a", day, SurveyKind.NPS, 6)] * 5, p).value == -100
    mixed = [SurveyResponse("a", day, SurveyKind.NPS, s) for s in (10, 9, 8, 7, 6, 0)]
    r = nps(mixed, p)
    assert r.components == {"promoters": 2.0, "passives": 2.0, "detractors": 2.0}
    assert r.value == 0 and r.small_sample


def test_seed001_csat_top_of_scale_is_satisfied() -> None:
    # 001, "Customer Satisfaction Score (CSAT)": "A score of 4 or 5 (or 8, 9, or 10) would
    # indicate that the customer is satisfied, while a score of 1-3 (or 1-7) would indicate that
    # the customer is not satisfied."
    day, p = date(2026, 3, 3), Period.parse("2026-03")
    five = [SurveyResponse("a", day, SurveyKind.CSAT, s, 5) for s in (1, 2, 3, 4, 5)]
    ten = [SurveyResponse("a", day, SurveyKind.CSAT, s, 10) for s in range(1, 11)]
    assert csat(five, p).value == 40.0  # 4, 5
    assert csat(ten, p).value == 30.0  # 8, 9, 10


def test_seed001_retention_rate() -> None:
    # 001, "Retention Rate": "divide the number of customers who continued to use your product
    # ... by the number of customers who started using it and multiply the result by 100".
    moves = _book(50, date(2026, 1, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2026, 2, 10), K.CHURN) for i in range(5)]
    moves += _book(20, date(2026, 2, 5), 100, "new")  # joined during the period: not counted
    r = retention_rate(moves, Period.parse("2026-02"))
    assert r.value == 90.0
    assert r.formula.endswith("45 / 50")


def test_seed001_churn_is_not_end_over_start() -> None:
    # 001, "Churn Rate": "take the number of customers at the end of the period divided by the
    # number of customers at the beginning ... to get the percentage of customers that are
    # churning". That ratio is (net) retention, not churn: 400 → 360 gives 90 %, while 10 % of
    # customers left. We implement churn as lost / at start (seeds 000 and 002).
    moves = _book(400, date(2022, 3, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2022, 4, 15), K.CHURN) for i in range(40)]
    f = Portfolio(moves).facts(APRIL_2022)
    assert f.customers_end / f.customers_start * 100 == 90.0
    assert churn_rate(f).value == 10.0
    assert retention_rate(f).value == 90.0


def test_seed001_time_to_value_from_milestones() -> None:
    # 001, "Time to Value (TTV)": "track the time it takes for customers to complete specific
    # actions that lead to value realization". No figures in the seed; days start → milestone.
    p = Period.parse("2026-Q1")
    ms = [
        Milestone("a", date(2026, 1, 1), date(2026, 1, 11)),
        Milestone("b", date(2026, 1, 5), date(2026, 2, 4)),
        Milestone("c", date(2025, 12, 1), date(2026, 3, 1)),
        Milestone("d", date(2026, 3, 1), None),
    ]
    r = time_to_value(ms, p)
    assert r.value == 30.0  # median of 10, 30, 90
    assert r.components["pending"] == 1


# --------------------------------------------------------------------------- seed 003


def test_seed003_expansion_mrr_percentage_rate() -> None:
    # 003_ce6dcae883342607.txt, "Expansion MRR": "[(Expansion MRR at the end of the month –
    # Expansion MRR at the beginning of the month) / Expansion MRR at the beginning of the month]
    # x 100 = Expansion MMR percentage rate." Read as this month's vs last month's expansion MRR.
    feb, mar = Period.parse("2026-02"), Period.parse("2026-03")
    moves = _book(20, date(2026, 1, 1), 1_000)
    moves += [MrrMovement(f"c{i:04d}", date(2026, 2, 10), K.ADD_ON, 100) for i in range(5)]
    moves += [MrrMovement(f"c{i:04d}", date(2026, 3, 10), K.CROSS_SELL, 150) for i in range(5)]
    book = Portfolio(moves)
    r = expansion_mrr_growth(book.facts(mar), book.facts(feb))
    assert r.value == pytest.approx(50.0)  # (750 − 500) / 500
    assert r.formula.endswith("(750 − 500) / 500")


def test_seed003_net_mrr_churn_is_negative_when_expansion_exceeds_churn() -> None:
    # 003, "Net MRR Churn Rate": "The net MRR Churn can either be positive or negative. It is
    # negative when the expansion MRR for the month exceeds the Churn MRR."
    moves = _book(20, date(2026, 1, 1), 500)
    moves += [MrrMovement("c0000", date(2026, 2, 3), K.CHURN)]
    moves += [MrrMovement(f"c{i:04d}", date(2026, 2, 9), K.UPSELL, 200) for i in range(1, 6)]
    feb = Period.parse("2026-02")
    net = revenue_churn(moves, feb, kind=RevenueChurn.NET)
    gross = revenue_churn(moves, feb, kind=RevenueChurn.GROSS)
    assert net.value == pytest.approx((500 - 1_000) / 10_000 * 100)  # −5 %
    assert gross.value == pytest.approx(5.0)
    assert nrr(moves, feb).value == pytest.approx(105.0)


def test_seed003_nps_six_or_below_detracts() -> None:
    # 003: "subtracting the percent of detractors (selected scale 6 or below) from the percent of
    # promoters (selected scale 9-10)".
    day, p = date(2026, 3, 3), Period.parse("2026-03")
    answers = [SurveyResponse("a", day, SurveyKind.NPS, s) for s in (6, 7, 9)]
    assert nps(answers, p).value == pytest.approx(0.0)


# --------------------------------------------------------------------------- seed 004


def test_seed004_absolute_portfolio_growth() -> None:
    # 004_b2d6797cf760b1a6.txt, "Portfolio Growth": "Absolute Portfolio growth in MRR terms =
    # Expansions + Upgrades + Renewals – Downgrades – Contractions – Churn". Renewals enter as the
    # MRR change at renewal (a flat renewal keeps MRR, so it adds 0).
    d = date(2026, 4, 10)
    moves = _book(10, date(2026, 1, 1), 1_000)
    moves += [
        MrrMovement("c0000", d, K.CROSS_SELL, 300),  # expansion
        MrrMovement("c0001", d, K.ADD_ON, 200),  # expansion
        MrrMovement("c0002", d, K.UPSELL, 400),  # upgrade
        MrrMovement("c0003", d, K.RENEWAL_DUE),
        MrrMovement("c0003", d, K.RENEWED, 100),  # renewal at +100
        MrrMovement("c0004", d, K.RENEWAL_DUE),
        MrrMovement("c0004", d, K.RENEWED),  # flat renewal
        MrrMovement("c0005", d, K.DOWNGRADE, 250),
        MrrMovement("c0006", d, K.CONTRACTION, 50),
        MrrMovement("c0007", d, K.CHURN),
        MrrMovement("new", d, K.NEW, 5_000),  # new business: not portfolio growth
    ]
    r = portfolio_growth(moves, Period.parse("2026-Q2"))
    assert r.value == 300 + 200 + 400 + 100 - 250 - 50 - 1_000
    assert r.formula.endswith("= 500 + 400 + 100 − 250 − 50 − 1,000")


def test_seed004_mrr_retention_excludes_new_accounts() -> None:
    # 004, "MRR Retention Rate": "measured as % of $ MRR growth, without including the new
    # accounts. The best of breed have up to 129% Annual MRR retention rate".
    moves = _book(10, date(2025, 12, 1), 1_000)
    moves += [MrrMovement(f"c{i:04d}", date(2026, 5, 1), K.UPSELL, 2_900) for i in range(1)]
    moves += _book(50, date(2026, 2, 1), 1_000, "new")
    r = nrr(moves, Period.parse("2026"))
    assert r.value == pytest.approx(129.0)
    assert grr(moves, Period.parse("2026")).value == 100.0


def test_seed004_account_retention_in_a_csm_portfolio() -> None:
    # 004, "Account Retention Rate": "measured by the number of accounts retained in a customer
    # success manager's portfolio".
    moves = [MrrMovement(f"d{i}", date(2026, 1, 1), K.NEW, 100, owner="dana") for i in range(10)]
    moves += [MrrMovement(f"s{i}", date(2026, 1, 1), K.NEW, 100, owner="sam") for i in range(10)]
    moves += [MrrMovement(f"d{i}", date(2026, 2, 9), K.CHURN, owner="dana") for i in range(3)]
    report = compute_all(moves, period="2026-02", by="owner")
    assert report.value("dana", "retention_rate") == 70.0
    assert report.value("sam", "retention_rate") == 100.0


def test_seed004_faster_onboarding_time_to_milestone() -> None:
    # 004, "Faster On-boarding": "measure the time taken to reach a certain 'Milestone'".
    start = date(2026, 1, 1)
    ms = [Milestone(f"a{i}", start, start + timedelta(days=10 + i)) for i in range(11)]
    r = time_to_value(ms, Period.parse("2026-01"))
    assert r.value == 15.0 and not r.small_sample


# --------------------------------------------------------------------------- seed 000


def test_seed000_churn_is_lost_over_customers_at_start() -> None:
    # 000_73ae69409d9fc726.txt, "Customer Churn Rate": "Lost Customers divided by Total
    # Customers (at the start of the relevant time period), multiplied by 100".
    moves = _book(200, date(2026, 1, 1))
    moves += [MrrMovement(f"c{i:04d}", date(2026, 2, 14), K.CHURN) for i in range(7)]
    assert churn_rate(moves, Period.parse("2026-02")).value == 3.5


def test_seed000_nrr_above_100_grows_without_new_customers() -> None:
    # 000, "Net Revenue Rate (NRR)": "When this key KPI is above the 100% mark, it means that the
    # business is healthy and is actually growing even without onboarding new customers."
    moves = _book(10, date(2026, 1, 1), 1_000)
    moves += [MrrMovement("c0000", date(2026, 2, 2), K.UPSELL, 1_600)]
    moves += [MrrMovement("c0001", date(2026, 2, 3), K.CHURN)]
    feb = Period.parse("2026-02")
    assert nrr(moves, feb).value == pytest.approx(106.0)
    assert mrr_at(moves, date(2026, 1, 31)).value == 10_000
    assert mrr_at(moves, date(2026, 2, 28)).value == 10_600
