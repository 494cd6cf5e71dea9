from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tieline.nlp.responsiveness import (
    BusinessHours,
    Latency,
    Turn,
    business_seconds,
    reply_latencies,
    summarize,
)

T0 = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)  # a Monday


def turn(
    key: str,
    minutes: float,
    side: str,
    person: str = "p",
    *,
    thread: str = "t",
    account: str | None = None,
    in_reply_to: str | None = None,
) -> Turn:
    assert side in ("us", "them")
    return Turn(
        key=key,
        thread=thread,
        at=T0 + timedelta(minutes=minutes),
        side="us" if side == "us" else "them",
        person=person,
        account=account,
        in_reply_to=in_reply_to,
    )


def test_stacked_questions_answered_by_one_reply() -> None:
    lat = reply_latencies([turn("q1", 0, "them"), turn("q2", 10, "them"), turn("a", 30, "us")])
    assert lat["q1"] == Latency("a", 1800.0, None)
    assert lat["q2"] == Latency("a", 1200.0, None)
    assert lat["a"].answered_by is None


def test_explicit_in_reply_to_wins() -> None:
    turns = [
        turn("q1", 0, "them"),
        turn("q2", 10, "them"),
        turn("a2", 20, "us", in_reply_to="q2"),
        turn("a1", 40, "us", in_reply_to="q1"),
    ]
    lat = reply_latencies(turns)
    assert lat["q2"].answered_by == "a2"
    assert lat["q1"] == Latency("a1", 2400.0, None)


def test_explicit_link_to_same_side_or_unknown_answers_nothing() -> None:
    turns = [
        turn("q", 0, "them"),
        turn("a0", 5, "us", in_reply_to="elsewhere"),
        turn("a1", 6, "us", in_reply_to="a0"),
        turn("a2", 9, "us"),
    ]
    assert reply_latencies(turns)["q"].answered_by == "a2"


def test_same_side_follow_ups_do_not_answer() -> None:
    turns = [turn("q", 0, "them", "ann"), turn("q2", 5, "them", "cat"), turn("a", 60, "us")]
    lat = reply_latencies(turns)
    assert lat["q"].answered_by == "a"
    assert lat["q"].seconds == 3600.0


def test_unanswered_and_other_threads() -> None:
    turns = [turn("q", 0, "them"), turn("a", 5, "us", thread="other")]
    lat = reply_latencies(turns)
    assert lat["q"] == Latency(None, None, None)
    assert lat["a"] == Latency(None, None, None)


def test_time_order_not_input_order() -> None:
    lat = reply_latencies([turn("a", 30, "us"), turn("q", 0, "them")])
    assert lat["q"].answered_by == "a"
    assert lat["a"].answered_by is None


def test_naive_timestamps_rejected() -> None:
    naive = Turn("q", "t", datetime(2024, 1, 1), "them", "p")
    with pytest.raises(ValueError):
        reply_latencies([naive])


def test_business_seconds_over_weekend() -> None:
    hours = BusinessHours()
    fri = datetime(2024, 1, 5, 16, 30, tzinfo=UTC)
    mon = datetime(2024, 1, 8, 9, 15, tzinfo=UTC)
    assert business_seconds(fri, mon, hours) == 45 * 60.0
    sat = datetime(2024, 1, 6, 10, tzinfo=UTC)
    assert business_seconds(sat, sat + timedelta(hours=5), hours) == 0.0
    assert business_seconds(mon, fri, hours) == 0.0
    lat = reply_latencies(
        [Turn("q", "t", fri, "them", "p"), Turn("a", "t", mon, "us", "r")], business=hours
    )
    assert lat["q"].business_seconds == 45 * 60.0
    assert lat["q"].seconds == (mon - fri).total_seconds()


def test_business_seconds_across_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Clocks go forward on Sunday 2024-03-31 at 02:00: that day has 23 hours.
    every_day = BusinessHours(
        tz="Europe/Berlin", start=time(0), end=time(23, 0), workdays=frozenset(range(7))
    )
    sun = datetime(2024, 3, 31, 0, 0, tzinfo=berlin)
    assert business_seconds(sun, sun + timedelta(days=1), every_day) == 22 * 3600.0
    # Fri 16:00 -> Mon 10:00 local over that weekend: 2 working hours, 65 real hours.
    hours = BusinessHours(tz="Europe/Berlin")
    fri = datetime(2024, 3, 29, 16, tzinfo=berlin)
    mon = datetime(2024, 4, 1, 10, tzinfo=berlin)
    assert business_seconds(fri, mon, hours) == 2 * 3600.0
    assert (mon.astimezone(UTC) - fri.astimezone(UTC)).total_seconds() == 65 * 3600.0
    # The same instants given in UTC count the same.
    assert business_seconds(fri.astimezone(UTC), mon.astimezone(UTC), hours) == 7200.0


def test_summaries_by_person_and_account() -> None:
    turns = [
        turn("q1", 0, "them", "ann", account="acme"),
        turn("a1", 10, "us", "bob", account="acme"),
        turn("q2", 20, "them", "ann", account="acme"),
        turn("a2", 50, "us", "bob", account="acme"),
        turn("q3", 60, "them", "cat", account="acme"),
        turn("r", 90, "them", "ann", account="acme", in_reply_to="a2"),
    ]
    lat = reply_latencies(turns, business=BusinessHours())
    by_account = summarize(turns, lat, by="account")
    acme = by_account["acme"]
    # Customer turns q1, q2, q3, r: q1 and q2 answered (600 s, 1800 s).
    assert (acme.ours.count, acme.ours.answered) == (4, 2)
    assert acme.ours.response_rate == 0.5
    assert acme.ours.median_seconds == 1200.0
    assert acme.ours.median_business_seconds == 1200.0
    assert acme.ours.p90_seconds == pytest.approx(1680.0)
    # Our turns: q2 answers a1 (600 s), q3 answers a2 (600 s) before r's late explicit link.
    assert (acme.theirs.count, acme.theirs.answered) == (2, 2)
    assert lat["a2"].answered_by == "q3"
    assert acme.theirs.median_seconds == 600.0
    assert acme.theirs.p90_seconds == 600.0
    assert acme.ours.trend_seconds is None

    by_person = summarize(turns, lat, by="person")
    assert set(by_person) == {"ann", "bob", "cat"}
    assert (by_person["ann"].ours.count, by_person["ann"].ours.answered) == (3, 2)
    assert by_person["cat"].ours.response_rate == 0.0
    assert by_person["cat"].ours.median_seconds is None
    assert by_person["bob"].theirs.response_rate == 1.0
    assert by_person["bob"].ours.count == 0
    assert by_person["bob"].ours.response_rate is None
    assert summarize(turns, lat, by="account").keys() == {"acme"}


def test_summary_trend() -> None:
    old = [
        turn("q_old", -40 * 24 * 60, "them", account="x"),
        turn("a_old", -40 * 24 * 60 + 60, "us", account="x"),
    ]
    new = [turn("q_new", 0, "them", account="x"), turn("a_new", 10, "us", account="x")]
    turns = old + new
    summary = summarize(turns, reply_latencies(turns), by="account")["x"]
    assert summary.ours.trend_seconds == 600.0 - 3600.0
