"""The [health] TOML table: the documented seed config, inheritance, clear errors."""

from __future__ import annotations

import doctest
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tieline.graph import health_config
from tieline.graph.health import DEFAULT_MODEL, Band, Bands, HealthModel, Range, blend
from tieline.graph.health_config import config_from_mapping, model_from_mapping

DOC = Path(__file__).resolve().parents[2] / "docs" / "health.md"
SEED_INPUTS = {"setup_rate": 80.0, "usage_rate": 6.0, "nps": 32.0, "csm_pulse": 9.0}


def _documented_toml() -> str:
    blocks: list[str] = re.findall(
        r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S
    )
    assert len(blocks) == 1, "docs/health.md should hold exactly one TOML example"
    return blocks[0]


def test_doctests() -> None:
    assert doctest.testmod(health_config).failed == 0


def test_documented_seed_config_reproduces_75_and_70() -> None:
    cfg = config_from_mapping(tomllib.loads(_documented_toml())["health"])
    raw = blend(SEED_INPUTS, cfg.for_segment(None))
    weighted = blend(SEED_INPUTS, cfg.for_segment("usage_led"))
    assert [c.points for c in raw.components.values()] == [10, 5, 5, 10]
    assert (raw.score, weighted.score) == (75.0, 70.0)
    assert (raw.band, weighted.band) == (Band.GREEN, Band.GREEN)
    # the segment inherits the point tables and bands, and replaces the weights
    assert cfg.for_segment("usage_led").points == cfg.default.points
    assert dict(cfg.for_segment("usage_led").weights)["usage_rate"] == 40
    assert "nps" not in cfg.default.ranges  # the point table replaced the default range
    listed = {**SEED_INPUTS, "csm_pulse": 6.0}  # the seed's listed 5 pulse points
    assert blend(listed, cfg.default).score == 62.5
    assert blend(listed, cfg.for_segment("usage_led")).score == 60.0


def test_no_health_table_gives_the_defaults() -> None:
    cfg = config_from_mapping({})
    assert cfg.default == DEFAULT_MODEL
    assert dict(cfg.segments) == {}


def test_weights_replace_wholesale_and_bands_inherit_per_cut_point() -> None:
    cfg = config_from_mapping(
        {
            "weights": {"relationship": 3, "nrr": 1},
            "bands": {"red_below": 30},
            "segments": {"enterprise": {"bands": {"green_from": 80}, "points_max": 100}},
        }
    )
    assert dict(cfg.default.weights) == {"relationship": 3.0, "nrr": 1.0}
    assert cfg.default.bands == Bands(red_below=30, green_from=70)
    ent = cfg.for_segment("enterprise")
    assert ent.bands == Bands(red_below=30, green_from=80)
    assert ent.weights == cfg.default.weights
    assert ent.points_max == 100
    assert cfg.default.ranges["nrr"] == Range(low=80, high=120)  # default range kept
    assert blend({"nrr": 120.0, "relationship": 0.6}, cfg.default).score == 70.0


def test_a_range_replaces_an_inherited_point_table() -> None:
    base = model_from_mapping(
        {"weights": {"nps": 1}, "points": {"nps": [{"min": 0, "points": 10}]}}
    )
    seg = model_from_mapping(
        {"ranges": {"nps": {"low": 0, "high": 50, "higher_is_better": True}}}, base=base
    )
    assert "nps" not in seg.points
    assert seg.convert("nps", 25) == (0.5, None)


