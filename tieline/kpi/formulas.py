"""The vocabulary of the KPI maths: periods, inputs, results, thresholds and formatting.

Everything here is a frozen value object or a pure helper; the KPIs themselves
live in :mod:`tieline.kpi.revenue` (MRR ledger, NRR, GRR, MRR churn, portfolio
growth), :mod:`tieline.kpi.customers` (customer churn by four methods,
retention, renewal, expansion, CLTV, CAC, time to value) and
:mod:`tieline.kpi.surveys` (NPS, CSAT, CES). :func:`tieline.kpi.compute_all`
groups them per account, owner or workspace.

Money is ``float``. Inputs may carry :class:`~decimal.Decimal` amounts (what a
database ``NUMERIC`` column or a careful CSV reader returns); they are
converted once, when the movement is created. KPIs are ratios and display
figures, not ledger balances: a double holds any sum of cent amounts below
about 90 trillion exactly enough for that, and float arithmetic keeps the
10,000-account benchmark several times faster than ``Decimal``.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from tieline.errors import TielineError

__all__ = [
    "DEFAULT_SCALE",
    "MIN_ACCOUNTS",
    "MIN_MILESTONES",
    "MIN_NEW_CUSTOMERS",
    "MIN_RESPONSES",
    "AcquisitionSpend",
    "ChurnMethod",
    "KpiInputError",
    "KpiResult",
    "Milestone",
    "MovementKind",
    "MrrMovement",
    "Period",
    "RevenueChurn",
    "SurveyKind",
    "SurveyResponse",
    "Unit",
]

MIN_RESPONSES = 30
"""Survey KPIs (NPS, CSAT, CES) from fewer responses are marked ``small_sample``."""
MIN_ACCOUNTS = 10
"""Rates over fewer accounts in their denominator are marked ``small_sample``."""
MIN_NEW_CUSTOMERS = 10
"""CAC and payback from fewer new customers are marked ``small_sample``."""
MIN_MILESTONES = 10
"""Time to value from fewer reached milestones is marked ``small_sample``."""

Unit = Literal["%", "currency", "months", "score", "ratio", "days"]


class KpiInputError(TielineError, ValueError):
    """An input the KPI maths cannot use: a bad period string, a negative amount ..."""

    status_code = 422


# --------------------------------------------------------------------------- periods

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DAYS_PER_MONTH = 365.2425 / 12


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """An inclusive range of calendar days, ``start`` to ``end``.

    A customer "at the start" is one with MRR > 0 before any movement dated
    ``start``; "at the end" is after every movement dated ``end``.

    >>> Period.parse("2026-Q1")
    Period(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))
    >>> Period.parse("2026-02").days, str(Period.parse("2026-W05"))
    (28, '2026-W05')
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise KpiInputError(f"period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def day(cls, on: date) -> Period:
        """The single day ``on``."""
        return cls(on, on)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """A calendar month."""
        if not 1 <= month <= 12:
            raise KpiInputError(f"no month {month}")
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """A calendar quarter, 1 to 4."""
        if not 1 <= quarter <= 4:
            raise KpiInputError(f"no quarter {quarter}")
        first = 3 * quarter - 2
        return cls(date(year, first, 1), cls.month(year, first + 2).end)

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def iso_week(cls, year: int, week: int) -> Period:
        """An ISO 8601 week, Monday to Sunday."""
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError as exc:
            raise KpiInputError(f"no ISO week {year}-W{week:02d}") from exc
        return cls(monday, monday + timedelta(days=6))

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse "2026", "2026-Q1", "2026-03", "2026-W05", "2026-03-15" or "A..B"."""
        raw = text.strip()
        if ".." in raw:
            left, _, right = raw.partition("..")
            return cls(cls.parse(left).start, cls.parse(right).end)
        try:
            if m := _YEAR.match(raw):
                return cls.year(int(m[1]))
            if m := _QUARTER.match(raw):
                return cls.quarter(int(m[1]), int(m[2]))
            if m := _MONTH.match(raw):
                return cls.month(int(m[1]), int(m[2]))
            if m := _WEEK.match(raw):
                return cls.iso_week(int(m[1]), int(m[2]))
            if m := _DAY.match(raw):
                return cls.day(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError as exc:  # date() out of range
            raise KpiInputError(f"not a period: {text!r} ({exc})") from exc
        raise KpiInputError(
            f"not a period: {text!r} (expected 2026, 2026-Q1, 2026-03, 2026-W05, "
            "2026-03-15 or START..END)"
        )

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def months(self) -> float:
        """Length in months: whole calendar months exactly, otherwise days / 30.44."""
        s, e = self.start, self.end
        if s.day == 1 and e.day == calendar.monthrange(e.year, e.month)[1]:
            return float((e.year - s.year) * 12 + e.month - s.month + 1)
        return self.days / DAYS_PER_MONTH

    @property
    def label(self) -> str:
        """The shortest string :meth:`parse` turns back into this period."""
        s, e = self.start, self.end
        if s == e:
            return s.isoformat()
        if s.day == 1 and e == Period.month(e.year, e.month).end:
            if s.year == e.year and s.month == e.month:
                return f"{s.year}-{s.month:02d}"
            if s.year == e.year and s.month % 3 == 1 and e.month == s.month + 2:
                return f"{s.year}-Q{(s.month + 2) // 3}"
            if s.year == e.year and s.month == 1 and e.month == 12:
                return str(s.year)
        iso = s.isocalendar()
        if iso.weekday == 1 and (e - s).days == 6:
            return f"{iso.year}-W{iso.week:02d}"
        return f"{s.isoformat()}..{e.isoformat()}"

    def __str__(self) -> str:
        return self.label

    def __contains__(self, on: object) -> bool:
        return isinstance(on, date) and self.start <= on <= self.end

    def previous(self) -> Period:
        """The period of the same calendar shape (or length) just before this one."""
        before = self.start - timedelta(days=1)
        label = self.label
        if _MONTH.match(label):
            return Period.month(before.year, before.month)
        if _QUARTER.match(label):
            return Period.quarter(before.year, (before.month + 2) // 3)
        if _YEAR.match(label):
            return Period.year(before.year)
        return Period(self.start - timedelta(days=self.days), before)

    def split(self, unit: Literal["month", "quarter"]) -> list[Period]:
        """The calendar months or quarters overlapping this period, clipped to it."""
        out: list[Period] = []
        cur = self.start
        while cur <= self.end:
            whole = (
                Period.month(cur.year, cur.month)
                if unit == "month"
                else Period.quarter(cur.year, (cur.month + 2) // 3)
            )
            out.append(Period(max(whole.start, self.start), min(whole.end, self.end)))
            cur = whole.end + timedelta(days=1)
        return out


# --------------------------------------------------------------------------- inputs


class MovementKind(StrEnum):
    """What happened to an account's MRR.

    ``amount`` is a non-negative magnitude whose direction the kind gives,
    except ``RENEWED`` (the signed MRR change at renewal, usually 0) and
    ``RENEWAL_DUE`` (always 0). ``CHURN`` always closes the account at MRR 0,
    whatever its amount.
    """

    NEW = "new"
    EXPANSION = "expansion"
    UPSELL = "upsell"  # an upgrade to a higher tier or more seats
    CROSS_SELL = "cross_sell"
    ADD_ON = "add_on"
    CONTRACTION = "contraction"
    DOWNGRADE = "downgrade"
    CHURN = "churn"
    REACTIVATION = "reactivation"
    RENEWAL_DUE = "renewal_due"
    RENEWED = "renewed"


_POSITIVE = frozenset(
    {
        MovementKind.NEW,
        MovementKind.EXPANSION,
        MovementKind.UPSELL,
        MovementKind.CROSS_SELL,
        MovementKind.ADD_ON,
        MovementKind.REACTIVATION,
    }
)
_NEGATIVE = frozenset({MovementKind.CONTRACTION, MovementKind.DOWNGRADE, MovementKind.CHURN})


def _finite(value: float | Decimal | int, what: str) -> float:
    out = float(value)
    if not math.isfinite(out):
        raise KpiInputError(f"{what} must be a finite number, not {value!r}")
    return out


@dataclass(frozen=True, slots=True)
class MrrMovement:
    """One change to one account's monthly recurring revenue, on one day.

    ``amount`` accepts ``Decimal`` and is stored as ``float``. ``owner`` (the
    CSM) and ``workspace`` are optional; an account belongs to the owner named
    on its latest movement on or before a period's end.
    """

    account: str
    on: date
    kind: MovementKind
    amount: float | Decimal = 0.0
    owner: str | None = None
    workspace: str | None = None

    def __post_init__(self) -> None:
        kind = MovementKind(self.kind)
        amount = _finite(self.amount, f"{self.account} {kind} amount")
        if kind in _POSITIVE or kind in _NEGATIVE:
            if amount < 0:
                raise KpiInputError(
                    f"{self.account} {kind} on {self.on}: amount is a magnitude, "
                    f"got {amount} (the kind gives the direction)"
                )
        elif kind is MovementKind.RENEWAL_DUE and amount != 0:
            raise KpiInputError(f"{self.account} renewal_due on {self.on} carries no amount")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "amount", amount)

    @property
    def delta(self) -> float:
        """Signed MRR change as recorded (a churn's actual effect is "to zero")."""
        amount = float(self.amount)
        return -amount if self.kind in _NEGATIVE else amount


class SurveyKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"


DEFAULT_SCALE: dict[SurveyKind, int] = {SurveyKind.NPS: 10, SurveyKind.CSAT: 5, SurveyKind.CES: 7}
"""Scale maximum when a response gives none. NPS is always 0-10; CSAT and CES start at 1."""


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One survey answer. NPS is 0-10; CSAT 1-5 or 1-10; CES 1-``scale_max``, higher = easier."""

    account: str
    on: date
    kind: SurveyKind
    score: float
    scale_max: int | None = None

    def __post_init__(self) -> None:
        kind = SurveyKind(self.kind)
        scale = DEFAULT_SCALE[kind] if self.scale_max is None else int(self.scale_max)
        score = _finite(self.score, f"{kind} score")
        low = 0 if kind is SurveyKind.NPS else 1
        if kind is SurveyKind.NPS and scale != 10:
            raise KpiInputError(f"NPS is asked on a 0-10 scale, not 0-{scale}")
        if scale < 2:
            raise KpiInputError(f"{kind} scale must reach at least 2, not {scale}")
        if not low <= score <= scale:
            raise KpiInputError(f"{kind} score {score} outside {low}-{scale}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "scale_max", scale)
        object.__setattr__(self, "score", score)


@dataclass(frozen=True, slots=True)
class Milestone:
    """When an account started (signed, kicked off) and when it reached its value milestone."""

    account: str
    start: date
    reached: date | None = None
    name: str = "first value"

    def __post_init__(self) -> None:
        if self.reached is not None and self.reached < self.start:
            raise KpiInputError(f"{self.account} reached {self.name!r} before it started")


@dataclass(frozen=True, slots=True)
class AcquisitionSpend:
    """Sales and marketing spend booked on a day, optionally for one workspace."""

    on: date
    amount: float | Decimal
    workspace: str | None = None

    def __post_init__(self) -> None:
        amount = _finite(self.amount, "spend")
        if amount < 0:
            raise KpiInputError(f"spend on {self.on} is negative: {amount}")
        object.__setattr__(self, "amount", amount)


class ChurnMethod(StrEnum):
    """The four customer churn rates of seed 002 ("How to Calculate Your Customer Churn Rate")."""

    SIMPLE = "simple"  # churned / customers at start
    ADJUSTED = "adjusted"  # churned / midpoint of start and end customers
    PREDICTIVE = "predictive"  # Σ lost within a horizon / Σ customers, over the days
    DAILY_AVERAGE = "daily_average"  # churned / average daily customers ("up-to-date")


class RevenueChurn(StrEnum):
    GROSS = "gross"  # (churned + contraction) / start MRR
    NET = "net"  # (churned + contraction − expansion − reactivation) / start MRR


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class KpiResult:
    """One KPI for one period: its value, how it was computed, and how far to trust it.

    ``value`` is ``None`` when undefined (zero denominator, missing data);
    ``note`` then says why. Percentages are in percent (111.1, not 1.111).
    """

    name: str
    value: float | None
    unit: Unit
    period: Period
    formula: str
    components: dict[str, float] = field(default_factory=dict, hash=False, compare=True)
    sample_size: int = 0
    small_sample: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the period as its label and its dates)."""
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "formula": self.formula,
            "components": dict(self.components),
            "sample_size": self.sample_size,
            "small_sample": self.small_sample,
            "note": self.note,
        }


# --------------------------------------------------------------------------- formatting


def money(x: float) -> str:
    """27000.0 -> '27,000'; 85.5 -> '85.50'."""
    text = f"{x:,.2f}"
    if text == "-0.00":
        text = "0.00"
    return text[:-3] if text.endswith(".00") else text


def count(x: float) -> str:
    """A count or a count-like sum: 400.0 -> '400'; 11400.5 -> '11,400.5'."""
    return f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"


def ratio(numerator: float, denominator: float, scale: float = 100.0) -> float | None:
    """numerator / denominator × scale, or None when the denominator is zero."""
    return None if denominator == 0 else numerator * scale / denominator
