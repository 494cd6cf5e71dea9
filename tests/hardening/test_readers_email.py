"""Email readers on hostile input (issue 14): huge messages, junk, and what held up before.

The mbox reader is linear (each byte searched once: counted, not timed) and buffers at
most one message plus one block, a message over ``max_message_bytes`` not even that.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tieline import service
from tieline.config import Settings
from tieline.domain import Message, Record, Skipped
from tieline.ingest import email as email_reader
from tieline.ingest.email import parse_message, read_mbox

MiB = 1 << 20
HEAD = b"From: Dana <dana@acme-logistics.com>\nTo: sam@northwind.io\n"


def mail(n: int, body: bytes = b"", extra: bytes = b"") -> bytes:
    return (
        b"From dana@acme-logistics.com Thu Mar 12 10:00:00 2026\n" + HEAD
        + b"Date: Thu, 12 Mar 2026 10:%02d:00 +0000\nMessage-ID: <m%d@acme-logistics.com>\n"
        % (n % 60, n) + extra + b"Subject: note %d\n\n" % n + (body or b"Short note %d.\n" % n)
        + b"\n"
    )  # fmt: skip


def big_mbox(path: Path, size: int) -> Path:
    """Two small messages around one of ``size`` bytes of body, written in pieces."""
    with path.open("wb") as fh:
        fh.write(mail(1))
        fh.write(mail(2, body=b"x"))
        line = b"y" * 99 + b"\n"
        for _ in range(size // len(line)):
            fh.write(line)
        fh.write(b"\n")
        fh.write(mail(3))
    return path


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes the mbox reader searched for separators, counted at its search function."""
    total = [0]
    real = email_reader._separator

    def counting(buf: bytes | bytearray, pos: int) -> int:
        found = real(buf, pos)
        total[0] += (found if found >= 0 else len(buf)) - pos
        return found

    monkeypatch.setattr(email_reader, "_separator", counting)
    return total


def test_a_100_mb_message_is_searched_once_and_buffered_only_to_the_limit(
    tmp_path: Path, scanned: list[int]
) -> None:
    path = big_mbox(tmp_path / "big.mbox", 100 * MiB)
    tracemalloc.start()
    try:
        units = list(read_mbox(path, max_bytes=8 * MiB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [u[0].rpartition("#")[2] if not isinstance(u, Skipped) else u.reason for u in units] == [
        "0", "message too large", str(path.stat().st_size - len(mail(3)))
    ]  # fmt: skip
    (big,) = [u for u in units if isinstance(u, Skipped)]
    assert big.locator == f"{path}#{len(mail(1))}" and "100.0 MiB" in big.detail
    assert scanned[0] <= path.stat().st_size * 1.01  # linear: each byte searched once
    assert peak < 8 * MiB + 3 * MiB  # the limit, a block and a little: never the 100 MB


def test_without_a_limit_the_work_stays_linear(tmp_path: Path, scanned: list[int]) -> None:
    """Before, every 1 MiB block re-searched the message from its start (7.4 s for 100 MB)."""
    path = big_mbox(tmp_path / "big.mbox", 30 * MiB)
    units = list(read_mbox(path))
    assert len(units) == 3 and not any(isinstance(u, Skipped) for u in units)
    assert scanned[0] <= path.stat().st_size * 1.01


def test_truncated_mbox_keeps_every_whole_message(tmp_path: Path) -> None:
    data = mail(1) + mail(2) + mail(3)
    path = tmp_path / "cut.mbox"
    path.write_bytes(data[: len(data) - 40])  # the last message loses its end
    records = [u if isinstance(u, Skipped) else parse_message(*u) for u in read_mbox(path)]
    assert [r.subject for r in records if isinstance(r, Message)][:2] == ["note 1", "note 2"]
    assert len(records) == 3  # the cut one is a message or a Skipped, never an exception


HOSTILE: dict[str, bytes] = {
    "5 MB subject": mail(10, extra=b"X-Pad: 1\n").replace(b"Subject: note 10", b"Subject: " + b"s" * (5 * MiB)),  # noqa: E501
    "100k header lines": mail(11, extra=b"".join(b"X-H%d: v\n" % i for i in range(100_000))),
    "unknown charset": mail(
        12, extra=b"Content-Type: text/plain; charset=x-nonsense-42\n", body=b"caf\xe9 \xff\n"
    ),
    "broken base64": mail(
        13, extra=b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
        body=b"!!!not base64***\n",
    ),
    "impossible date": mail(14).replace(b"Thu, 12 Mar 2026 10:14:00 +0000", b"Fri, 31 Feb 2026 25:61:00 +9999"),  # noqa: E501
    "year 99999": mail(15).replace(b"Thu, 12 Mar 2026", b"Thu, 12 Mar 99999"),
    "MIME nested 5,000 deep": mail(
        16, extra=b"Content-Type: multipart/mixed; boundary=b0\n",
        body=b"".join(b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
                      for i in range(5000)) + b"--b5000\nContent-Type: text/plain\n\ndeep\n",
    ),
}  # fmt: skip
EXPECTED = {  # what each came to before issue 14's work, and still does
    "5 MB subject": "message",
    "100k header lines": "message",
    "unknown charset": "message",
    "broken base64": "message",
    "impossible date": "unparseable Date",
    "year 99999": "unparseable Date",
    "MIME nested 5,000 deep": "unparseable message",
}


def _outcome(record: Record) -> str:
    return "message" if isinstance(record, Message) else record.reason


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_what_held_up_still_holds(name: str) -> None:
    raw = HOSTILE[name]
    record = parse_message(name, raw[raw.find(b"\n") + 1 :])
    assert _outcome(record) == EXPECTED[name]
    if isinstance(record, Skipped):
        assert record.detail


def test_binary_junk_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "junk.eml").write_bytes(bytes(range(1, 256)) * 400)
    (folder / "png.eml").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 50)
    (folder / "good.eml").write_bytes(mail(1)[mail(1).find(b"\n") + 1 :])
    records = list(email_reader_records(folder))
    outcomes = [_outcome(r) for r in records]  # files in name order: good, junk, png
    assert outcomes == ["message", "not an email message", "not an email message"]


def email_reader_records(path: Path) -> list[Record]:
    from tieline.ingest import read_email

    return list(read_email([path], jobs=1))


def test_hostile_mailbox_through_the_store(
    session: Session, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Good mail around every input above (and an oversized one), on SQLite and PostgreSQL."""
    path = tmp_path / "hostile.mbox"
    with path.open("wb") as fh:
        fh.write(mail(1))
        for name in sorted(HOSTILE):
            fh.write(HOSTILE[name])
        fh.write(mail(17, body=b"z" * (9 * MiB) + b"\n"))  # over the 8 MiB default limit
        fh.write(mail(2))
    settings = make_settings(ingest={"jobs": 1})
    report = service.ingest_email(session=session, settings=settings, paths=[path])
    session.commit()
    expected_messages = 2 + sum(1 for v in EXPECTED.values() if v == "message")
    assert report.new_messages == expected_messages
    reasons = dict(report.skipped_reasons)
    assert reasons == {"unparseable Date": 2, "unparseable message": 1, "message too large": 1}
    (source,) = service.stats(session=session, settings=settings)["sources"]
    assert source["messages"] == expected_messages
