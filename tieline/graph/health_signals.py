"""Conversation signals as health-score components: each helper returns a 0–1 value.

Point in time: :func:`decayed_mean` only reads values dated at or before ``as_of``;
the other helpers take figures the caller has already cut at ``as_of``. The formulas
are in ``docs/health.md``.

>>> from tieline.graph.health import HealthModel, blend
>>> inputs = {"open_items": open_items_component([2.0, 9.0]),
...           "responsiveness": responsiveness_component(3_600, None)}
>>> blend(inputs, HealthModel(weights={"open_items": 1, "responsiveness": 1})).score
73.9
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

__all__ = [
    "decayed_mean",
    "engagement",
    "open_items_component",
    "responsiveness_component",
    "sentiment_component",
]


def decayed_mean(
    values: Iterable[tuple[datetime, float]], *, as_of: datetime, half_life_days: float = 14.0
) -> float | None:
    """Mean of the values dated at or before ``as_of``, weighted ``0.5 ** (age / half-life)``.

    >>> from datetime import timedelta, timezone
    >>> t = datetime(2026, 11, 15, tzinfo=timezone.utc)
    >>> round(decayed_mean([(t, 1.0), (t - timedelta(days=14), -1.0)], as_of=t), 3)
    0.333
    """
    if not half_life_days > 0:
        raise ValueError(f"half_life_days must be positive, got {half_life_days}")
    num = den = 0.0
    for when, value in values:
        if when <= as_of:
            w = 0.5 ** ((as_of - when).total_seconds() / 86400 / half_life_days)
            num, den = num + w * value, den + w
    return num / den if den > 0 else None


def sentiment_component(mean_score: float | None) -> float | None:
    """A sentiment score in −1…1 (e.g. a :func:`decayed_mean`) as 0–1: ``(s + 1) / 2``."""
    return None if mean_score is None else min(1.0, max(0.0, (mean_score + 1) / 2))


def engagement(
    recent_inbound: float,
    baseline_inbound: float,
    segment_baseline: float | None = None,
    *,
    own_share: float = 2 / 3,
) -> float | None:
    """Inbound volume against the account's own history (and its segment's), as 0–1.

    ``r = (recent / own) ** own_share × (recent / segment) ** (1 − own_share)`` — only the
    references above 0 take part — and the value is ``r / (1 + r)``: 0.5 at the usual
    volume, 2/3 at double, 1/3 at half, 0 when the account went silent. ``None`` when
    there is no reference at all (no history and no segment figure).

    >>> engagement(10, 10), round(engagement(20, 10), 3), engagement(0, 10), engagement(5, 0)
    (0.5, 0.667, 0.0, None)
    """
    if min(recent_inbound, baseline_inbound, segment_baseline or 0.0) < 0:
        raise ValueError("inbound volumes cannot be negative")
    refs = [(baseline_inbound, own_share), (segment_baseline or 0.0, 1 - own_share)]
    refs = [(b, s) for b, s in refs if b > 0 and s > 0]
    if not refs:
        return None
    total = sum(s for _, s in refs)
    r: float = math.prod((recent_inbound / b) ** (s / total) for b, s in refs)
    return r / (1 + r)


def open_items_component(
    ages_days: Sequence[float],
    *,
    overdue: int = 0,
    age_scale_days: float = 14.0,
    half_load: float = 3.0,
) -> float | None:
    """How well we keep up with what we owe, as 0–1: ``1 / (1 + load / half_load)``.

    Owing nothing is neutral, not a strength: then there is nothing to measure and the
    component is ``None`` (left out of the blend). Each item weighs
    ``1 + age / age_scale_days`` and each overdue one 1 more, so three fresh items, or
    one four weeks old, give 0.5; older and more items cost more.

    >>> open_items_component([]), open_items_component([0]), open_items_component([28])
    (None, 0.75, 0.5)
    """
    if any(a < 0 for a in ages_days) or overdue < 0:
        raise ValueError("ages and the overdue count cannot be negative")
    load = sum(1 + a / age_scale_days for a in ages_days) + overdue
    return None if load == 0 else 1 / (1 + load / half_load)


def responsiveness_component(
    ours_median_s: float | None,
    theirs_median_s: float | None,
    *,
    ours_half_s: float = 86_400.0,
    theirs_half_s: float = 172_800.0,
) -> float | None:
    """Median reply times of both sides as 0–1: the mean of ``1 / (1 + t / half)`` per side.

    Our replies score 0.5 at a day, the customer's at two; a side without replies is left
    out, and with neither the component is missing (``None``).

    >>> responsiveness_component(0, None), responsiveness_component(86_400, 172_800)
    (1.0, 0.5)
    """
    sides = [
        (t, h)
        for t, h in ((ours_median_s, ours_half_s), (theirs_median_s, theirs_half_s))
        if t is not None
    ]
    if any(t < 0 for t, _ in sides):
        raise ValueError("reply times cannot be negative")
    if not sides:
        return None
    return sum(1 / (1 + t / h) for t, h in sides) / len(sides)