def test_lower_is_better_range_and_floor_step() -> None:
    m = model_from_mapping(
        {
            "weights": {"tickets": 1, "churn": 1},
            "ranges": {"churn": {"low": 0, "high": 10, "higher_is_better": False}},
            "points": {
                "tickets": [{"min": 10, "points": 0}, {"min": -math.inf, "points": 10}],
            },
        }
    )
    assert m.convert("churn", 2) == (0.8, None)
    assert m.convert("tickets", 3) == (1.0, 10.0)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"weight": {"a": 1}}, r"\[health\]: unknown key\(s\) weight"),
        ({"weights": {"a": -1, "b": 1}}, r"\[health\]: weight of a"),
        ({"weights": {"a": "10"}}, r"health.weights.a must be a number"),
        ({"weights": {"a": True}}, r"health.weights.a must be a number"),
        ({"weights": {"a": 0}}, r"positive weight"),
        ({"weights": [1, 2]}, r"\[health.weights\] must be a table"),
        ({"bands": {"red_below": 80}}, r"\[health.bands\]: bands need"),
        ({"bands": {"red": 10}}, r"unknown key\(s\) red"),
        (
            {"points": {"nps": [{"min": 0, "points": 5}, {"min": 50, "points": 10}]}},
            r"\[health.points.nps\]: point table steps must run from the highest min down",
        ),
        ({"points": {"nps": {"min": 0, "points": 5}}}, r"non-empty array of tables"),
        ({"points": {"nps": []}}, r"non-empty array of tables"),
        ({"points": {"nps": [{"min": 0}]}}, r"needs both min and points"),
        ({"points": {"nps": [{"min": 0, "points": 5, "max": 9}]}}, r"unknown key\(s\) max"),
        ({"points": {"nps": [{"min": 0, "points": 11}]}}, r"exceed points_max"),
        ({"points": {"nps": [{"min": 0, "points": math.inf}]}}, r"must be a finite number"),
        ({"ranges": {"nrr": {"low": 120, "high": 80}}}, r"\[health.ranges.nrr\]: a range needs"),
        ({"ranges": {"nrr": {"low": 80}}}, r"needs low and high"),
        ({"ranges": {"nrr": {"low": 0, "high": 1, "higher_is_better": 1}}}, r"true or false"),
        (
            {"points": {"x": [{"min": 0, "points": 1}]}, "ranges": {"x": {"low": 0, "high": 1}}},
            r"x has both a point table and a range",
        ),
        ({"points_max": 0}, r"points_max must be a positive number"),
        ({"segments": {"ent": {"segments": {}}}}, r"\[health.segments.ent\]: unknown key"),
        ({"segments": {"ent": {"weights": {"a": -2}}}}, r"\[health.segments.ent\]: weight of a"),
        ({"segments": {"ent": 3}}, r"\[health.segments.ent\] must be a table"),
    ],
)
def test_invalid_configs_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_mapping(data)


def test_parsed_model_equals_the_hand_built_one() -> None:
    parsed = model_from_mapping({"weights": {"a": 1, "b": 2}, "bands": {"green_from": 60}})
    built = HealthModel(
        weights={"a": 1.0, "b": 2.0},
        bands=Bands(red_below=40, green_from=60),
        ranges=DEFAULT_MODEL.ranges,
    )
    assert parsed == built


def test_minimums_and_event_rules_from_toml() -> None:
    """Issue 13: the evidence minimums and the lifecycle event rules are configurable."""
    import tomllib

    from tieline.graph.health_rules import DEFAULT_EVENT_RULES, EventRule

    cfg = config_from_mapping(
        tomllib.loads(
            "[health.minimums]\ninbound = 3\n"
            "[health.events.churn_notice]\npoints = -40\ncap = false\n"
            "[health.segments.smb.events.expansion]\npoints = 20\n"
        )["health"]
    )
    m = cfg.default
    assert m.minimums.inbound == 3 and m.minimums.outbound == 1
    assert m.events["churn_notice"] == EventRule(points=-40.0, cap=None)
    assert m.events["gone_dark"] == DEFAULT_EVENT_RULES["gone_dark"]
    smb = cfg.for_segment("smb")
    assert smb.events["expansion"].points == 20 and smb.minimums.inbound == 3
    for bad, key in (
        ({"minimums": {"inbound": 1.5}}, "health.minimums.inbound"),
        ({"minimums": {"nope": 1}}, "nope"),
        ({"events": {"mood": {"points": 1}}}, "mood"),
        ({"events": {"gone_dark": {"cap": 140}}}, "health.events.gone_dark"),
    ):
        with pytest.raises(ValueError, match=key):
            config_from_mapping(bad)
