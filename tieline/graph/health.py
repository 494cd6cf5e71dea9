"""Customer health score: a weighted blend of 0–1 components that explains itself.

Pure maths, no I/O. Each component's raw input becomes a value in 0–1: directly
(our own signals), through a :class:`Range` (NRR, NPS, CSAT) or through a
:class:`PointTable` (the seed's "health points"). Present components share 100 %
of the weight in proportion to their configured weights, so a missing one hands
its weight to the others. Signals become components in :mod:`tieline.graph.health_signals`,
the TOML config becomes models in :mod:`tieline.graph.health_config`; formulas, defaults
and the TOML format are in ``docs/health.md``.

Evidence first: the caller leaves out a component without enough data (``left_out``
says why), gives lifecycle ``events`` that move the blended score (points, caps; see
:mod:`tieline.graph.health_rules`), and an account without two-way conversation gets
:func:`unknown` instead of a score.

>>> model = HealthModel(weights={"sentiment": 20, "engagement": 20, "relationship": 60})
>>> h = blend({"sentiment": 0.9, "engagement": None, "relationship": 0.25}, model)
>>> h.score, h.band.value, h.missing, h.components["relationship"].share
(41.2, 'yellow', ('engagement',), 75.0)
>>> h.reasons[0].text
'Relationship strength pulls the score down (-18.8): 25/100'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tieline.graph.health_rules import (
    DEFAULT_EVENT_RULES,
    EventEffect,
    EventRule,
    Evidence,
    Minimums,
)

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_RANGES",
    "DEFAULT_WEIGHTS",
    "LABELS",
    "Band",
    "Bands",
    "ComponentScore",
    "Health",
    "HealthConfig",
    "HealthModel",
    "PointTable",
    "Range",
    "Reason",
    "Step",
    "band_changed",
    "blend",
    "unknown",
    "with_trend",
]

# Relationship strength carries the most: a single-threaded or cooling relationship is
# the churn signal conversations show best. External metrics weigh 0 until configured.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "sentiment": 20.0,
        "engagement": 20.0,
        "open_items": 15.0,
        "responsiveness": 15.0,
        "relationship": 30.0,
    }
)

LABELS: Mapping[str, str] = MappingProxyType(
    {
        "sentiment": "sentiment",
        "engagement": "engagement",
        "open_items": "open items owed by us",
        "responsiveness": "responsiveness",
        "relationship": "relationship strength",
        "nps": "NPS",
        "csat": "CSAT",
        "nrr": "NRR",
        "usage": "product usage",
        "usage_rate": "product usage rate",
        "setup_rate": "product setup rate",
        "csm_pulse": "CSM pulse",
    }
)

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
# Events together move the blend at most this far (caps still apply): several bad
# events make an account red, not a zero that hides how far it has to go.
EVENTS_DOWN_MAX = -35.0
EVENTS_UP_MAX = 15.0


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    UNKNOWN = "unknown"  # too little conversation to say


@dataclass(frozen=True, slots=True)
class Bands:
    """Cut-points on the 0–100 score: red below ``red_below``, green from ``green_from`` on.

    >>> [Bands().band(s).value for s in (39.9, 40, 69.9, 70)]
    ['red', 'yellow', 'yellow', 'green']
    """

    red_below: float = 40.0
    green_from: float = 70.0

    def __post_init__(self) -> None:
        if not 0 <= self.red_below <= self.green_from <= 100:
            raise ValueError(
                f"bands need 0 <= red_below <= green_from <= 100, got red_below="
                f"{self.red_below}, green_from={self.green_from}"
            )

    def band(self, score: float) -> Band:
        """The band of a 0–100 score."""
        if score < self.red_below:
            return Band.RED
        return Band.GREEN if score >= self.green_from else Band.YELLOW


@dataclass(frozen=True, slots=True)
class Range:
    """A clamped linear map onto 0–1: ``low`` → 0, ``high`` → 1 (reversed if lower is better).

    >>> Range(low=80, high=120).value(110), Range(low=0, high=10, higher_is_better=False).value(2)
    (0.75, 0.8)
    """

    low: float
    high: float
    higher_is_better: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(
                f"a range needs finite low < high, got low={self.low}, high={self.high}"
            )

    def value(self, raw: float) -> float:
        """``raw`` mapped onto 0–1."""
        v = min(1.0, max(0.0, (raw - self.low) / (self.high - self.low)))
        return v if self.higher_is_better else 1.0 - v


@dataclass(frozen=True, slots=True)
class Step:
    """One row of a point table: a raw value of at least ``min`` earns ``points``."""

    min: float
    points: float


@dataclass(frozen=True, slots=True)
class PointTable:
    """Thresholds to points; steps run from the highest ``min`` down, below all of them: 0.

    >>> t = PointTable(steps=(Step(min=80, points=10), Step(min=50, points=5)))
    >>> t.points_for(80), t.points_for(79.9), t.points_for(10)
    (10.0, 5.0, 0.0)
    """

    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError("a point table needs at least one step")
        mins = [s.min for s in self.steps]
        if any(math.isnan(m) for m in mins) or any(
            a <= b for a, b in zip(mins, mins[1:], strict=False)
        ):
            raise ValueError(f"point table steps must run from the highest min down, got {mins}")
        if any(not math.isfinite(s.points) or s.points < 0 for s in self.steps):
            raise ValueError("point table points must be finite and not negative")

    def points_for(self, raw: float) -> float:
        """The points ``raw`` earns."""
        return next((float(s.points) for s in self.steps if raw >= s.min), 0.0)


@dataclass(frozen=True, slots=True)
class HealthModel:
    """Weights (any positive scale, normalised to 100), bands, and raw → 0–1 conversions.

    A component with a point table scores ``points / points_max``; one with a range
    scores its clamped position in it; any other component's input must already be 0–1.
    """

    weights: Mapping[str, float]
    bands: Bands = field(default_factory=Bands)
    points: Mapping[str, PointTable] = field(default_factory=dict)
    ranges: Mapping[str, Range] = field(default_factory=dict)
    points_max: float = 10.0
    minimums: Minimums = field(default_factory=Minimums)
    events: Mapping[str, EventRule] = field(default_factory=lambda: DEFAULT_EVENT_RULES)

    def __post_init__(self) -> None:
        if unknown_rules := sorted(set(self.events) - set(DEFAULT_EVENT_RULES)):
            raise ValueError(
                f"unknown event rule(s) {', '.join(unknown_rules)}; "
                f"expected {', '.join(DEFAULT_EVENT_RULES)}"
            )
        object.__setattr__(self, "events", MappingProxyType({**DEFAULT_EVENT_RULES, **self.events}))
        for name in (*self.weights, *self.points, *self.ranges):
            if not _NAME.match(name):
                raise ValueError(f"component name {name!r} must be lower_snake_case")
        for name, w in self.weights.items():
            if not math.isfinite(w) or w < 0:
                raise ValueError(f"weight of {name} must be a finite number >= 0, got {w}")
        if not any(w > 0 for w in self.weights.values()):
            raise ValueError("at least one component needs a positive weight")
        if not (math.isfinite(self.points_max) and self.points_max > 0):
            raise ValueError(f"points_max must be a positive number, got {self.points_max}")
        for name, table in self.points.items():
            if any(s.points > self.points_max for s in table.steps):
                raise ValueError(f"points of {name} exceed points_max = {self.points_max}")
        if both := sorted(set(self.points) & set(self.ranges)):
            raise ValueError(f"{', '.join(both)}: give a point table or a range, not both")
        weights = {n: float(w) for n, w in self.weights.items()}
        object.__setattr__(self, "weights", MappingProxyType(weights))
        for attr in ("points", "ranges"):
            object.__setattr__(self, attr, MappingProxyType(dict(getattr(self, attr))))

    def convert(self, name: str, raw: float) -> tuple[float, float | None]:
        """``raw`` as a 0–1 value, and the points it earned when a point table was used."""
        if name in self.points:
            points = self.points[name].points_for(raw)
            return points / self.points_max, points
        if name in self.ranges:
            return self.ranges[name].value(raw), None
        if not 0 <= raw <= 1:
            raise ValueError(
                f"{name} = {raw} is not in 0–1: give it a point table or a range "
                "in the health config"
            )
        return float(raw), None


DEFAULT_RANGES: Mapping[str, Range] = MappingProxyType(
    {
        "nps": Range(low=-100, high=100),
        "csat": Range(low=0, high=100),
        "nrr": Range(low=80, high=120),
        "setup_rate": Range(low=0, high=100),
    }
)

DEFAULT_MODEL = HealthModel(weights=DEFAULT_WEIGHTS, ranges=DEFAULT_RANGES)


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """A workspace's default model and its per-segment models."""

    default: HealthModel = DEFAULT_MODEL
    segments: Mapping[str, HealthModel] = field(default_factory=dict)

    def for_segment(self, segment: str | None) -> HealthModel:
        """The segment's model; the default for no segment or one without its own model."""
        return self.segments.get(segment, self.default) if segment else self.default


