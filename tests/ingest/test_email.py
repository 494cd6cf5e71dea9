from __future__ import annotations

import mailbox
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA
from tieline.domain import Message, RecipientKind, Skipped
from tieline.ingest.email import (
    ParseOptions,
    RawMessage,
    iter_raw,
    parse_message,
    read_maildir,
    read_mbox,
    read_message_files,
)

EMAIL = DATA / "email"


def parsed(path: Path) -> list[Message | Skipped]:
    return [u if isinstance(u, Skipped) else parse_message(*u) for u in iter_raw(path)]


def raw_units(units: Iterable[RawMessage | Skipped]) -> list[RawMessage]:
    """The readers' units, none of them a Skipped (these fixtures hold no bad file)."""
    items = list(units)
    assert not [u for u in items if isinstance(u, Skipped)]
    return [u for u in items if not isinstance(u, Skipped)]


def messages(path: Path) -> dict[str, Message]:
    return {m.external_id: m for m in parsed(path) if isinstance(m, Message)}


def test_mbox_reader_splits_and_unescapes() -> None:
    units = raw_units(read_mbox(EMAIL / "thread.mbox"))
    assert len(units) == 9
    first_loc, first = units[0]
    assert first_loc.endswith("thread.mbox#0")
    assert b"\nFrom the logs it looks like a timeout." in first  # ">From " unescaped
    assert not first.endswith(b"\n\n")
    # Offsets point at the separator line of each message.
    data = (EMAIL / "thread.mbox").read_bytes()
    for loc, _ in units:
        assert data[int(loc.rsplit("#", 1)[1]) :].startswith(b"From ")


def test_mbox_reader_agrees_with_stdlib(tmp_path: Path) -> None:
    path = tmp_path / "out.mbox"
    box = mailbox.mbox(path)
    for i in range(5):
        msg = EmailMessage()
        msg["From"] = f"a{i}@x.com"
        msg["Subject"] = f"s{i}"
        msg.set_content(f"line\nFrom here on {i}\n")
        box.add(msg)
    box.flush()
    ours = [raw for _, raw in raw_units(read_mbox(path))]
    theirs = [box.get_bytes(k) for k in box.keys()]
    assert [o.replace(b"\n>From", b"\nFrom") for o in theirs] == ours
    box.close()


def test_thread_fixture_parses_everything() -> None:
    got = messages(EMAIL / "thread.mbox")
    assert len(got) == 9
    m1 = got["m1@mail.acme-logistics.com"]
    assert m1.author.name == "Dana Whitfield"
    assert m1.sent_at == datetime(2026, 3, 2, 14, 14, tzinfo=UTC)
    assert (RecipientKind.CC, m1.recipients[1][1]) == m1.recipients[1]
    assert m1.recipients[1][1].email == "lee.park@acme-logistics.com"
    assert m1.body.startswith("Hi Sam,") and "Best regards" not in m1.body
    assert "VP Operations" in m1.signature
    m2 = got["m2@mail.northwind.io"]
    assert m2.in_reply_to == "m1@mail.acme-logistics.com"
    assert m2.references == ("m1@mail.acme-logistics.com",)
    assert "wrote:" not in m2.body and "> Hi Sam" in m2.quoted_text
    m4 = got["m4@mail.acme-logistics.com"]
    assert m4.body == "Confirmed, last night's run worked. Thank you!"
    assert "connection pool" in m4.quoted_text


def test_encodings_and_provider_thread() -> None:
    g1 = messages(EMAIL / "thread.mbox")["g1@globex.com"]
    assert g1.author.name == "Ravi Kümar"
    assert g1.subject == "Renewal – next steps"
    assert "Renée" in g1.body
    assert g1.provider_thread_id == "gmail:1790000000000000001"
    legacy = messages(EMAIL / "files")["f1@umbrellahealth.org"]
    assert legacy.body == "Thanks – we’ll review it with our CFO."
    assert legacy.author.name == "Marcus Lee"  # "Lee, Marcus" reordered


def test_automated_mail_is_flagged_not_dropped() -> None:
    got = messages(EMAIL / "thread.mbox")
    news = got["n1@list.saasweekly.com"]
    assert news.automated_reason is not None
    assert "Churn benchmarks" in news.body and "<b>" not in news.body  # html-only
    assert got["a1@initech.io"].automated_reason == "Auto-Submitted: auto-replied"
    assert got["m1@mail.acme-logistics.com"].automated_reason is None


def test_maildir_and_message_files() -> None:
    units = raw_units(read_maildir(EMAIL / "maildir"))
    assert [Path(loc).parent.name for loc, _ in units] == ["new", "cur"]
    files = [Path(loc).name for loc, _ in raw_units(read_message_files(EMAIL / "files"))]
    assert files == ["legacy.txt", "reply.eml"]  # .cats and other suffixes ignored
    assert set(messages(EMAIL / "maildir")) == {"md1@umbrellahealth.org", "md2@northwind.io"}


def test_malformed_messages_are_skipped_with_reasons() -> None:
    results = {Path(r.locator).name: r for r in parsed(EMAIL / "malformed")}
    reasons = {name: r.reason for name, r in results.items() if isinstance(r, Skipped)}
    assert reasons == {
        "no_date.eml": "missing Date",
        "empty_body.eml": "empty body",
        "broken_charset.eml": "broken charset",
        "garbage.eml": "not an email message",
    }
    assert isinstance(results["good.eml"], Message)
    assert "x-made-up" in results["broken_charset.eml"].detail  # type: ignore[union-attr]


def test_oversized_message_is_skipped_not_loaded(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "a@acme.com"
    msg["Date"] = "Thu, 12 Mar 2026 10:00:00 +0000"
    msg["Message-ID"] = "<big@acme.com>"
    msg.set_content("see attached")
    msg.add_attachment(b"\0" * (10 * 1024 * 1024), maintype="application", subtype="zip")
    raw = msg.as_bytes()
    result = parse_message("big.eml", raw)
    assert isinstance(result, Skipped) and result.reason == "message too large"
    roomy = parse_message("big.eml", raw, ParseOptions(max_message_bytes=64 * 1024 * 1024))
    assert isinstance(roomy, Message) and roomy.body == "see attached"


def test_missing_date_falls_back_to_received() -> None:
    raw = (
        b"Received: from mx by mail; Thu, 12 Mar 2026 10:00:00 +0000\n"
        b"From: a@acme.com\nSubject: x\n\nhello\n"
    )
    result = parse_message("r.eml", raw)
    assert isinstance(result, Message)
    assert result.sent_at == datetime(2026, 3, 12, 10, tzinfo=UTC)
    assert result.external_id.startswith("sha256-")  # no Message-ID: stable content id
    assert parse_message("r.eml", raw).external_id == result.external_id


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    result = parse_message("fuzz", b"From: x@y.com\nDate: Thu, 12 Mar 2026 10:00:00 +0000\n" + raw)
    assert isinstance(result, Message | Skipped)


def test_mbox_with_crlf_line_endings(tmp_path: Path) -> None:
    raw = (EMAIL / "thread.mbox").read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "crlf.mbox"
    path.write_bytes(raw)
    lf = [m for _, m in raw_units(read_mbox(EMAIL / "thread.mbox"))]
    crlf = [m for _, m in raw_units(read_mbox(path))]
    assert [m.replace(b"\r\n", b"\n") for m in crlf] == lf
    assert len(messages(path)) == 9


def test_mbox_reader_small_blocks_agree(tmp_path: Path) -> None:
    whole = list(read_mbox(EMAIL / "thread.mbox"))
    assert list(read_mbox(EMAIL / "thread.mbox", block_size=7)) == whole
