"""Health blending: weights, redistribution, bands, reasons, trend, the seed example."""

from __future__ import annotations

import doctest
import json
import math

import pytest

from tieline.graph import health
from tieline.graph.health import (
    DEFAULT_MODEL,
    DEFAULT_WEIGHTS,
    Band,
    Bands,
    Health,
    HealthConfig,
    HealthModel,
    PointTable,
    Range,
    Step,
    band_changed,
    blend,
    with_trend,
)


def _table(*rows: tuple[float, float]) -> PointTable:
    return PointTable(steps=tuple(Step(min=m, points=p) for m, p in rows))


# What docs/health.md's TOML gives (tests/graph/test_health_config.py parses that text).
SEED_POINTS = {
    "setup_rate": _table((80, 10), (50, 5)),
    "usage_rate": _table((8, 10), (5, 5)),
    "nps": _table((50, 10), (0, 5)),
    "csm_pulse": _table((8, 10), (5, 5)),
}
SEED_RAW = HealthModel(
    weights={"setup_rate": 25, "usage_rate": 25, "nps": 25, "csm_pulse": 25}, points=SEED_POINTS
)
SEED_WEIGHTED = HealthModel(
    weights={"setup_rate": 20, "usage_rate": 40, "nps": 20, "csm_pulse": 20}, points=SEED_POINTS
)
SEED_INPUTS = {"setup_rate": 80.0, "usage_rate": 6.0, "nps": 32.0, "csm_pulse": 9.0}


def test_doctests() -> None:
    assert doctest.testmod(health).failed == 0


# --- the seed example (002, "Customer Health Score Example") ------------------------------


def test_seed_example_points_raw_and_weighted() -> None:
    raw = blend(SEED_INPUTS, SEED_RAW)
    assert {n: c.points for n, c in raw.components.items()} == {
        "setup_rate": 10,
        "usage_rate": 5,
        "nps": 5,
        "csm_pulse": 10,
    }
    assert raw.score == 75.0  # (10 + 5 + 5 + 10) / 4 = 7.5 of 10
    assert raw.raw_mean == 75.0
    weighted = blend(SEED_INPUTS, SEED_WEIGHTED)
    assert weighted.score == 70.0  # 0.2·10 + 0.4·5 + 0.2·5 + 0.2·10 = 7.0 of 10
    assert weighted.raw_mean == 75.0  # the unweighted mean does not move with the weights
    assert weighted.components["usage_rate"].share == 40.0
    assert weighted.components["usage_rate"].contribution == 20.0
    assert raw.band is weighted.band is Band.GREEN  # green_from = 70 is inclusive


def test_seed_example_with_csm_pulse_as_listed_five_points() -> None:
    # The seed lists "CSM Pulse – 9 – Translates to 5 points" but sums 10+5+5+10: our
    # table gives 10 for a 9. With 5 points, as listed, the figures would be 6.25 and 6.0.
    listed = {**SEED_INPUTS, "csm_pulse": 6.0}
    assert blend(listed, SEED_RAW).components["csm_pulse"].points == 5
    assert blend(listed, SEED_RAW).score == 62.5
    assert blend(listed, SEED_WEIGHTED).score == 60.0
    assert blend(listed, SEED_WEIGHTED).band is Band.YELLOW


# --- weights and redistribution ---------------------------------------------------------


def test_missing_component_weight_is_redistributed_proportionally() -> None:
    model = HealthModel(weights={"a": 50, "b": 30, "c": 20})
    h = blend({"a": 0.4, "b": 1.0, "c": None}, model)
    assert h.components["a"].share == pytest.approx(62.5)
    assert h.components["b"].share == pytest.approx(37.5)
    assert h.score == round(62.5 * 0.4 + 37.5 * 1.0, 1) == 62.5
    assert h.missing == ("c",)
    assert sum(c.share for c in h.components.values()) == pytest.approx(100)
    # the configured weight is kept as given
    assert h.components["a"].weight == 50


def test_absent_key_counts_as_missing_and_weights_need_not_sum_to_100() -> None:
    h = blend({"a": 1.0}, HealthModel(weights={"a": 1, "b": 3}))
    assert h.score == 100.0
    assert h.missing == ("b",)
    assert h.components["a"].share == 100.0


def test_default_weights_share_100() -> None:
    values = dict.fromkeys(DEFAULT_WEIGHTS, 1.0)
    h = blend(values, DEFAULT_MODEL)
    assert h.score == 100.0
    assert {n: c.share for n, c in h.components.items()} == dict(DEFAULT_WEIGHTS)
    assert sum(DEFAULT_WEIGHTS.values()) == 100


def test_zero_weight_and_unknown_inputs_are_ignored_and_listed() -> None:
    model = HealthModel(weights={"a": 1, "nps": 0})
    h = blend({"a": 0.5, "nps": 0.9, "zz": 0.1, "gone": None}, model)
    assert h.score == 50.0
    assert list(h.components) == ["a"]
    assert h.ignored == ("nps", "zz")
    assert h.missing == ()