@dataclass(frozen=True, slots=True)
class ComponentScore:
    """One component's part in a score: ``contribution = share × value`` (score points)."""

    name: str
    raw: float  # the input as given (a rate, an NPS, or already 0–1)
    value: float  # 0–1
    weight: float  # as configured
    share: float  # effective weight in % after redistribution over present components
    contribution: float  # points of the 0–100 score
    points: float | None = None  # set when a point table converted ``raw``
    note: str = ""  # the caller's evidence, e.g. "4 open, oldest 12 days"
    evidence: Evidence | None = None  # the data behind it: messages, people, days

    @property
    def pull(self) -> float:
        """Score points this component adds (>0) or costs (<0) against a neutral 0.5."""
        return self.share * (self.value - 0.5)


@dataclass(frozen=True, slots=True)
class Reason:
    """A component that moves the score, phrased for a CSM."""

    component: str
    pull: float
    text: str


@dataclass(frozen=True, slots=True)
class Health:
    """A 0–100 score with its parts; ``score`` ``None`` when there is nothing to blend
    (band ``None``) or too little conversation (band ``unknown``, the reason first)."""

    score: float | None
    band: Band | None
    components: Mapping[str, ComponentScore]
    missing: tuple[str, ...] = ()  # weighted components without an input
    ignored: tuple[str, ...] = ()  # inputs given for components the model does not weigh
    reasons: tuple[Reason, ...] = ()
    raw_mean: float | None = None  # unweighted mean of the values × 100 (the seed's "raw")
    trend: float | None = None  # score − previous score; see :func:`with_trend`
    base_score: float | None = None  # the blend before lifecycle events
    events: tuple[EventEffect, ...] = ()
    left_out: Mapping[str, str] = field(default_factory=dict)  # component: why (no data ...)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "score": self.score,
            "band": self.band.value if self.band else None,
            "trend": self.trend,
            "raw_mean": self.raw_mean,
            "base_score": self.base_score,
            "missing": list(self.missing),
            "ignored": list(self.ignored),
            "left_out": dict(self.left_out),
            "events": [e.to_dict() for e in self.events],
            "components": {
                n: {
                    f.name: (
                        getattr(c, f.name).to_dict()
                        if f.name == "evidence" and c.evidence is not None
                        else getattr(c, f.name)
                    )
                    for f in fields(c)
                    if f.name != "name"
                }
                for n, c in self.components.items()
            },
            "reasons": [
                {"component": r.component, "pull": r.pull, "text": r.text} for r in self.reasons
            ],
        }


