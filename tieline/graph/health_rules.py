"""What a health score needs before it speaks, and what lifecycle events do to it.

:class:`Minimums` is the evidence a component (and the account as a whole) needs;
below it the component is *insufficient data* and stays out of the blend, and an
account without two-way conversation gets band ``unknown``. :class:`EventRule` is
how many score points an event moves and the highest score it allows; the events
themselves are found in :mod:`tieline.graph.health_events`. Every number is documented
in ``docs/health.md`` and can be set under ``[health.minimums]`` and
``[health.events.<rule>]``.

>>> DEFAULT_EVENT_RULES["churn_notice"]
EventRule(points=-25.0, cap=35.0)
>>> Evidence(messages=4, people=2, days=31.5).text()
'4 messages from 2 people over 32 days'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "DEFAULT_EVENT_RULES",
    "EVENT_LABELS",
    "EventEffect",
    "EventRule",
    "Evidence",
    "Minimums",
]


@dataclass(frozen=True, slots=True)
class Minimums:
    """The least evidence each part of the score needs (counts up to the scoring date).

    ``inbound`` / ``outbound``: human messages from the account's people to us, and ours
    to them; both are needed (two-way conversation) for any conversation component and
    for the band. ``sentiment``: scored customer messages in the last 90 days.
    ``engagement_days``: days since the account first wrote (a baseline to compare
    with). ``replies``: measured reply times (either side) in the last 90 days.
    """

    inbound: int = 2
    outbound: int = 1
    sentiment: int = 3
    engagement_days: int = 60
    replies: int = 2
    components: int = 2

    def __post_init__(self) -> None:
        for f in ("inbound", "outbound", "sentiment", "engagement_days", "replies", "components"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"minimum {f} must be a whole number >= 0, got {v!r}")


@dataclass(frozen=True, slots=True)
class EventRule:
    """What an event does to the blended score: add ``points``, then allow at most ``cap``."""

    points: float = 0.0
    cap: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.points) or abs(self.points) > 100:
            raise ValueError(f"event points must be finite, within ±100, got {self.points}")
        if self.cap is not None and not 0 <= self.cap <= 100:
            raise ValueError(f"an event cap must lie in 0–100, got {self.cap}")


# Down hard for what predicts churn, up a little for what predicts growth: a happy
# account is already green from its conversation, a churning one must not hide in yellow.
DEFAULT_EVENT_RULES: Mapping[str, EventRule] = MappingProxyType(
    {
        "churn_notice": EventRule(points=-25.0, cap=35.0),
        "departed_champion": EventRule(points=-20.0),
        "gone_dark": EventRule(points=-20.0),
        "unanswered_escalation": EventRule(points=-12.0),
        "expansion": EventRule(points=10.0),
        "executive_engagement": EventRule(points=5.0),
    }
)

EVENT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "churn_notice": "Churn notice",
        "departed_champion": "Champion departed",
        "gone_dark": "Gone dark",
        "unanswered_escalation": "Unanswered escalation",
        "expansion": "Expansion",
        "executive_engagement": "Executive engagement",
    }
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The data behind one component: messages, distinct people, days they span."""

    messages: int
    people: int
    days: float

    def text(self) -> str:
        """``"4 messages from 2 people over 32 days"``."""
        s = "" if self.messages == 1 else "s"
        p = "person" if self.people == 1 else "people"
        return f"{self.messages} message{s} from {self.people} {p} over {self.days:.0f} days"

    def to_dict(self) -> dict[str, Any]:
        return {"messages": self.messages, "people": self.people, "days": round(self.days, 1)}


@dataclass(frozen=True, slots=True)
class EventEffect:
    """One event's effect on a score: its rule, points, cap, the sentence and the facts."""

    rule: str
    points: float
    cap: float | None
    text: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "points": self.points,
            "cap": self.cap,
            "text": self.text,
            "evidence": dict(self.evidence),
        }
