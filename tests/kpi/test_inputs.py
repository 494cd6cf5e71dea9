"""Periods, input validation and survey KPIs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tieline.errors import TielineError
from tieline.kpi import (
    AcquisitionSpend,
    KpiInputError,
    KpiResult,
    Milestone,
    MovementKind,
    MrrMovement,
    Period,
    Portfolio,
    SurveyKind,
    SurveyResponse,
    ces,
    csat,
    nps,
)

K = MovementKind


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        ("2026q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31), "2026-03"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "2026-W01"),
        ("2025W53", None, None, None),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        ("2026-03-15", date(2026, 3, 15), date(2026, 3, 15), "2026-03-15"),
        ("2026-01..2026-Q2", date(2026, 1, 1), date(2026, 6, 30), "2026-01-01..2026-06-30"),
        (" 2026-02-02..2026-02-08 ", date(2026, 2, 2), date(2026, 2, 8), "2026-W06"),
        ("2026-02-03..2026-02-09", date(2026, 2, 3), date(2026, 2, 9), "2026-02-03..2026-02-09"),
    ],
)
def test_period_parse(text: str, start: date | None, end: date | None, label: str | None) -> None:
    if start is None:
        with pytest.raises(KpiInputError):
            Period.parse(text)
        return
    p = Period.parse(text)
    assert (p.start, p.end, p.label, str(p)) == (start, end, label, label)


@pytest.mark.parametrize(
    "text", ["", "26", "2026-13", "2026-Q5", "2026-W00", "March", "2026-02-30"]
)
def test_period_parse_rejects(text: str) -> None:
    with pytest.raises(KpiInputError) as err:
        Period.parse(text)
    assert isinstance(err.value, TielineError) and isinstance(err.value, ValueError)
    assert err.value.status_code == 422


def test_period_helpers() -> None:
    q1 = Period.parse("2026-Q1")
    assert q1.days == 90 and q1.months == 3.0
    assert [p.label for p in q1.split("month")] == ["2026-01", "2026-02", "2026-03"]
    assert Period.parse("2026").split("quarter")[-1].label == "2026-Q4"
    assert Period.parse("2026-01-15..2026-02-10").split("month")[0] == Period(
        date(2026, 1, 15), date(2026, 1, 31)
    )
    assert q1.previous().label == "2025-Q4"
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.parse("2026").previous().label == "2025"
    assert Period.parse("2026-W02").previous().label == "2026-W01"
    assert date(2026, 2, 1) in q1 and date(2026, 4, 1) not in q1 and "x" not in q1
    assert Period.parse("2026-01-01..2026-01-15").months == pytest.approx(15 / 30.436875)
    with pytest.raises(KpiInputError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


def test_movement_validation() -> None:
    m = MrrMovement("a", date(2026, 1, 1), K.NEW, Decimal("10.5"))
    assert m.amount == 10.5 and isinstance(m.amount, float) and m.delta == 10.5
    assert MrrMovement("a", date(2026, 1, 1), K.CHURN, 3).delta == -3
    assert MrrMovement("a", date(2026, 1, 1), "upsell", 3).kind is K.UPSELL  # type: ignore[arg-type]
    assert MrrMovement("a", date(2026, 1, 1), K.RENEWED, -5).delta == -5
    with pytest.raises(KpiInputError, match="magnitude"):
        MrrMovement("a", date(2026, 1, 1), K.DOWNGRADE, -5)
    with pytest.raises(KpiInputError):
        MrrMovement("a", date(2026, 1, 1), K.RENEWAL_DUE, 5)
    with pytest.raises(KpiInputError):
        MrrMovement("a", date(2026, 1, 1), K.NEW, float("nan"))
    with pytest.raises(ValueError):
        MrrMovement("a", date(2026, 1, 1), "refund", 5)  # type: ignore[arg-type]


def test_other_inputs_validate() -> None:
    with pytest.raises(KpiInputError):
        Milestone("a", date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(KpiInputError):
        AcquisitionSpend(date(2026, 1, 1), -1)
    assert AcquisitionSpend(date(2026, 1, 1), Decimal("5")).amount == 5.0
    with pytest.raises(KpiInputError):
        SurveyResponse("a", date(2026, 1, 1), SurveyKind.NPS, 11)
    with pytest.raises(KpiInputError):
        SurveyResponse("a", date(2026, 1, 1), SurveyKind.NPS, 5, scale_max=5)
    with pytest.raises(KpiInputError):
        SurveyResponse("a", date(2026, 1, 1), SurveyKind.CSAT, 0)
    with pytest.raises(KpiInputError):
        SurveyResponse("a", date(2026, 1, 1), SurveyKind.CSAT, 6)  # default scale 1-5
    assert SurveyResponse("a", date(2026, 1, 1), SurveyKind.CES, 7).scale_max == 7


def test_an_account_lives_in_one_workspace() -> None:
    moves = [
        MrrMovement("a", date(2026, 1, 1), K.NEW, 1, workspace="w1"),
        MrrMovement("a", date(2026, 1, 2), K.UPSELL, 1, workspace="w2"),
    ]
    with pytest.raises(KpiInputError, match="unique across workspaces"):
        Portfolio(moves)


def test_result_to_dict_and_hash() -> None:
    r = KpiResult("x", 1.0, "%", Period.parse("2026-01"), "1 / 1", {"a": 1.0}, 1, True, "")
    d = r.to_dict()
    assert d["period"] == "2026-01" and d["start"] == "2026-01-01" and d["components"] == {"a": 1}
    assert hash(r) == hash(KpiResult("x", 1.0, "%", Period.parse("2026-01"), "1 / 1", {}, 1, True))


# --------------------------------------------------------------------------- surveys

MAR = Period.parse("2026-03")
DAY = date(2026, 3, 10)


def _answers(kind: SurveyKind, scores: list[int], scale: int | None = None) -> list[SurveyResponse]:
    return [SurveyResponse("a", DAY, kind, s, scale) for s in scores]


def test_surveys_outside_the_period_are_ignored() -> None:
    answers = _answers(SurveyKind.NPS, [10, 10]) + [
        SurveyResponse("a", date(2026, 4, 1), SurveyKind.NPS, 0)
    ]
    assert nps(answers, MAR).value == 100.0
    assert nps([], MAR).value is None


def test_survey_small_sample_threshold() -> None:
    assert nps(_answers(SurveyKind.NPS, [9] * 29), MAR).small_sample
    assert not nps(_answers(SurveyKind.NPS, [9] * 30), MAR).small_sample
    assert not csat(_answers(SurveyKind.CSAT, [5] * 30), MAR).small_sample


def test_ces_mean_and_easy_share() -> None:
    r = ces(_answers(SurveyKind.CES, [7, 6, 5, 4, 1]), MAR)
    assert r.value == pytest.approx(4.6)
    assert r.components["easy"] == 3 and r.components["easy_pct"] == 60.0
    assert r.formula == "CES = Σ scores / answers = 23 / 5 (scale 1-7)"


def test_ces_mixed_scales_are_rescaled() -> None:
    r = ces(_answers(SurveyKind.CES, [5], 5) + _answers(SurveyKind.CES, [1], 7), MAR)
    assert r.value == pytest.approx((7 + 1) / 2)
    assert "rescaled" in r.note
    assert ces([], MAR).value is None


def test_csat_ignores_other_kinds() -> None:
    answers = _answers(SurveyKind.CSAT, [5, 1]) + _answers(SurveyKind.NPS, [0])
    r = csat(answers, MAR)
    assert r.value == 50.0 and r.sample_size == 2