def test_no_input_at_all_gives_no_score() -> None:
    h = blend({"a": None}, HealthModel(weights={"a": 1, "b": 1}))
    assert (h.score, h.band, h.raw_mean, h.reasons) == (None, None, None, ())
    assert h.missing == ("a", "b")


def test_inputs_outside_0_1_need_a_conversion() -> None:
    with pytest.raises(ValueError, match="usage = 6.0 is not in 0–1"):
        blend({"usage": 6.0}, HealthModel(weights={"usage": 1}))
    with pytest.raises(ValueError, match="not a finite number"):
        blend({"a": math.nan}, HealthModel(weights={"a": 1}))


def test_default_model_converts_external_metrics_by_range() -> None:
    model = HealthModel(weights={**DEFAULT_MODEL.weights, "nrr": 10}, ranges=DEFAULT_MODEL.ranges)
    h = blend({"nrr": 110.0, "relationship": 0.5}, model)
    assert h.components["nrr"].value == pytest.approx(0.75)
    assert h.components["nrr"].share == pytest.approx(25.0)  # 10 / (10 + 30)
    assert h.score == pytest.approx(0.25 * 75 + 0.75 * 50, abs=0.05)


# --- conversions ---------------------------------------------------------------------------


def test_range_clamps_and_reverses() -> None:
    nrr = Range(low=80, high=120)
    assert [nrr.value(x) for x in (60, 80, 100, 120, 150)] == [0.0, 0.0, 0.5, 1.0, 1.0]
    churn = Range(low=0, high=20, higher_is_better=False)
    assert [churn.value(x) for x in (-5, 5, 40)] == [1.0, 0.75, 0.0]
    for low, high in ((1, 1), (2, 1), (0, math.inf)):
        with pytest.raises(ValueError, match="low < high"):
            Range(low=low, high=high)


def test_point_table_thresholds_are_inclusive_minimums() -> None:
    t = _table((80, 10), (50, 5))
    assert [t.points_for(x) for x in (100, 80, 79.99, 50, 49, -3)] == [10, 10, 5, 5, 0, 0]
    lower_is_better = _table((10, 0), (5, 5), (-math.inf, 10))
    assert [lower_is_better.points_for(x) for x in (12, 7, 0)] == [0, 5, 10]


