"""Signals as health components: decayed sentiment, engagement, open items, responsiveness."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest

from tieline.graph import health_signals
from tieline.graph.health_signals import (
    decayed_mean,
    engagement,
    open_items_component,
    responsiveness_component,
    sentiment_component,
)

T = datetime(2026, 11, 15, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def test_doctests() -> None:
    assert doctest.testmod(health_signals).failed == 0


def test_decayed_mean_halves_the_weight_every_half_life() -> None:
    values = [(T, 1.0), (T - 7 * DAY, 0.0)]
    # weights 1 and 0.5 ** (7 / 7) = 0.5
    assert decayed_mean(values, as_of=T, half_life_days=7) == pytest.approx(1 / 1.5)
    assert decayed_mean(values, as_of=T, half_life_days=1e9) == pytest.approx(0.5)
    assert decayed_mean([(T - 30 * DAY, -0.4)], as_of=T) == pytest.approx(-0.4)


def test_decayed_mean_is_point_in_time() -> None:
    values = [(T - 10 * DAY, 0.8), (T, -1.0), (T + DAY, -1.0)]
    assert decayed_mean(values, as_of=T - 10 * DAY) == pytest.approx(0.8)
    assert decayed_mean(values, as_of=T - 11 * DAY) is None
    assert decayed_mean(values, as_of=T) == decayed_mean(values[:2], as_of=T)
    assert decayed_mean([], as_of=T) is None
    with pytest.raises(ValueError, match="half_life_days"):
        decayed_mean(values, as_of=T, half_life_days=0)


def test_decayed_mean_takes_a_generator_once() -> None:
    assert decayed_mean(((T - i * DAY, 0.5) for i in range(3)), as_of=T) == pytest.approx(0.5)


def test_sentiment_component_maps_minus_one_one_onto_zero_one() -> None:
    assert [sentiment_component(s) for s in (-1.0, 0.0, 0.5, 1.0)] == [0.0, 0.5, 0.75, 1.0]
    assert sentiment_component(None) is None
    assert sentiment_component(1.2) == 1.0


def test_engagement_against_own_history() -> None:
    assert engagement(10, 10) == 0.5
    assert engagement(20, 10) == pytest.approx(2 / 3)
    assert engagement(5, 10) == pytest.approx(1 / 3)
    assert engagement(0, 10) == 0.0
    assert engagement(30, 10) == pytest.approx(0.75)


def test_engagement_mixes_in_the_segment() -> None:
    # r = 2 ** (2/3) × 0.5 ** (1/3) = 2 ** (1/3)
    r = 2 ** (1 / 3)
    assert engagement(10, 5, 20) == pytest.approx(r / (1 + r))
    assert engagement(10, 10, 10) == pytest.approx(0.5)
    assert engagement(10, 5, 20, own_share=1.0) == pytest.approx(2 / 3)


def test_engagement_without_history_or_baseline() -> None:
    assert engagement(5, 0) is None  # a new account is missing, not silent
    assert engagement(0, 0, None) is None
    assert engagement(5, 0, 0) is None
    assert engagement(5, 0, 5) == pytest.approx(0.5)  # the segment alone
    assert engagement(10, 0, 5) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="negative"):
        engagement(-1, 5)
    with pytest.raises(ValueError, match="negative"):
        engagement(1, 5, -2)


def _items(ages: list[float], overdue: int = 0) -> float:
    value = open_items_component(ages, overdue=overdue)
    assert value is not None
    return value


def test_open_items_fewer_and_younger_is_better() -> None:
    # Issue 13: owing nothing is neutral (left out of the blend), no longer a 1.0 strength.
    assert open_items_component([]) is None
    assert _items([0]) == 0.75
    assert _items([0, 0, 0]) == 0.5
    assert _items([28]) == 0.5
    assert _items([], overdue=3) == 0.5
    assert _items([1, 2]) > _items([1, 2, 3])
    assert _items([1]) > _items([20])
    assert _items([5], overdue=1) < _items([5])
    assert 0 < _items([400] * 50) < 0.05
    with pytest.raises(ValueError, match="negative"):
        open_items_component([-1])
    with pytest.raises(ValueError, match="negative"):
        open_items_component([], overdue=-1)


def test_responsiveness_both_directions() -> None:
    assert responsiveness_component(None, None) is None
    assert responsiveness_component(0, None) == 1.0
    assert responsiveness_component(86_400, None) == 0.5
    assert responsiveness_component(None, 172_800) == 0.5
    assert responsiveness_component(0, 172_800) == 0.75
    fast, slow_us, slow_them = (
        responsiveness_component(a, b) or 0.0
        for a, b in ((3_600, 3_600), (7_200, 3_600), (3_600, 7_200))
    )
    assert fast > slow_them > slow_us > 0  # an hour more of ours costs more than of theirs
    with pytest.raises(ValueError, match="negative"):
        responsiveness_component(-5, None)
