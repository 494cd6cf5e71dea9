"""Stated due dates in item sentences ("by Friday", "by EOD", "next week", "by March 3").

Relative expressions are resolved against the message's ``sent_at``, on its UTC calendar
date (the author's time zone is not known here). A due *day* is returned as the end of
that day, 23:59:59 UTC; periods ("this week", "next week", "end of the month") as the end
of their last working day (Friday) or last day. Without ``sent_at`` nothing is resolved:
even "March 3" needs a year.

>>> sent = datetime(2024, 3, 6, 15, 0, tzinfo=UTC)  # a Wednesday
>>> parse_due("Can you send it by Friday?", sent_at=sent)
datetime.datetime(2024, 3, 8, 23, 59, 59, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["parse_due"]

_END_OF_DAY = time(23, 59, 59)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (calendar.month_name[i].lower(), calendar.month_abbr[i].lower())
}
_MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "couple of": 2,
    "few": 3,
}

_TODAY = re.compile(
    r"\b(?:today|tonight|eod|e\.o\.d\.?|cob|close of business|end of (?:the )?day"
    r"|end of business|this (?:afternoon|evening|morning))\b",
    re.I,
)
_TOMORROW = re.compile(r"\b(?:tomorrow|tmrw|tomorow)\b", re.I)
_WEEKDAY = re.compile(
    r"\b(?:(next|this|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|mon|tues?|wed|thurs?|thu|fri)\b",
    re.I,
)
_WEEK = re.compile(
    r"\b(?:(?:by|before|until|at|for)\s+)?(?:the\s+)?(end of (?:the |this )?week"
    r"|this week|next week|end of next week|early next week)\b",
    re.I,
)
_MONTH_END = re.compile(
    r"\b(end of (?:the |this )?month|this month|next month|end of next month)\b", re.I
)
_QUARTER_END = re.compile(r"\bend of (?:the |this )?(?:quarter|q[1-4])\b", re.I)
_YEAR_END = re.compile(r"\bend of (?:the |this )?year\b", re.I)
_IN_N = re.compile(
    r"\b(?:in|within)\s+(?:the\s+next\s+)?(\d+|a|an|one|two|three|four|five|six|seven"
    r"|ten|a couple of|couple of|a few|few)\s+(business\s+|working\s+)?"
    r"(day|week|hour)s?\b",
    re.I,
)
_MONTH_DAY = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?)\b",
    re.I,
)
_NUMERIC = re.compile(
    r"\b(?:by|on|before|until|due|no later than)\s+(?:\w+day,?\s+)?"
    r"(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?)\b",
    re.I,
)


def _end(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY, tzinfo=UTC)


def _friday(day: date) -> date:
    """The Friday of ``day``'s working week (the next one from a weekend)."""
    return day + timedelta(days=4 - day.weekday() if day.weekday() <= 4 else 11 - day.weekday())


def _add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _month_last(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _future(day: date | None, today: date, explicit_year: bool) -> date | None:
    # "March 3" written in December means next March.
    if day is not None and not explicit_year and day < today - timedelta(days=7):
        return _safe_date(day.year + 1, day.month, day.day)
    return day


def _weekday_index(name: str) -> int:
    return next(i for i, full in enumerate(_WEEKDAYS) if full.startswith(name[:3].lower()))


def parse_due(text: str, *, sent_at: datetime | None) -> datetime | None:
    """The first stated due date in ``text``, as an aware UTC datetime, or ``None``."""
    if sent_at is None:
        return None
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    now = sent_at.astimezone(UTC)
    today = now.date()
    candidates: list[tuple[int, datetime]] = []

    def add(match: re.Match[str] | None, day: date | None) -> None:
        if match is not None and day is not None:
            candidates.append((match.start(), _end(day)))

    add(_TODAY.search(text), today)
    add(_TOMORROW.search(text), today + timedelta(days=1))
    if (m := _WEEKDAY.search(text)) is not None:
        ahead = (_weekday_index(m.group(2)) - today.weekday()) % 7
        if (m.group(1) or "").lower() == "next" and ahead == 0:
            ahead = 7
        add(m, today + timedelta(days=ahead))
    if (m := _WEEK.search(text)) is not None:
        phrase = m.group(1).lower()
        friday = _friday(today)
        add(m, friday + timedelta(days=7) if "next" in phrase else friday)
    if (m := _MONTH_END.search(text)) is not None:
        year, month = (today.year, today.month)
        if "next" in m.group(1).lower():
            year, month = (year + month // 12, month % 12 + 1)
        add(m, _month_last(year, month))
    if (m := _QUARTER_END.search(text)) is not None:
        q_end_month = ((today.month - 1) // 3 + 1) * 3
        add(m, _month_last(today.year, q_end_month))
    if (m := _YEAR_END.search(text)) is not None:
        add(m, date(today.year, 12, 31))
    if (m := _IN_N.search(text)) is not None:
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw.removeprefix("a ").strip(), 1)
        unit = m.group(3).lower()
        if unit == "hour":
            candidates.append((m.start(), now + timedelta(hours=n)))
        elif unit == "week":
            add(m, today + timedelta(weeks=n))
        else:
            add(m, _add_business_days(today, n) if m.group(2) else today + timedelta(days=n))
    if (m := _MONTH_DAY.search(text)) is not None:
        if m.group(1):
            month, day_s, year_s = _MONTHS[m.group(1).lower()], m.group(2), m.group(3)
        else:
            month, day_s, year_s = _MONTHS[m.group(5).lower()], m.group(4), m.group(6)
        found = _safe_date(int(year_s) if year_s else today.year, month, int(day_s))
        add(m, _future(found, today, explicit_year=bool(year_s)))
    if (m := _NUMERIC.search(text)) is not None:
        if m.group(1):
            found = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        else:  # US order, month/day
            year = int(m.group(6)) if m.group(6) else today.year
            year = year + 2000 if year < 100 else year
            found = _future(
                _safe_date(year, int(m.group(4)), int(m.group(5))),
                today,
                explicit_year=bool(m.group(6)),
            )
        add(m, found)
    return min(candidates)[1] if candidates else None