@pytest.mark.parametrize(
    "rows, message",
    [
        ((), "at least one step"),
        (((50, 5), (80, 10)), "from the highest min down"),
        (((50, 5), (50, 10)), "from the highest min down"),
        (((50, -1),), "not negative"),
        (((math.nan, 1),), "from the highest min down"),
    ],
)
def test_point_table_rejects_bad_steps(rows: tuple[tuple[float, float], ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _table(*rows)


def test_points_over_points_max_are_rejected() -> None:
    with pytest.raises(ValueError, match="exceed points_max"):
        HealthModel(weights={"x": 1}, points={"x": _table((1, 11))})
    model = HealthModel(weights={"x": 1}, points={"x": _table((1, 50))}, points_max=100)
    assert blend({"x": 3}, model).score == 50.0


# --- model validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weights": {"a": -1, "b": 2}}, "weight of a"),
        ({"weights": {"a": math.inf}}, "weight of a"),
        ({"weights": {"a": 0}}, "positive weight"),
        ({"weights": {}}, "positive weight"),
        ({"weights": {"Bad Name": 1}}, "lower_snake_case"),
        ({"weights": {"a": 1}, "points_max": 0}, "points_max"),
        (
            {"weights": {"a": 1}, "points": {"a": _table((0, 1))}, "ranges": {"a": Range(0, 1)}},
            "not both",
        ),
    ],
)
def test_invalid_models_raise(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HealthModel(**kwargs)  # type: ignore[arg-type]


def test_model_does_not_share_the_callers_dict() -> None:
    weights = {"a": 1.0}
    model = HealthModel(weights=weights)
    weights["b"] = 5.0
    assert dict(model.weights) == {"a": 1.0}
    with pytest.raises(TypeError):
        model.weights["a"] = 2.0  # type: ignore[index]


# --- bands ----------------------------------------------------------------------------------


def test_bands_at_the_cut_points() -> None:
    b = Bands(red_below=40, green_from=70)
    assert [b.band(s) for s in (0, 39.9, 40, 69.9, 70, 100)] == [
        Band.RED,
        Band.RED,
        Band.YELLOW,
        Band.YELLOW,
        Band.GREEN,
        Band.GREEN,
    ]
    no_yellow = Bands(red_below=50, green_from=50)
    assert (no_yellow.band(49.9), no_yellow.band(50)) == (Band.RED, Band.GREEN)
    for red, green in ((80, 70), (-1, 50), (40, 101)):
        with pytest.raises(ValueError, match="red_below <= green_from"):
            Bands(red_below=red, green_from=green)


def test_band_follows_the_rounded_score() -> None:
    model = HealthModel(weights={"a": 1}, bands=Bands(red_below=40, green_from=70))
    h = blend({"a": 0.6996}, model)
    assert h.score == 70.0
    assert h.band is Band.GREEN


# --- reasons ------------------------------------------------------------------------------


def test_reasons_lead_with_the_biggest_drags_when_not_green() -> None:
    model = HealthModel(weights={"sentiment": 20, "open_items": 30, "relationship": 50})
    h = blend(
        {"sentiment": 0.9, "open_items": 0.1, "relationship": 0.3},
        model,
        notes={"open_items": "4 open, oldest 12 days"},
    )
    assert h.band is Band.RED  # 18 + 3 + 15 = 36
    assert [r.component for r in h.reasons] == ["open_items", "relationship", "sentiment"]
    assert [r.pull for r in h.reasons] == [-12.0, -10.0, 8.0]
    assert h.reasons[0].text == (
        "Open items owed by us pulls the score down (-12.0): 4 open, oldest 12 days"
    )
    assert h.reasons[1].text == "Relationship strength pulls the score down (-10.0): 30/100"
    assert h.components["open_items"].note == "4 open, oldest 12 days"


def test_reasons_lead_with_strengths_when_green_and_skip_neutral_ones() -> None:
    model = HealthModel(weights={"sentiment": 20, "engagement": 30, "relationship": 50})
    h = blend({"sentiment": 0.3, "engagement": 0.5, "relationship": 1.0}, model)
    assert h.score == 71.0  # 6 + 15 + 50
    assert h.band is Band.GREEN
    assert [r.component for r in h.reasons] == ["relationship", "sentiment"]
    assert len(blend({"sentiment": 0.2, "relationship": 1.0}, model, max_reasons=1).reasons) == 1


def test_reason_text_shows_points_and_ranges() -> None:
    h = blend(SEED_INPUTS, SEED_RAW)
    texts = {r.component: r.text for r in h.reasons}
    assert texts["setup_rate"] == (
        "Product setup rate pulls the score up (+12.5): 80 → 10/10 points"
    )
    model = HealthModel(weights={"nrr": 1}, ranges={"nrr": Range(low=80, high=120)})
    assert blend({"nrr": 84}, model).reasons[0].text == (
        "NRR pulls the score down (-40.0): 84 on a 80 to 120 scale"
    )


# --- trend and band changes ----------------------------------------------------------------


def test_trend_against_the_previous_snapshot() -> None:
    now = blend(SEED_INPUTS, SEED_WEIGHTED)
    before = blend({**SEED_INPUTS, "csm_pulse": 6.0}, SEED_WEIGHTED)
    assert now.trend is None
    assert with_trend(now, before).trend == 10.0
    assert with_trend(before, now).trend == -10.0
    assert with_trend(now, None).trend is None
    empty = blend({}, SEED_WEIGHTED)
    assert with_trend(now, empty).trend is None
    assert with_trend(empty, now).trend is None
    assert with_trend(now, before).score == now.score


def test_band_changed() -> None:
    green = blend(SEED_INPUTS, SEED_WEIGHTED)
    yellow = blend({**SEED_INPUTS, "csm_pulse": 6.0}, SEED_WEIGHTED)
    red = blend({"setup_rate": 0.0, "usage_rate": 0.0, "nps": -10.0}, SEED_WEIGHTED)
    assert red.band is Band.RED
    assert band_changed(red, yellow) == (Band.YELLOW, Band.RED)
    assert band_changed(green, yellow) == (Band.YELLOW, Band.GREEN)
    assert band_changed(green, green) is None
    assert band_changed(green, None) is None
    assert band_changed(green, blend({}, SEED_WEIGHTED)) is None


# --- segments and serialisation --------------------------------------------------------


def test_config_selects_the_segment_model() -> None:
    cfg = HealthConfig(default=SEED_RAW, segments={"enterprise": SEED_WEIGHTED})
    assert cfg.for_segment("enterprise") is SEED_WEIGHTED
    assert cfg.for_segment("smb") is SEED_RAW
    assert cfg.for_segment(None) is SEED_RAW
    assert HealthConfig().for_segment(None) is DEFAULT_MODEL


def test_to_dict_is_json_ready() -> None:
    h = with_trend(blend(SEED_INPUTS, SEED_WEIGHTED), blend(SEED_INPUTS, SEED_RAW))
    d = json.loads(json.dumps(h.to_dict()))
    assert d["score"] == 70.0 and d["band"] == "green" and d["trend"] == -5.0
    assert d["components"]["usage_rate"] == {
        "raw": 6.0,
        "value": 0.5,
        "weight": 40,
        "share": 40.0,
        "contribution": 20.0,
        "points": 5.0,
        "note": "",
        "evidence": None,
    }
    assert d["reasons"][0]["component"] in {"setup_rate", "csm_pulse"}
    assert Health(score=None, band=None, components={}).to_dict()["band"] is None