def blend(
    inputs: Mapping[str, float | None],
    model: HealthModel,
    *,
    notes: Mapping[str, str] | None = None,
    evidence: Mapping[str, Evidence] | None = None,
    left_out: Mapping[str, str] | None = None,
    events: tuple[EventEffect, ...] = (),
    max_reasons: int = 3,
) -> Health:
    """Blend component inputs into a health score, redistributing missing weight.

    ``events`` then add their points to the blend and cap it (lowest cap wins); the
    band is that of the final score. ``left_out`` (component: why) is reported as is.

    >>> m = HealthModel(weights={"a": 50, "b": 30, "c": 20})
    >>> h = blend({"a": 1.0, "b": 0.5, "c": None, "x": 0.1}, m)
    >>> h.score, h.components["a"].share, h.missing, h.ignored
    (81.2, 62.5, ('c',), ('x',))
    """
    notes, evidence = notes or {}, evidence or {}
    present: dict[str, float] = {}
    for name, raw in inputs.items():
        if raw is not None and not math.isfinite(raw):
            raise ValueError(f"{name} = {raw} is not a finite number")
    for name, w in model.weights.items():
        if w > 0 and (raw := inputs.get(name)) is not None:
            present[name] = float(raw)
    missing = tuple(n for n, w in model.weights.items() if w > 0 and n not in present)
    ignored = tuple(sorted(n for n, r in inputs.items() if r is not None and n not in present))
    left = MappingProxyType(dict(left_out or {}))
    if not present:
        return Health(
            score=None,
            band=None,
            components={},
            missing=missing,
            ignored=ignored,
            events=events,
            left_out=left,
        )
    total = sum(model.weights[n] for n in present)
    components: dict[str, ComponentScore] = {}
    for name, raw in present.items():
        value, points = model.convert(name, raw)
        share = model.weights[name] / total * 100
        components[name] = ComponentScore(
            name=name,
            raw=raw,
            value=value,
            weight=model.weights[name],
            share=share,
            contribution=share * value,
            points=points,
            note=notes.get(name, ""),
            evidence=evidence.get(name),
        )
    base = round(sum(c.contribution for c in components.values()), 1)
    down = max(EVENTS_DOWN_MAX, sum(e.points for e in events if e.points < 0))
    up = min(EVENTS_UP_MAX, sum(e.points for e in events if e.points > 0))
    score = min(100.0, max(0.0, base + down + up))
    caps = [e.cap for e in events if e.cap is not None]
    score = round(min([score, *caps]), 1)
    band = model.bands.band(score)
    raw_mean = round(100 * sum(c.value for c in components.values()) / len(components), 1)
    event_reasons = tuple(
        Reason(component=f"event:{e.rule}", pull=e.points, text=e.text)
        for e in sorted(events, key=lambda e: (e.cap is None, -abs(e.points)))
    )
    return Health(
        score=score,
        band=band,
        components=MappingProxyType(components),
        missing=missing,
        ignored=ignored,
        reasons=event_reasons + _reasons(components, band, model, max_reasons),
        raw_mean=raw_mean,
        base_score=base,
        events=events,
        left_out=left,
    )


