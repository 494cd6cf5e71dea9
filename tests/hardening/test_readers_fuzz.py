"""One fuzz target per reader (issue 14): it yields records, or skips with a reason.

The property for every reader: whatever the bytes, reading ends, every record is a
Message or a Skipped with a reason, and nothing is raised but
:class:`~tieline.errors.IngestError` for a file that is no export at all (the CLI
reports it and exits 2). A small fixed budget keeps CI fast; the inputs mix raw
bytes with structures close to the real formats, where the interesting faults are.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tieline.domain import Message, Record, Skipped
from tieline.errors import IngestError
from tieline.ingest import read_email
from tieline.ingest.slack import read_slack_export
from tieline.ingest.tickets import TicketMapping, read_ticket_csv, read_zendesk_export

BUDGET = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=5),
    max_leaves=20,
)  # fmt: skip


def check(records: Iterable[Record]) -> list[Record]:
    out = list(records)
    for record in out:
        assert isinstance(record, Message | Skipped)
        if isinstance(record, Skipped):
            assert record.reason
    return out


# --------------------------------------------------------------------------- mbox / eml

HEADERS = st.sampled_from([
    b"From: Dana <dana@acme-logistics.com>\n", b"Date: Thu, 12 Mar 2026 10:00:00 +0000\n",
    b"Date: Fri, 31 Feb 99999 25:61 +9999\n", b"Subject: =?utf-8?b?w6k=?=\n", b"\n",
    b"Content-Type: multipart/mixed; boundary=x\n", b"--x\n", b"Content-Type: text/html\n",
    b"Content-Transfer-Encoding: base64\n", b"From nobody Thu Mar 12\n", b">From x\n",
    b"Content-Type: text/plain; charset=x-bogus\n",
])  # fmt: skip


@BUDGET
@given(
    pieces=st.lists(HEADERS | st.binary(max_size=60), max_size=30),
    mbox=st.booleans(),
)
def test_email_reader_fuzz(pieces: list[bytes], mbox: bool) -> None:
    raw = (b"From dana@acme-logistics.com Thu Mar 12 10:00:00 2026\n" if mbox else b"") + b"".join(
        pieces
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("box.mbox" if mbox else "one.eml")
        path.write_bytes(raw)
        check(read_email([path], jobs=1))


# --------------------------------------------------------------------------- Slack export

slack_messages = st.fixed_dictionaries(
    {"type": st.just("message"), "ts": st.sampled_from(["1767225600.000100", "abc", "99999999999.1",
                                                        "1767225601.5", ""]) | json_values},
    optional={
        "user": st.sampled_from(["U1", "U2", ""]) | json_values,
        "text": st.text(max_size=40) | json_values,
        "subtype": st.sampled_from(["message_changed", "message_deleted", "bot_message",
                                    "tombstone", "channel_join"]) | json_values,
        "thread_ts": st.sampled_from(["1767225600.000100"]) | json_values,
        "message": json_values,
        "blocks": json_values,
        "files": json_values,
        "reactions": json_values,
    },
)  # fmt: skip


@BUDGET
@given(
    users=st.lists(json_values, max_size=3),
    day=st.lists(slack_messages | json_values, max_size=8),
    junk=st.binary(max_size=200),
    as_zip=st.booleans(),
)
def test_slack_export_fuzz(users: list[Any], day: list[Any], junk: bytes, as_zip: bool) -> None:
    files = {
        "users.json": json.dumps([{"id": "U1", "name": "dana"}, *users]).encode(),
        "channels.json": json.dumps([{"id": "C1", "name": "general"}]).encode(),
        "general/2026-01-01.json": json.dumps(day).encode(),
        "general/2026-01-02.json": junk,
    }
    with tempfile.TemporaryDirectory() as tmp:
        if as_zip:
            path = Path(tmp) / "export.zip"
            with zipfile.ZipFile(path, "w") as zf:
                for name, data in files.items():
                    zf.writestr(name, data)
        else:
            path = Path(tmp) / "export"
            for name, data in files.items():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                (path / name).write_bytes(data)
        check(read_slack_export(path))


# --------------------------------------------------------------------------- Zendesk JSON

zendesk_comments = st.fixed_dictionaries(
    {}, optional={"id": json_values, "author_id": st.sampled_from([7, -1, "x"]) | json_values,
                  "public": json_values, "created_at": st.sampled_from(
                      ["2026-03-02T10:00:00Z", "yesterday", 1767225600]) | json_values,
                  "plain_body": json_values, "html_body": json_values, "via": json_values},
)  # fmt: skip
zendesk_tickets = st.fixed_dictionaries(
    {}, optional={"id": st.integers(0, 5) | json_values, "subject": json_values,
                  "requester_id": json_values, "url": json_values, "status": json_values,
                  "comments": st.lists(zendesk_comments | json_values, max_size=4),
                  "satisfaction_rating": json_values, "collaborator_ids": json_values},
)  # fmt: skip


@BUDGET
@given(
    tickets=st.lists(zendesk_tickets | json_values, max_size=5),
    users=st.lists(json_values, max_size=3),
    document=json_values,
    shape=st.sampled_from(["export", "array", "jsonl", "any"]),
)
def test_zendesk_reader_fuzz(
    tickets: list[Any], users: list[Any], document: Any, shape: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("zendesk.jsonl" if shape == "jsonl" else "zendesk.json")
        if shape == "export":
            path.write_text(json.dumps({"tickets": tickets, "users": users}))
        elif shape == "array":
            path.write_text(json.dumps(tickets))
        elif shape == "jsonl":
            path.write_text("\n".join(json.dumps(t) for t in tickets))
        else:
            path.write_text(json.dumps(document))
        try:
            check(read_zendesk_export(path))
        except IngestError:
            pass  # no tickets list at all: a whole-file error, by design


# --------------------------------------------------------------------------- ticket CSV / JSONL

MAPPING = (
    'system = "desk"\nticket_id = "Ticket"\ncreated_at = "Created"\nbody = "Body"\n'
    'author_email = "Email"\nauthor_name = "Name"\ncomments_field = "comments"\n'
)
CELLS = st.sampled_from([
    "T1", "2026-03-02T10:00:00Z", "dana@acme.io", "<b>x</b>@evil.io", "Dana", '"quoted, cell"',
    '"open quote', "café", "", "x" * 300, "\r", "\t",
])  # fmt: skip


@BUDGET
@given(
    rows=st.lists(st.lists(CELLS | st.text(max_size=12), max_size=6), max_size=8),
    noise=st.binary(max_size=40),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]),
    records=st.lists(json_values, max_size=5),
    kind=st.sampled_from(["csv", "jsonl"]),
)
def test_ticket_reader_fuzz(
    rows: list[list[str]], noise: bytes, encoding: str, records: list[Any], kind: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mapping_file = Path(tmp) / "mapping.toml"
        mapping_file.write_text(MAPPING)
        mapping = TicketMapping.from_toml(mapping_file)
        if kind == "csv":
            text = "\n".join(",".join(r) for r in [["Ticket", "Created", "Email", "Name", "Body"],
                                                    *rows])  # fmt: skip
            data = text.encode(encoding, errors="replace") + noise
            path = Path(tmp) / "tickets.csv"
        else:
            good = {"Ticket": "T1", "Created": "2026-03-02T10:00:00Z", "Body": "hi", "Name": "D"}
            lines = [json.dumps(good), *(json.dumps(r) for r in records)]
            data = "\n".join(lines).encode() + b"\n" + noise
            path = Path(tmp) / "tickets.jsonl"
        path.write_bytes(data)
        try:
            check(read_ticket_csv(path, mapping=mapping))
        except IngestError:
            pass  # e.g. no row names a ticket: a mapping problem, reported whole
