"""The bundled demo mailbox: reproducible, committed exactly as generated, edge cases present."""

from __future__ import annotations

import email
import mailbox
import re
import tomllib
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from tieline.config import Settings
from tieline.demo.generate import DEFAULT_PATH, build_messages, write_mbox

CUSTOMER_DOMAINS = {
    "acme-logistics.com",
    "acmelogistics.co.uk",
    "globex.com",
    "initech.io",
    "umbrellahealth.org",
}


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    """The committed mbox, read with the standard library only."""
    box = mailbox.mbox(DEFAULT_PATH, create=False)
    try:
        return [email.message_from_bytes(box.get_bytes(key)) for key in box.keys()]
    finally:
        box.close()


def _sender(msg: Message) -> str:
    return parseaddr(str(msg.get("From", "")))[1].lower()


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


def _msgid(value: object) -> str:
    return str(value).strip().strip("<>")


def test_generation_is_deterministic() -> None:
    assert build_messages() == build_messages()
    assert build_messages(seed=7) != build_messages(seed=8)


def test_committed_mbox_is_the_generator_output(tmp_path: Path) -> None:
    fresh = tmp_path / "northwind.mbox"
    count = write_mbox(fresh)
    assert count == len(build_messages())
    assert DEFAULT_PATH.read_bytes() == fresh.read_bytes(), (
        "tieline/demo/data/northwind.mbox is stale or was edited by hand; "
        "regenerate it with `python -m tieline.demo.generate`"
    )


def test_mbox_format(messages: list[Message]) -> None:
    raw = DEFAULT_PATH.read_bytes()
    separators = re.findall(rb"^From .*$", raw, re.MULTILINE)
    assert len(separators) == len(messages) >= 110
    stamp = rb"^From \S+@\S+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d 2026$"
    assert all(re.match(stamp, line) for line in separators)
    assert b"\n>From what we can see" in raw  # a body line escaped the mboxrd way
    assert all(not msg.defects for msg in messages)


def test_all_customers_and_a_realistic_timeline(messages: list[Message]) -> None:
    senders = {_sender(m) for m in messages}
    assert CUSTOMER_DOMAINS <= {_domain(s) for s in senders}
    dates = [parsedate_to_datetime(str(m["Date"])) for m in messages if m["Date"] is not None]
    assert datetime(2026, 5, 20, tzinfo=UTC) <= min(dates)
    assert max(dates) <= datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    offsets = {d.utcoffset() for d in dates}
    assert {timedelta(hours=-5), timedelta(hours=-4), timedelta(hours=1)} <= offsets
    replies = [m for m in messages if m["In-Reply-To"] is not None]
    assert len(replies) > len(messages) / 2
    assert all(m["References"] is not None for m in replies)


def test_globex_goes_dark_for_the_last_45_days(messages: list[Message]) -> None:
    cutoff = datetime(2026, 11, 20, tzinfo=UTC) - timedelta(days=45)
    recent = [m for m in messages if m["Date"] and parsedate_to_datetime(str(m["Date"])) > cutoff]
    to_globex = [
        m
        for m in recent
        if any(_domain(a) == "globex.com" for _, a in getaddresses([str(m.get("To", ""))]))
    ]
    assert len(to_globex) >= 4
    assert not any(_domain(_sender(m)) == "globex.com" for m in recent)


def test_malformed_message_lacks_date_and_received(messages: list[Message]) -> None:
    undated = [m for m in messages if m["Date"] is None]
    assert len(undated) == 1
    assert undated[0]["Received"] is None


def test_automated_messages(messages: list[Message]) -> None:
    reports = [m for m in messages if m.get_content_type() == "multipart/report"]
    assert [_sender(m) for m in reports] == ["mailer-daemon@initech.io"]
    status = [p for p in reports[0].walk() if p.get_content_type() == "message/delivery-status"]
    assert status and "laura.benson@initech.io" in status[0].as_string()
    auto = [m for m in messages if m["Auto-Submitted"] == "auto-replied" and m not in reports]
    assert len(auto) == 1 and "no longer with Initech" in str(auto[0].get_payload(decode=True))
    bulk = [m for m in messages if m["List-Unsubscribe"] is not None]
    assert 3 <= len(bulk) <= 4 and all(m["Precedence"] == "bulk" for m in bulk)
    assert any(_sender(m).startswith("no-reply@") for m in messages)


def test_threading_edge_cases(messages: list[Message]) -> None:
    position = {_msgid(m["Message-ID"]): i for i, m in enumerate(messages)}
    assert len(position) == len(messages)  # Message-IDs are unique
    early = [
        i
        for i, m in enumerate(messages)
        if m["In-Reply-To"] is not None and position[_msgid(m["In-Reply-To"])] > i
    ]
    assert len(early) == 1
    assert sum(m["X-GM-THRID"] is not None for m in messages) == 1
    unlinked = [
        m
        for m in messages
        if str(m["Subject"]).startswith("Re:") and m["In-Reply-To"] is None and not m["References"]
    ]
    assert len(unlinked) == 1


def test_encodings(messages: list[Message]) -> None:
    assert any(m.get_content_type() == "text/html" and not m.is_multipart() for m in messages)
    latin1 = [m for m in messages if m.get_content_charset() == "iso-8859-1"]
    payload = latin1[0].get_payload(decode=True)
    assert isinstance(payload, bytes) and "Chloé" in payload.decode("iso-8859-1")
    assert any(str(m["Subject"]).startswith("=?utf-8?q?") for m in messages)


def test_people_with_several_addresses(messages: list[Message]) -> None:
    dana = {parseaddr(str(m["From"]))[1] for m in messages if "Dana Whitfield" in str(m["From"])}
    assert dana == {"dana@acme-logistics.com", "dana.whitfield@acme-logistics.com"}
    assert "marcus.lee.home@gmail.com" in {_sender(m) for m in messages}


def test_demo_config_matches_the_mailbox() -> None:
    path = DEFAULT_PATH.with_name("tieline.toml")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    assert set(data) == {"internal_domains", "timezone", "accounts", "people"}
    settings = Settings(**data)
    assert settings.internal_domains == ["northwind.io"]
    domains = {d for account in settings.accounts for d in account.domains}
    assert domains == CUSTOMER_DOMAINS
    assert [p.emails for p in settings.people] == [
        ["marcus.lee@umbrellahealth.org", "marcus.lee.home@gmail.com"]
    ]