def unknown(
    reason: str, *, left_out: Mapping[str, str] | None = None, component: str = "conversation"
) -> Health:
    """Band ``unknown``: too little evidence to score, and the reason why (never red).

    >>> h = unknown("1 message from them, none from us (needs 2 and 1)")
    >>> h.score, h.band.value, h.reasons[0].text[:48]
    (None, 'unknown', 'Not enough conversation to score: 1 message from')
    """
    return Health(
        score=None,
        band=Band.UNKNOWN,
        components={},
        reasons=(
            Reason(
                component=component, pull=0.0, text=f"Not enough conversation to score: {reason}"
            ),
        ),
        left_out=MappingProxyType(dict(left_out or {})),
    )


def _reasons(
    components: Mapping[str, ComponentScore], band: Band, model: HealthModel, limit: int
) -> tuple[Reason, ...]:
    # Lead with what explains the band: a green account's strengths, anyone else's risks.
    moving = [c for c in components.values() if abs(c.pull) >= 0.05]
    down = sorted((c for c in moving if c.pull < 0), key=lambda c: c.pull)
    up = sorted((c for c in moving if c.pull > 0), key=lambda c: -c.pull)
    ordered = up + down if band is Band.GREEN else down + up
    return tuple(
        Reason(component=c.name, pull=round(c.pull, 1), text=_reason_text(c, model))
        for c in ordered[: max(limit, 0)]
    )


def _reason_text(c: ComponentScore, model: HealthModel) -> str:
    label = LABELS.get(c.name, c.name.replace("_", " "))
    way = "up" if c.pull > 0 else "down"
    if c.note:
        evidence = c.note
    elif c.points is not None:
        evidence = f"{_num(c.raw)} → {_num(c.points)}/{_num(model.points_max)} points"
    elif c.name in model.ranges:
        r = model.ranges[c.name]
        evidence = f"{_num(c.raw)} on a {_num(r.low)} to {_num(r.high)} scale"
    else:
        evidence = f"{round(c.value * 100)}/100"
    return f"{label[0].upper()}{label[1:]} pulls the score {way} ({c.pull:+.1f}): {evidence}"


def _num(x: float) -> str:
    return f"{x:g}"


def with_trend(current: Health, previous: Health | None) -> Health:
    """``current`` with ``trend = current.score − previous.score`` (``None`` without both)."""
    if previous is None or previous.score is None or current.score is None:
        return replace(current, trend=None)
    return replace(current, trend=round(current.score - previous.score, 1))


def band_changed(current: Health, previous: Health | None) -> tuple[Band, Band] | None:
    """``(before, after)`` when the band moved, e.g. for an "account turned red" alert.

    ``unknown`` is no band to move from or to: gaining or losing evidence is not news.
    """
    if previous is None or previous.band is None or current.band is None:
        return None
    if Band.UNKNOWN in (previous.band, current.band):
        return None
    return None if previous.band is current.band else (previous.band, current.band)
