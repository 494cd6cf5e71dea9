"""compute_all: grouping by account, owner, workspace and all; the report's behaviour."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tieline.kpi import (
    ALL,
    KPI_NAMES,
    UNASSIGNED,
    AcquisitionSpend,
    KpiInputError,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    Portfolio,
    SurveyKind,
    SurveyResponse,
    compute_all,
    nrr,
)

K = MovementKind
FEB = Period.parse("2026-02")


def _moves() -> list[MrrMovement]:
    jan = date(2026, 1, 1)
    moves = [
        MrrMovement(f"d{i}", jan, K.NEW, 100, owner="dana", workspace="north") for i in range(12)
    ]
    moves += [
        MrrMovement(f"s{i}", jan, K.NEW, 200, owner="sam", workspace="south") for i in range(3)
    ]
    moves += [
        MrrMovement("d0", date(2026, 2, 3), K.CHURN),
        MrrMovement("d1", date(2026, 2, 4), K.UPSELL, 50),
        MrrMovement("s0", date(2026, 2, 5), K.DOWNGRADE, 20),
        MrrMovement("s1", date(2026, 2, 6), K.UPSELL, 10, owner="dana"),  # reassigned to dana
        MrrMovement("n0", date(2026, 2, 7), K.NEW, 500, workspace="north"),  # no owner
        MrrMovement("d2", date(2026, 3, 9), K.CHURN),  # after February
    ]
    return moves


def test_by_owner_workspace_and_all() -> None:
    book = Portfolio(_moves())
    owners = compute_all(book, period=FEB, by="owner")
    assert list(owners) == [UNASSIGNED, "dana", "sam"]
    dana = owners.facts("dana")
    assert (dana.customers_start, dana.churned_customers) == (13, 1)  # 12 + s1 reassigned
    assert owners.value("sam", "grr") == pytest.approx((400 - 20) / 400 * 100)
    assert owners.facts(UNASSIGNED).new_customers == 1

    ws = compute_all(book, period=FEB, by="workspace")
    assert list(ws) == ["north", "south"]
    assert ws.facts("north").new_business_mrr == 500

    whole = compute_all(book, period=FEB, by="all")
    assert list(whole) == [ALL]
    assert whole.value(ALL, "nrr") == nrr(_moves(), FEB).value
    assert whole.facts(ALL).customers_start == 15


def test_owner_as_of_the_period_end() -> None:
    book = Portfolio(_moves())
    jan = compute_all(book, period="2026-01", by="owner")
    assert jan.facts("sam").customers_end == 3  # s1 moved to dana only in February
    assert book.group_of("s1", "owner", Period.parse("2026-01")) == "sam"
    assert book.group_of("s1", "owner", FEB) == "dana"
    assert book.group_of("ghost", "owner", FEB) == UNASSIGNED
    assert book.group_of("ghost", "all", FEB) == ALL


def test_by_account_leaves_out_accounts_that_play_no_part() -> None:
    moves = _moves() + [
        MrrMovement("old", date(2025, 1, 1), K.NEW, 10),
        MrrMovement("old", date(2025, 6, 1), K.CHURN),
        MrrMovement("later", date(2026, 5, 1), K.NEW, 10),
    ]
    report = compute_all(moves, period=FEB, by="account")
    assert "old" not in report and "later" not in report
    assert len(report) == 16
    r = report.result("d1", "nrr")
    assert r.value == pytest.approx(150.0) and r.small_sample
    assert [x.name for x in report["d1"]] == [n for n in KPI_NAMES if not n.startswith("cac")]


def test_every_kpi_states_period_and_formula() -> None:
    report = compute_all(_moves(), period=FEB, by="workspace")
    seen = 0
    for group, r in report.results():
        assert r.period == FEB
        assert r.formula and "=" in r.formula
        assert (r.value is None) <= bool(r.note), (group, r.name)
        seen += 1
    assert seen == len(report) * len(KPI_NAMES)
    json.dumps(report.to_dict())  # JSON-ready


def test_surveys_milestones_and_spend_are_grouped() -> None:
    surveys = [
        SurveyResponse("d3", date(2026, 2, 10), SurveyKind.NPS, 10),
        SurveyResponse("s2", date(2026, 2, 11), SurveyKind.NPS, 3),
        SurveyResponse("stranger", date(2026, 2, 12), SurveyKind.CSAT, 5),
        SurveyResponse("d3", date(2026, 3, 1), SurveyKind.NPS, 0),  # outside February
    ]
    milestones = [
        Milestone("d4", date(2026, 1, 1), date(2026, 2, 5)),
        Milestone("n0", date(2026, 2, 7), None),
    ]
    spend = [
        AcquisitionSpend(date(2026, 2, 1), 1_000, "north"),
        AcquisitionSpend(date(2026, 2, 2), 300),
    ]
    book = Portfolio(_moves(), surveys=surveys, milestones=milestones, spend=spend)
    by_owner = compute_all(book, period=FEB, by="owner")
    assert by_owner.value("dana", "nps") == 100.0
    assert by_owner.value("sam", "nps") == -100.0
    assert by_owner.value(UNASSIGNED, "csat") == 100.0  # an account known only from surveys
    assert by_owner.value("dana", "time_to_value") == 35.0
    assert by_owner.result(UNASSIGNED, "time_to_value").components["pending"] == 1
    with pytest.raises(KpiInputError):
        by_owner.result("dana", "cac")

    by_ws = compute_all(book, period=FEB, by="workspace")
    assert by_ws.value("north", "cac") == 1_000.0  # one new customer, n0
    assert by_ws.value("north", "cac_payback_months") == 2.0  # 1,000 / 500
    assert by_ws.value(UNASSIGNED, "cac") is None  # spend with no workspace, no customers
    whole = compute_all(book, period=FEB, by="all")
    assert whole.value(ALL, "cac") == 1_300.0

    by_account = compute_all(book, period=FEB, by="account")
    assert "stranger" in by_account
    assert by_account.facts("stranger").accounts == 0


def test_report_is_a_mapping_and_caches() -> None:
    report = compute_all(_moves(), period=FEB, by="owner")
    first = report["dana"]
    assert report["dana"] is first
    assert report.result("dana", "nrr") is first[KPI_NAMES.index("nrr")]
    assert report.period == FEB and report.by == "owner" and report.gross_margin == 1.0
    with pytest.raises(KeyError):
        report["nobody"]
    with pytest.raises(KeyError):
        report.facts("nobody")
    assert dict(report.items()).keys() == set(report)


def test_compute_all_argument_errors() -> None:
    book = Portfolio(_moves())
    with pytest.raises(KpiInputError, match="to the Portfolio"):
        compute_all(book, period=FEB, surveys=[])
    with pytest.raises(KpiInputError, match="cannot group"):
        compute_all(book, period=FEB, by="csm")  # type: ignore[arg-type]
    with pytest.raises(KpiInputError):
        compute_all(book, period="February")


def test_empty_input() -> None:
    report = compute_all([], period=FEB, by="all")
    assert len(report) == 0


def test_gross_margin_feeds_cltv() -> None:
    moves = [MrrMovement(f"a{i}", date(2026, 1, 1), K.NEW, 100) for i in range(10)]
    moves.append(MrrMovement("a0", date(2026, 2, 10), K.CHURN))
    report = compute_all(moves, period=FEB, by="all", gross_margin=0.5)
    r = report.result(ALL, "cltv")
    assert r.value == pytest.approx(100 * 0.5 * 1 / 0.1)
