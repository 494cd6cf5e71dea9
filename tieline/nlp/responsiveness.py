"""Responsiveness: time to first reply from the other side, and summaries of it (issue #3).

Pure maths on hand-built :class:`Turn` values; connectors or the service layer turn
messages into turns (which side, which person, which account, which thread).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "BusinessHours",
    "DirectionStats",
    "Latency",
    "Summary",
    "Turn",
    "business_seconds",
    "reply_latencies",
    "summarize",
]

Side = Literal["us", "them"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One message as responsiveness sees it.

    ``at`` must be timezone-aware. ``in_reply_to`` is the key of the message this one
    explicitly answers (a reply link from the source), when the source has one.
    ``account`` is the counterpart account the thread is with (set it on both sides'
    turns to get per-account figures in both directions).
    """

    key: str
    thread: str
    at: datetime
    side: Side
    person: str
    account: str | None = None
    in_reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Latency:
    """Which message first answered this one and after how long (``None`` when unanswered)."""

    answered_by: str | None
    seconds: float | None
    business_seconds: float | None


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Working time: ``start``-``end`` local time in ``tz`` on ``workdays`` (0 = Monday)."""

    tz: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})


def business_seconds(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Seconds of working time between two aware datetimes (0.0 if ``end <= start``).

    Each working day's window is built in local time with ``zoneinfo`` and measured in
    UTC, so a window containing a DST change counts its real length.

    >>> h = BusinessHours()
    >>> business_seconds(datetime(2024, 1, 5, 16, tzinfo=UTC),
    ...                  datetime(2024, 1, 8, 10, tzinfo=UTC), h)  # Fri 16:00 -> Mon 10:00
    7200.0
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business_seconds needs timezone-aware datetimes")
    if end <= start:
        return 0.0
    zone = ZoneInfo(hours.tz)
    a, b = start.astimezone(UTC), end.astimezone(UTC)
    day: date = start.astimezone(zone).date()
    last: date = end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        if day.weekday() in hours.workdays:
            w0 = datetime.combine(day, hours.start, zone).astimezone(UTC)
            w1 = datetime.combine(day, hours.end, zone).astimezone(UTC)
            lo, hi = max(a, w0), min(b, w1)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def _latency(asked: Turn, reply: Turn, business: BusinessHours | None) -> Latency:
    seconds = (reply.at.astimezone(UTC) - asked.at.astimezone(UTC)).total_seconds()
    biz = business_seconds(asked.at, reply.at, business) if business is not None else None
    return Latency(answered_by=reply.key, seconds=seconds, business_seconds=biz)


def reply_latencies(
    turns: Iterable[Turn], *, business: BusinessHours | None = None
) -> dict[str, Latency]:
    """Map each turn's key to its first answer from the other side of the same thread.

    Turns are taken in time order within each thread (input order breaks ties). A turn
    with ``in_reply_to`` is an explicit reply: it answers exactly that turn, and only
    if the target is in the same thread, on the other side, not later and not yet
    answered (explicit links win; the reply answers nothing otherwise). A turn without
    it answers every earlier unanswered turn of the other side in the thread (one
    reply covers stacked questions). Same-side follow-ups never answer. With
    ``business`` the latency is also measured in working time.

    >>> t0 = datetime(2024, 1, 8, 9, tzinfo=UTC)
    >>> turns = [
    ...     Turn("q1", "t", t0, "them", "ann"),
    ...     Turn("q2", "t", t0 + timedelta(minutes=5), "them", "ann"),
    ...     Turn("a1", "t", t0 + timedelta(hours=1), "us", "bob"),
    ... ]
    >>> lat = reply_latencies(turns)
    >>> lat["q1"].answered_by, lat["q1"].seconds, lat["q2"].seconds
    ('a1', 3600.0, 3300.0)
    >>> lat["a1"].answered_by is None
    True
    """
    threads: dict[str, list[tuple[int, Turn]]] = defaultdict(list)
    for i, turn in enumerate(turns):
        if turn.at.tzinfo is None:
            raise ValueError(f"turn {turn.key!r} has a naive timestamp")
        threads[turn.thread].append((i, turn))
    out: dict[str, Latency] = {}
    for members in threads.values():
        members.sort(key=lambda it: (it[1].at.astimezone(UTC), it[0]))
        by_key = {t.key: t for _, t in members}
        answers: dict[str, Turn] = {}
        pending: dict[Side, list[Turn]] = {"us": [], "them": []}
        for _, turn in members:
            other: Side = "them" if turn.side == "us" else "us"
            if turn.key not in answers:
                pending[turn.side].append(turn)
            if turn.in_reply_to is not None:
                target = by_key.get(turn.in_reply_to)
                if (
                    target is not None
                    and target.side == other
                    and target.at <= turn.at
                    and target.key not in answers
                ):
                    answers[target.key] = turn
                    if target in pending[other]:
                        pending[other].remove(target)
            else:
                for asked in pending[other]:
                    answers[asked.key] = turn
                pending[other] = []
        for _, turn in members:
            reply = answers.get(turn.key)
            out[turn.key] = (
                _latency(turn, reply, business)
                if reply is not None
                else Latency(answered_by=None, seconds=None, business_seconds=None)
            )
    return out


@dataclass(frozen=True, slots=True)
class DirectionStats:
    """Latency figures for one direction; seconds are ``None`` when nothing was answered.

    ``trend_seconds`` = median of the last 30 days minus the median of the 30 days
    before (positive = slower), measured back from the newest turn; ``None`` when either
    window has no answered message.
    """

    count: int
    answered: int
    response_rate: float | None
    median_seconds: float | None
    p90_seconds: float | None
    median_business_seconds: float | None
    p90_business_seconds: float | None
    trend_seconds: float | None


@dataclass(frozen=True, slots=True)
class Summary:
    """``ours``: how fast we answer them; ``theirs``: how fast they answer us."""

    key: str
    ours: DirectionStats
    theirs: DirectionStats


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _stats(items: list[tuple[Turn, Latency]], now: datetime | None) -> DirectionStats:
    secs = [lat.seconds for _, lat in items if lat.seconds is not None]
    biz = [lat.business_seconds for _, lat in items if lat.business_seconds is not None]
    trend: float | None = None
    if now is not None:
        recent = [
            lat.seconds
            for t, lat in items
            if lat.seconds is not None and now - t.at <= timedelta(days=30)
        ]
        before = [
            lat.seconds
            for t, lat in items
            if lat.seconds is not None and timedelta(days=30) < now - t.at <= timedelta(days=60)
        ]
        if recent and before:
            trend = statistics.median(recent) - statistics.median(before)
    return DirectionStats(
        count=len(items),
        answered=len(secs),
        response_rate=len(secs) / len(items) if items else None,
        median_seconds=_median(secs),
        p90_seconds=_p90(secs) if secs else None,
        median_business_seconds=_median(biz),
        p90_business_seconds=_p90(biz) if biz else None,
        trend_seconds=trend,
    )


def summarize(
    turns: Iterable[Turn],
    latencies: Mapping[str, Latency],
    *,
    by: Literal["person", "account"],
) -> dict[str, Summary]:
    """Per person or account: response figures for both directions.

    Each turn counts once, under its author's ``person`` (or its ``account``; turns
    without one are skipped): a turn from *them* goes to ``ours`` (how fast we answered
    it), a turn from *us* to ``theirs``. So per account both directions fill in, while
    a person usually has one: customers get ``ours``, colleagues ``theirs``.

    >>> t0 = datetime(2024, 1, 8, 9, tzinfo=UTC)
    >>> turns = [Turn("q", "t", t0, "them", "ann", "acme"),
    ...          Turn("a", "t", t0 + timedelta(minutes=10), "us", "bob", "acme")]
    >>> s = summarize(turns, reply_latencies(turns), by="account")["acme"]
    >>> s.ours.median_seconds, s.ours.response_rate, s.theirs.response_rate
    (600.0, 1.0, 0.0)
    """
    groups: dict[str, dict[Side, list[tuple[Turn, Latency]]]] = {}
    now: datetime | None = None
    for turn in turns:
        key = turn.person if by == "person" else turn.account
        latency = latencies.get(turn.key)
        if key is None or latency is None:
            continue
        now = turn.at if now is None or turn.at > now else now
        groups.setdefault(key, {"us": [], "them": []})[turn.side].append((turn, latency))
    return {
        key: Summary(key=key, ours=_stats(g["them"], now), theirs=_stats(g["us"], now))
        for key, g in groups.items()
    }
