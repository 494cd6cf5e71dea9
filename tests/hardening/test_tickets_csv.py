"""Ticket exports with a bad row, a foreign encoding, a huge cell or hostile JSON (issue 14).

One bad row used to cost the whole file (exit 2, nothing kept). Now each row is read on
its own: the good ones are kept and the bad one is Skipped with its line and reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tieline import service
from tieline.config import Settings
from tieline.domain import Message, Record, Skipped
from tieline.errors import IngestError
from tieline.ingest.tickets import TicketMapping, read_ticket_csv, read_zendesk_export

HEADER = "Ticket,Created,Email,Name,Body"
GOOD = [
    "T1,2026-03-02T10:00:00Z,dana@acme-logistics.com,Dana Whitfield,Export fails again",
    "T1,2026-03-02T11:00:00Z,sam@northwind.io,Sam Ortiz,Looking into it",
    "T2,2026-03-03T09:00:00Z,lee@acme-logistics.com,Lee Park,Invoice question",
    "T2,2026-03-03T10:00:00Z,sam@northwind.io,Sam Ortiz,Answered",
]


@pytest.fixture
def mapping(tmp_path: Path) -> TicketMapping:
    path = tmp_path / "mapping.toml"
    path.write_text(
        'system = "desk"\nticket_id = "Ticket"\ncreated_at = "Created"\nbody = "Body"\n'
        'author_email = "Email"\nauthor_name = "Name"\n'
    )
    return TicketMapping.from_toml(path)


def read(path: Path, mapping: TicketMapping) -> tuple[list[Message], list[Skipped]]:
    records: list[Record] = list(read_ticket_csv(path, mapping=mapping))
    return (
        [r for r in records if isinstance(r, Message)],
        [r for r in records if isinstance(r, Skipped)],
    )


def write_csv(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


def test_one_cp1252_row_in_a_utf8_file(tmp_path: Path, mapping: TicketMapping) -> None:
    raw = "\n".join([HEADER, *GOOD[:2], "T3,2026-03-04T09:00:00Z,x@acme.io,X,caf\xe9 cr\xe8me"])
    path = tmp_path / "mixed.csv"
    path.write_bytes(raw.encode("utf-8").replace("caf\xe9 cr\xe8me".encode(), b"caf\xe9 cr\xe8me"))
    messages, skipped = read(path, mapping)
    assert skipped == []
    assert [m.body for m in messages] == ["Export fails again", "Looking into it", "café crème"]


def test_a_cp1252_file_with_enough_text_to_detect(tmp_path: Path, mapping: TicketMapping) -> None:
    rows = [*GOOD, "T3,2026-03-04T09:00:00Z,x@acme.io,X,Voilà: la facture réglée à Noël; merci"]
    messages, skipped = read(write_csv(tmp_path / "legacy.csv", rows, "cp1252"), mapping)
    assert skipped == [] and len(messages) == 5
    assert messages[-1].body == "Voilà: la facture réglée à Noël; merci"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_encodings_with_and_without_bom(
    tmp_path: Path, mapping: TicketMapping, encoding: str
) -> None:
    rows = [*GOOD, "T3,2026-03-04T09:00:00Z,x@acme.io,X,Grüße aus München ✓"]
    messages, skipped = read(write_csv(tmp_path / "wide.csv", rows, encoding), mapping)
    assert skipped == [] and len(messages) == 5
    assert messages[-1].body == "Grüße aus München ✓"


def test_undecodable_row_is_skipped_with_its_line(tmp_path: Path, mapping: TicketMapping) -> None:
    path = tmp_path / "bad.csv"
    lines = [HEADER.encode(), GOOD[0].encode(), b"T9,2026-03-04T09:00:00Z,a@b.io,A,\x81\x8d\x8f", *(
        g.encode() for g in GOOD[1:]
    )]  # fmt: skip
    path.write_bytes(b"\n".join(lines) + b"\n")
    messages, skipped = read(path, mapping)
    assert len(messages) == 4
    (bad,) = skipped
    assert bad.locator == f"{path}#line=3" and bad.reason == "undecodable row"
    assert "neither UTF-8 nor cp1252" in bad.detail
    # Later rows keep their numbers: the bad row still counts as row 2.
    assert [m.locator.rpartition("#")[2] for m in messages] == ["row=1", "row=3", "row=4", "row=5"]


def test_cells_over_the_old_field_limit_are_kept(tmp_path: Path, mapping: TicketMapping) -> None:
    long = "word " * 60_000  # 300 KB: csv's own limit is 128 KiB
    rows = [*GOOD[:2], f'T3,2026-03-04T09:00:00Z,x@acme.io,X,"{long}"', *GOOD[2:]]
    messages, skipped = read(write_csv(tmp_path / "long.csv", rows), mapping)
    assert skipped == [] and len(messages) == 5
    assert any(m.size_bytes > 250_000 for m in messages)  # kept whole (the body is cleaned)


def test_a_cell_over_8_mib_skips_only_its_row(tmp_path: Path, mapping: TicketMapping) -> None:
    huge = "x" * (9 * 1024 * 1024)
    rows = [GOOD[0], f'T3,2026-03-04T09:00:00Z,x@acme.io,X,"{huge}"', *GOOD[1:]]
    messages, skipped = read(write_csv(tmp_path / "huge.csv", rows), mapping)
    assert len(messages) == 4
    (bad,) = skipped
    assert bad.reason == "field too large" and bad.locator.endswith("#line=3")
    assert "9,437,184 characters" in bad.detail


def test_quoted_multiline_rows_and_an_unterminated_quote(
    tmp_path: Path, mapping: TicketMapping
) -> None:
    rows = [GOOD[0], 'T1,2026-03-02T12:00:00Z,a@acme.io,A,"two\nlines"', *GOOD[1:],
            'T4,2026-03-05T09:00:00Z,b@acme.io,B,"never closed']  # fmt: skip
    messages, skipped = read(write_csv(tmp_path / "quotes.csv", rows), mapping)
    assert "two\nlines" in [m.body for m in messages]
    assert len(messages) == 6  # the unterminated quote runs to the end: one row, kept
    assert skipped == []


def test_markup_in_an_author_email_never_makes_an_account(
    session: Session, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(
        'system = "desk"\nticket_id = "Ticket"\ncreated_at = "Created"\nbody = "Body"\n'
        'author_email = "Email"\nauthor_name = "Name"\n'
    )
    rows = [
        *GOOD,
        'T5,2026-03-06T09:00:00Z,"<script>alert(1)</script>@evil.example",,who am I',
        'T5,2026-03-06T10:00:00Z,"<b>mal</b>@evil.example",Mal Lory,named at least',
        'T5,2026-03-06T11:00:00Z,"Dana W <dana@acme-logistics.com>",Dana,display form',
    ]
    path = write_csv(tmp_path / "authors.csv", rows)
    settings = make_settings()
    report = service.ingest_tickets(
        session=session, settings=settings, paths=[path], mapping=mapping_file
    )
    session.commit()
    assert report.new_messages == 6
    assert dict(report.skipped_reasons) == {"invalid author email": 1}
    accounts = {a.name.lower() for a in service.list_accounts(session=session, settings=settings)}
    assert not any("evil" in a or "<" in a or "script" in a for a in accounts), accounts
    people = service.list_people(session=session, settings=settings)
    emails = {e for p in people for e in p.emails}
    assert "dana@acme-logistics.com" in emails
    assert not any("<" in e or "evil" in e for e in emails), emails


def test_bad_rows_through_the_store(
    session: Session, make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """cp1252, an undecodable row, a 300 KB cell and a 9 MiB cell in one file, on both DBs."""
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(
        'system = "desk"\nticket_id = "Ticket"\ncreated_at = "Created"\nbody = "Body"\n'
        'author_email = "Email"\nauthor_name = "Name"\n'
    )
    path = tmp_path / "tickets.csv"
    lines = [
        HEADER.encode(), GOOD[0].encode(),
        "T3,2026-03-04T09:00:00Z,x@acme.io,X,r\xe9sum\xe9 attached".encode("cp1252"),
        b"T9,2026-03-04T09:00:00Z,a@b.io,A,\x81\x8d\x8f",
        ('T4,2026-03-05T09:00:00Z,y@acme.io,Y,"' + "long " * 60_000 + '"').encode(),
        ('T5,2026-03-05T09:00:00Z,z@acme.io,Z,"' + "x" * (9 << 20) + '"').encode(),
        *(g.encode() for g in GOOD[1:]),
    ]  # fmt: skip
    path.write_bytes(b"\n".join(lines) + b"\n")
    settings = make_settings()
    report = service.ingest_tickets(
        session=session, settings=settings, paths=[path], mapping=mapping_file
    )
    session.commit()
    assert report.new_messages == 6
    assert dict(report.skipped_reasons) == {"undecodable row": 1, "field too large": 1}
    (source,) = service.stats(session=session, settings=settings)["sources"]
    assert source["skipped_by_reason"] == {"undecodable row": 1, "field too large": 1}


# --------------------------------------------------------------------------- hostile JSON

DEEP = 100_000


def _deep(n: int) -> str:
    return "[" * n + "]" * n


def test_zendesk_json_nested_100k_deep_is_a_clean_skip(tmp_path: Path) -> None:
    ticket = {"id": 1, "subject": "ok", "requester_id": 7, "comments": [
        {"id": 11, "author_id": 7, "public": True, "created_at": "2026-03-02T10:00:00Z",
         "plain_body": "hello"}]}  # fmt: skip
    deep_ticket = '{"id": 2, "subject": "deep", "custom": ' + _deep(DEEP) + "}"
    path = tmp_path / "zendesk.json"
    path.write_text(
        '{"tickets": [' + json.dumps(ticket) + ", " + deep_ticket + '], "users": '
        '[{"id": 7, "name": "Dana", "email": "dana@acme-logistics.com"}]}'
    )
    records = list(read_zendesk_export(path))
    assert [r.body for r in records if isinstance(r, Message)] == ["hello"]
    (deep,) = [r for r in records if isinstance(r, Skipped)]
    assert deep.reason == "record nested too deeply" and deep.locator == f"{path}#record=2"


def test_jsonl_line_nested_100k_deep_is_a_clean_skip(
    tmp_path: Path, mapping: TicketMapping
) -> None:
    good = {"Ticket": "T1", "Created": "2026-03-02T10:00:00Z", "Email": "dana@acme.io",
            "Name": "Dana", "Body": "hello"}  # fmt: skip
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        json.dumps(good) + "\n" + '{"Ticket": "T2", "x": ' + _deep(DEEP) + "}\n"
        + json.dumps({**good, "Ticket": "T3", "Body": "after"}) + "\n"
        + '{"Ticket": "T4", "x": ' + _deep(200) + "}\n"  # parses, but past 64 levels
    )  # fmt: skip
    messages, skipped = read(path, mapping)
    assert [m.body for m in messages] == ["hello", "after"]
    assert [(s.locator.rpartition("#")[2], s.reason) for s in skipped] == [
        ("line=2", "JSON nested too deeply"),
        ("record=4", "record nested too deeply"),
    ]


def test_json_array_nested_100k_deep_keeps_the_good_records(
    tmp_path: Path, mapping: TicketMapping
) -> None:
    good = {"Ticket": "T1", "Created": "2026-03-02T10:00:00Z", "Email": "dana@acme.io",
            "Name": "Dana", "Body": "hello"}  # fmt: skip
    path = tmp_path / "tickets.json"
    path.write_text("[" + json.dumps(good) + ', {"Ticket": "T2", "x": ' + _deep(DEEP) + "}]")
    messages, skipped = read(path, mapping)
    assert [m.body for m in messages] == ["hello"]
    assert [(s.locator.rpartition("#")[2], s.reason) for s in skipped] == [
        ("record=2", "record nested too deeply")
    ]


def test_a_document_that_is_no_json_still_raises_cleanly(
    tmp_path: Path, mapping: TicketMapping
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[" * DEEP)  # deep and never closed
    with pytest.raises(IngestError, match="not valid JSON"):
        read(path, mapping)
