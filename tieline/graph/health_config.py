"""The ``[health]`` table of ``tieline.toml`` as :class:`~tieline.graph.health.HealthModel` s.

The format (weights, bands, point tables, ranges, per-segment models) is documented in
``docs/health.md``. Input is the plain dict ``tomllib`` produces; every mistake raises
``ValueError`` naming the TOML key.

>>> import tomllib
>>> cfg = config_from_mapping(tomllib.loads('''
... [health.weights]
... relationship = 2
... sentiment = 1
... [health.segments.enterprise.bands]
... red_below = 50
... green_from = 80
... ''')["health"])
>>> dict(cfg.for_segment("enterprise").weights), cfg.for_segment("enterprise").bands.red_below
({'relationship': 2.0, 'sentiment': 1.0}, 50.0)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from tieline.graph.health import (
    DEFAULT_MODEL,
    Bands,
    HealthConfig,
    HealthModel,
    PointTable,
    Range,
    Step,
)
from tieline.graph.health_rules import EventRule, Minimums

__all__ = ["config_from_mapping", "model_from_mapping"]

_T = TypeVar("_T")

_MODEL_KEYS = ("weights", "bands", "points", "ranges", "points_max", "minimums", "events")
_MINIMUMS = tuple(f.name for f in dataclasses.fields(Minimums))


def model_from_mapping(
    data: Mapping[str, Any], *, base: HealthModel = DEFAULT_MODEL, where: str = "health"
) -> HealthModel:
    """One model from a ``[health]``-shaped dict (as tomllib gives it) over ``base``.

    What is given replaces ``base``'s: the whole ``weights`` table, a band cut-point,
    ``points_max``, one component's point table or range (a point table drops that
    component's range and vice versa); everything else is inherited.

    >>> nps = [{"min": 0, "points": 10}]
    >>> m = model_from_mapping({"weights": {"nps": 1}, "points": {"nps": nps}})
    >>> dict(m.weights), m.convert("nps", 32), "nps" in m.ranges
    ({'nps': 1.0}, (1.0, 10.0), False)
    """
    _keys(data, _MODEL_KEYS, where)
    points, ranges = dict(base.points), dict(base.ranges)
    user_points = _table(data.get("points", {}), f"{where}.points")
    user_ranges = _table(data.get("ranges", {}), f"{where}.ranges")
    if both := sorted(set(user_points) & set(user_ranges)):
        raise ValueError(f"[{where}]: {', '.join(both)} has both a point table and a range")
    for name, rows in user_points.items():
        points[name] = _point_table(rows, f"{where}.points.{name}")
        ranges.pop(name, None)
    for name, spec in user_ranges.items():
        ranges[name] = _range(spec, f"{where}.ranges.{name}")
        points.pop(name, None)
    weights = dict(base.weights)
    if "weights" in data:
        table = _table(data["weights"], f"{where}.weights")
        weights = {n: _number(v, f"{where}.weights.{n}") for n, v in table.items()}
    bands = base.bands
    if "bands" in data:
        spec = _keys(data["bands"], ("red_below", "green_from"), f"{where}.bands")
        red = _number(spec.get("red_below", bands.red_below), f"{where}.bands.red_below")
        green = _number(spec.get("green_from", bands.green_from), f"{where}.bands.green_from")
        bands = _build(f"{where}.bands", lambda: Bands(red_below=red, green_from=green))
    points_max = base.points_max
    if "points_max" in data:
        points_max = _number(data["points_max"], f"{where}.points_max")
    minimums = base.minimums
    if "minimums" in data:
        spec = _keys(data["minimums"], _MINIMUMS, f"{where}.minimums")
        given = {k: _whole(v, f"{where}.minimums.{k}") for k, v in spec.items()}
        minimums = _build(f"{where}.minimums", lambda: dataclasses.replace(base.minimums, **given))
    events = dict(base.events)
    if "events" in data:
        rules = _keys(data["events"], tuple(base.events), f"{where}.events")
        for name, spec in rules.items():
            events[name] = _event_rule(spec, events[name], f"{where}.events.{name}")
    return _build(
        where,
        lambda: HealthModel(
            weights=weights,
            bands=bands,
            points=points,
            ranges=ranges,
            points_max=points_max,
            minimums=minimums,
            events=events,
        ),
    )


def config_from_mapping(data: Mapping[str, Any]) -> HealthConfig:
    """The ``[health]`` table, with ``[health.segments.<name>]`` models over the default."""
    data = dict(data)
    segments = _table(data.pop("segments", {}), "health.segments")
    default = model_from_mapping(data)
    return HealthConfig(
        default=default,
        segments={
            name: model_from_mapping(
                _table(spec, f"health.segments.{name}"),
                base=default,
                where=f"health.segments.{name}",
            )
            for name, spec in segments.items()
        },
    )


def _build(where: str, make: Callable[[], _T]) -> _T:
    try:
        return make()
    except ValueError as e:
        raise ValueError(f"[{where}]: {e}") from e


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"[{where}] must be a table, got {type(value).__name__}")
    return dict(value)


def _keys(value: Any, allowed: Sequence[str], where: str) -> dict[str, Any]:
    table = _table(value, where)
    if unknown := sorted(set(table) - set(allowed)):
        raise ValueError(
            f"[{where}]: unknown key(s) {', '.join(unknown)}; expected {', '.join(allowed)}"
        )
    return table


def _number(value: Any, where: str, *, allow_inf: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where} must be a number, got {value!r}")
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be a whole number, got {value!r}")
    return value


def _event_rule(spec: Any, base: EventRule, where: str) -> EventRule:
    table = _keys(spec, ("points", "cap"), where)
    points = _number(table.get("points", base.points), f"{where}.points")
    cap = base.cap
    if "cap" in table:  # cap = false removes the cap
        cap = None if table["cap"] is False else _number(table["cap"], f"{where}.cap")
    return _build(where, lambda: EventRule(points=points, cap=cap))


def _point_table(rows: Any, where: str) -> PointTable:
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{where} must be a non-empty array of tables ([[{where}]])")
    steps = []
    for i, row in enumerate(rows):
        spec = _keys(row, ("min", "points"), f"{where}[{i}]")
        if set(spec) != {"min", "points"}:
            raise ValueError(f"[{where}[{i}]] needs both min and points")
        steps.append(
            Step(
                min=_number(spec["min"], f"{where}[{i}].min", allow_inf=True),
                points=_number(spec["points"], f"{where}[{i}].points"),
            )
        )
    return _build(where, lambda: PointTable(steps=tuple(steps)))


def _range(spec: Any, where: str) -> Range:
    table = _keys(spec, ("low", "high", "higher_is_better"), where)
    if "low" not in table or "high" not in table:
        raise ValueError(f"[{where}] needs low and high")
    better = table.get("higher_is_better", True)
    if not isinstance(better, bool):
        raise ValueError(f"{where}.higher_is_better must be true or false, got {better!r}")
    low, high = _number(table["low"], f"{where}.low"), _number(table["high"], f"{where}.high")
    return _build(where, lambda: Range(low=low, high=high, higher_is_better=better))
