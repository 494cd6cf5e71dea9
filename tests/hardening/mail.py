"""Builders of hostile inputs for the hardening tests: raw emails, exports, CSVs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tieline.config import Settings
from tieline.store.models import (
    Account,
    Identity,
    Message,
    MessageRecipient,
    Person,
    SkippedRecord,
    Thread,
)

MakeSettings = Callable[..., Settings]


def raw_email(
    n: int,
    *,
    message_id: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    sender: str = '"Dana Whitfield" <dana@acme-logistics.com>',
    to: str = "sam@northwind.io",
    extra: Iterable[str] = (),
    day: int = 1,
) -> bytes:
    """One RFC 5322 message; ``n`` varies its id, time and text."""
    headers = [
        f"Message-ID: <{message_id or f'm{n}@acme-logistics.com'}>",
        f"Date: Mon, {1 + day % 28:02d} Mar 2026 {9 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:"
        f"{n % 60:02d} +0000",
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject if subject is not None else f'Shipment {n}'}",
        *extra,
        "Content-Type: text/plain; charset=utf-8",
    ]
    text = body if body is not None else f"Hello, update number {n} on the shipment.\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + text).encode("utf-8", "surrogatepass")


def write_emails(folder: Path, messages: Iterable[bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(messages):
        (folder / f"{i:05d}.eml").write_bytes(raw)
    return folder


def slack_export(folder: Path, texts: Iterable[str]) -> Path:
    """A one-channel Slack export whose messages carry ``texts``."""
    users = [
        {"id": "U01DANA", "team_id": "T0NORTH01", "name": "dana", "real_name": "Dana Whitfield",
         "profile": {"real_name": "Dana Whitfield", "email": "dana@northwind.io"}},
        {"id": "U02PRIYA", "team_id": "T0ACME001", "name": "priya", "real_name": "Priya Rao",
         "profile": {"real_name": "Priya Rao", "email": "priya@acme-logistics.com"}},
    ]  # fmt: skip
    channels = [{"id": "C01ACME", "name": "acme-shared", "members": ["U01DANA", "U02PRIYA"]}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users.json").write_text(json.dumps(users))
    (folder / "channels.json").write_text(json.dumps(channels))
    day = folder / "acme-shared"
    day.mkdir(exist_ok=True)
    items = [
        {"type": "message", "user": "U01DANA" if i % 2 else "U02PRIYA", "text": text,
         "ts": f"{1772442000 + i * 60}.000100"}
        for i, text in enumerate(texts)
    ]  # fmt: skip
    (day / "2026-03-02.json").write_text(json.dumps(items))
    return folder


def zendesk_export(path: Path, comments: Iterable[str]) -> Path:
    """A one-ticket Zendesk export whose comments carry ``comments``."""
    data: dict[str, Any] = {
        "users": [
            {"id": 9001, "name": "Dana Whitfield", "email": "dana@acme-logistics.com"},
            {"id": 7001, "name": "Sam Ortiz", "email": "sam@northwind.io"},
        ],
        "organizations": [],
        "tickets": [
            {"id": 101, "subject": "Sync failing", "status": "open", "requester_id": 9001,
             "assignee_id": 7001, "created_at": "2026-03-02T09:00:00Z",
             "comments": [
                 {"id": 1000 + i, "author_id": 9001 if i % 2 == 0 else 7001, "public": True,
                  "created_at": f"2026-03-02T{10 + i:02d}:00:00Z", "body": text}
                 for i, text in enumerate(comments)
             ]}
        ],
    }  # fmt: skip
    path.write_text(json.dumps(data))
    return path


TICKET_MAPPING = """
system = "freshdesk"
ticket_id = "Ticket ID"
created_at = "Created Time"
author_email = "From Email"
author_name = "From Name"
subject = "Subject"
body = "Body"
status = "Status"
"""


def tickets_csv(folder: Path, rows: Iterable[tuple[str, str, str]]) -> tuple[Path, Path]:
    """A ticket CSV of (author name, subject, body) rows and its column mapping."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Ticket ID", "Created Time", "From Email", "From Name", "Subject",
                         "Body", "Status"])  # fmt: skip
        for i, (name, subject, body) in enumerate(rows):
            writer.writerow([5000 + i, f"2026-03-02T{9 + i:02d}:00:00Z",
                             "dana@acme-logistics.com", name, subject, body, "Open"])  # fmt: skip
    mapping = folder / "mapping.toml"
    mapping.write_text(TICKET_MAPPING)
    return path, mapping


def counts(session: Session) -> dict[str, int]:
    return {
        m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Message, MessageRecipient, Person, Identity, Account, Thread, SkippedRecord)
    }


def serial(make_settings: MakeSettings, **values: Any) -> Settings:
    """Settings that parse in this process (no pool), for small test inputs."""
    settings = make_settings(**values)
    return settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"jobs": 1})})
