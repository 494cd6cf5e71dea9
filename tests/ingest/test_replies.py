from __future__ import annotations

import doctest
from datetime import datetime, timedelta

import pytest

import tieline.ingest.replies as replies_mod
from tieline.ingest.replies import ChatLine, addressees, attribute_replies, is_system_line

T0 = datetime(2024, 5, 1, 9, 0)


def chat(*rows: tuple[float, str, str]) -> list[ChatLine]:
    """Rows of (minutes after T0, author, text), keyed "1", "2", ..."""
    return [
        ChatLine(str(i), T0 + timedelta(minutes=m), author, text)
        for i, (m, author, text) in enumerate(rows, start=1)
    ]


def test_doctests() -> None:
    assert doctest.testmod(replies_mod).failed == 0


def test_explicit_address_prefix_and_at_mention() -> None:
    lines = chat(
        (0, "amy", "how do I rotate keys?"),
        (1, "bob", "billing export is broken"),
        (2, "cy", "amy: settings page"),
        (3, "dan", "@bob: which export?"),
    )
    got = attribute_replies(lines)
    assert got["3"] == "1"
    assert got["4"] == "2"


def test_structured_mentions_and_unknown_prefix() -> None:
    lines = chat((0, "amy", "deploy failed"), (1, "bob", "is it friday?"))
    lines.append(ChatLine("3", T0 + timedelta(minutes=2), "cy", "look at logs", ("amy",)))
    lines.append(ChatLine("4", T0 + timedelta(minutes=20), "dan", "note: unrelated"))
    got = attribute_replies(lines)
    assert got["3"] == "1"
    assert got["4"] is None  # "note" is not a nick, and nothing recent


def test_address_outside_window_falls_back_to_max_back() -> None:
    lines = chat((0, "amy", "anyone know tls?"), (30, "bob", "amy: yes, what's up"))
    assert attribute_replies(lines)["2"] == "1"
    assert attribute_replies(lines, max_back=1)["2"] == "1"
    lines = chat(
        (0, "amy", "anyone know tls?"),
        (30, "cy", "hello"),
        (31, "dan", "hi"),
        (32, "bob", "amy: yes"),
    )
    assert attribute_replies(lines, max_back=2)["4"] is None


def test_being_addressed_links_back() -> None:
    lines = chat(
        (0, "amy", "bob: did the invoice go out?"),
        (1, "cy", "lunch anyone"),
        (2, "bob", "yes, this morning"),
    )
    assert attribute_replies(lines)["3"] == "1"


def test_conversation_partner() -> None:
    lines = chat(
        (0, "amy", "bob: can you check the renewal"),
        (1, "bob", "looking now"),
        (2, "cy", "what time is standup"),
        (3, "amy", "great, thank you"),
    )
    got = attribute_replies(lines)
    assert got["2"] == "1"  # bob was addressed by amy
    assert got["4"] == "2"  # amy's partner is bob


def test_continuation_of_own_line() -> None:
    lines = chat((0, "amy", "my export fails"), (0, "amy", "with a 500 error"))
    assert attribute_replies(lines)["2"] == "1"
    late = chat((0, "amy", "my export fails"), (15, "amy", "still broken"))
    assert attribute_replies(late)["2"] is None


def test_lexical_overlap_fallback() -> None:
    lines = chat(
        (0, "amy", "postgres replication lag keeps growing?"),
        (1, "bob", "who broke the build"),
        (2, "cy", "replication lag usually means a long transaction"),
    )
    got = attribute_replies(lines)
    assert got["3"] == "1"
    assert attribute_replies(lines, min_overlap=99)["3"] is None


def test_previous_message_within_gap() -> None:
    lines = chat((0, "amy", "morning all"), (0.5, "bob", "hey"))
    assert attribute_replies(lines)["2"] is None  # default gap 0
    assert attribute_replies(lines, gap=timedelta(minutes=1))["2"] == "1"


def test_window_expiry() -> None:
    lines = chat(
        (0, "amy", "bob: ping"),
        (30, "bob", "sorry, was away"),
        (31, "cy", "kafka consumer lag question"),
        (45, "dan", "kafka consumer lag is fine here"),
    )
    got = attribute_replies(lines, window=timedelta(minutes=10))
    assert got["2"] is None  # being addressed 30 minutes ago is too old
    assert got["4"] is None  # overlap only counts inside the window
    assert attribute_replies(lines, window=timedelta(minutes=60))["2"] == "1"


def test_system_lines_ignored() -> None:
    lines = chat(
        (0, "amy", "how do I reset 2fa?"),
        (0, "", "=== carol has joined #support"),
        (0, "bob", "=== bob is now known as bobby"),
        (1, "dan", "amy: support page, reset 2fa link"),
    )
    got = attribute_replies(lines)
    assert got["2"] is None and got["3"] is None
    assert got["4"] == "1"
    assert is_system_line(lines[1]) and is_system_line(lines[2])
    assert not is_system_line(lines[0])


def test_interleaved_two_conversations() -> None:
    lines = chat(
        (0, "amy", "anyone used the webhook retries?"),
        (1, "bob", "is the sso login down for anyone"),
        (2, "cy", "amy: yes, retries back off for 3 days"),
        (3, "dan", "bob: sso works for me"),
        (4, "amy", "nice, can I change the schedule?"),
        (5, "bob", "odd, I get a 403"),
        (6, "cy", "no, it is fixed"),
        (7, "dan", "clear cookies and retry"),
    )
    got = attribute_replies(lines)
    assert got == {
        "1": None,
        "2": None,
        "3": "1",
        "4": "2",
        "5": "3",
        "6": "4",
        "7": "5",
        "8": "6",
    }


def test_addressees_parsing() -> None:
    line = ChatLine("1", T0, "amy", "Bob_, try @cy and dan")
    assert addressees(line, {"bob", "cy", "dan"}) == ["bob", "cy"]
    assert addressees(ChatLine("2", T0, "amy", "amy: self"), {"amy"}) == []
    assert addressees(ChatLine("3", T0, "amy", "zed: new nick"), set()) == ["zed"]
    assert addressees(ChatLine("4", T0, "amy", "note: not a nick"), set()) == []
    assert addressees(ChatLine("5", T0, "amy", "zed is a word"), set()) == []


def test_empty_and_bad_arguments() -> None:
    assert attribute_replies([]) == {}
    with pytest.raises(ValueError):
        attribute_replies(chat((0, "amy", "hi")), max_back=0)
