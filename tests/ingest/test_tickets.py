from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import DATA, SHARED_DATA
from tieline.domain import (
    AutomatedKind,
    Channel,
    IdentityKind,
    Message,
    RecipientKind,
    Record,
    Skipped,
)
from tieline.errors import ConfigError, IngestError
from tieline.ingest.tickets import TicketMapping, read_ticket_csv, read_zendesk_export

TICKETS = DATA / "tickets"
ZENDESK = TICKETS / "zendesk_export.json"
ZENDESK_JSONL = TICKETS / "zendesk_jsonl"
FRESHDESK = TICKETS / "freshdesk_tickets.csv"
JIRA = SHARED_DATA / "apache_jira_kafka_tickets" / "issues.jsonl"


def split(records: list[Record]) -> tuple[dict[str, Message], list[Skipped]]:
    messages = {r.external_id: r for r in records if isinstance(r, Message)}
    return messages, [r for r in records if isinstance(r, Skipped)]


def zendesk(path: Path = ZENDESK, **kwargs: str) -> tuple[dict[str, Message], list[Skipped]]:
    return split(list(read_zendesk_export(path, **kwargs)))


def freshdesk(*paths: Path) -> tuple[dict[str, Message], list[Skipped]]:
    mapping = TicketMapping.from_toml(TICKETS / "freshdesk_mapping.toml")
    return split(list(read_ticket_csv(list(paths) or FRESHDESK, mapping=mapping)))


# --------------------------------------------------------------------------- Zendesk


def test_zendesk_ids_threading_and_dates() -> None:
    messages, _ = zendesk()
    assert list(messages) == [
        "zendesk:101:1001",
        "zendesk:101:1002",
        "zendesk:101:1004",
        "zendesk:101:1005",
        "zendesk:102:2001",
        "zendesk:102:2002",
        "zendesk:102:2004",
    ]
    first, reply, email = (messages[f"zendesk:101:{c}"] for c in (1001, 1002, 1004))
    assert all(m.channel is Channel.TICKET for m in messages.values())
    assert {m.provider_thread_id for m in messages.values()} == {"zendesk:101", "zendesk:102"}
    assert first.in_reply_to is None and reply.in_reply_to == "zendesk:101:1001"
    # The internal note 1003 is not in the chain; the broken-date comment 2003 neither.
    assert email.in_reply_to == "zendesk:101:1002"
    assert messages["zendesk:102:2004"].in_reply_to == "zendesk:102:2002"
    # "+01:00" is converted to UTC.
    assert email.sent_at == datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    assert first.subject == "Shipment sync failing since Monday"
    assert first.locator.endswith("zendesk_export.json#ticket=101&comment=1001")
    assert len(first.content_hash) == 64 and first.size_bytes > 0


def test_zendesk_authors_and_recipients() -> None:
    messages, _ = zendesk()
    first, reply = messages["zendesk:101:1001"], messages["zendesk:101:1002"]
    # Email lowercased; subdomain from the ticket url; title from user_fields.
    assert first.author.email == "dana.whitfield@acme-logistics.com"
    assert first.author.name == "Dana Whitfield"
    assert first.author.ids == ((IdentityKind.ZENDESK, "northwind:9001"),)
    assert first.author.title == "Head of Operations"
    assert reply.author.title == "Customer Success Manager"  # user_fields.job_title
    # The requester writes: the assignee is TO, the collaborator (also an email CC) CC once.
    assert [(k, a.email) for k, a in first.recipients] == [
        (RecipientKind.TO, "priya@northwind.io"),
        (RecipientKind.CC, "marco.ruiz@acme-logistics.com"),
    ]
    assert first.recipients[1][1].title == "Logistics Analyst"  # top-level "title"
    # The assignee writes: the requester is TO, never the author herself.
    assert [(k, a.email) for k, a in reply.recipients] == [
        (RecipientKind.TO, "dana.whitfield@acme-logistics.com"),
        (RecipientKind.CC, "marco.ruiz@acme-logistics.com"),
    ]


def test_zendesk_attributes_and_satisfaction() -> None:
    messages, _ = zendesk()
    first, reply = messages["zendesk:101:1001"], messages["zendesk:101:1002"]
    assert dict(first.attributes) == {
        "ticket_id": "101",
        "status": "solved",
        "priority": "high",
        "ticket_type": "problem",
        "requester": "dana.whitfield@acme-logistics.com",
        "assignee": "priya@northwind.io",
        "organization": "Acme Logistics",
        "satisfaction": "good",
        "created_at": "2026-03-02T09:14:00+00:00",
        "solved_at": "2026-03-03T16:40:00+00:00",
        "first_comment": "true",
    }
    assert "first_comment" not in reply.attributes
    # Every later message of a ticket shares one dict.
    later = [m for k, m in messages.items() if k.startswith("zendesk:101:") and m is not first]
    assert all(m.attributes is reply.attributes for m in later)
    bad = messages["zendesk:102:2001"].attributes
    assert bad["satisfaction"] == "bad"
    assert bad["satisfaction_comment"] == "Took a week to get an answer."
    assert "solved_at" not in bad and bad["first_comment"] == "true"


def test_zendesk_internal_notes_are_dropped_silently() -> None:
    messages, skipped = zendesk()
    assert "zendesk:101:1003" not in messages
    assert all("1003" not in (s.external_id or "") + s.detail for s in skipped)
    assert not any("Internal" in m.body for m in messages.values())


def test_zendesk_bodies_are_cleaned() -> None:
    messages, _ = zendesk()
    reply, email = messages["zendesk:101:1002"], messages["zendesk:101:1004"]
    assert reply.body.startswith("Hi Dana, we found a stuck job")  # plain_body wins over body
    assert reply.signature.startswith("Best regards,\nPriya Natarajan")
    assert email.body == "Confirmed, the sync works again."
    assert email.signature.startswith("Thanks,\nDana Whitfield")
    assert email.quoted_text.startswith("On Mon, 2 Mar 2026 at 10:02, Priya Natarajan")
    html = messages["zendesk:102:2001"]  # html_body only
    assert html.body == "Our March invoice is in USD, the contract says EUR.\nPlease reissue it."


def test_zendesk_automated_comments() -> None:
    messages, _ = zendesk()
    trigger, system = messages["zendesk:101:1005"], messages["zendesk:102:2002"]
    assert trigger.automated_kind is AutomatedKind.NOTIFICATION
    assert trigger.automated_reason == "via rule (trigger) with no human author"
    assert trigger.author.ids == ((IdentityKind.ZENDESK, "northwind:-1"),)
    assert system.automated_kind is AutomatedKind.NOTIFICATION
    assert system.automated_reason == "system user Billing Sync"
    humans = [m for m in messages.values() if m not in (trigger, system)]
    assert all(m.automated_kind is None for m in humans)


def test_zendesk_skipped_reasons() -> None:
    _, skipped = zendesk()
    assert [(s.locator.rpartition("#")[2], s.reason) for s in skipped] == [
        ("ticket=102", "unparseable date"),
        ("ticket=?", "missing ticket id"),
    ]
    assert skipped[0].external_id == "zendesk:102:2003"
    assert "last tuesday" in skipped[0].detail


def test_zendesk_jsonl_folder_matches_the_single_file() -> None:
    single, _ = zendesk()
    folder, skipped = zendesk(ZENDESK_JSONL)

    def view(m: Message) -> tuple[object, ...]:
        return (m.sent_at, m.author, m.recipients, m.body, m.in_reply_to, dict(m.attributes))

    assert list(folder) == list(single)
    assert [view(m) for m in folder.values()] == [view(m) for m in single.values()]
    assert Counter(s.reason for s in skipped) == {
        "unparseable JSON line": 1,
        "unparseable date": 1,
        "missing ticket id": 1,
    }
    assert skipped[0].locator.endswith("ticket_comments.jsonl#line=6")


def test_zendesk_top_level_comments_and_subdomain(tmp_path: Path) -> None:
    data = json.loads(ZENDESK.read_text())
    data["comments"] = []
    for ticket in data["tickets"]:
        ticket.pop("url", None)
        for comment in ticket.pop("comments"):
            data["comments"].append({**comment, "ticket_id": ticket.get("id")})
    data["comments"].append({"id": 9, "body": "orphan"})
    data["comments"].append(
        {"id": 2005, "ticket_id": 102, "created_at": "2026-03-12T09:00:00Z", "body": "Who?"}
    )
    data["tickets"].append({"id": 103, "subject": "Nothing exported"})
    # Incremental exports repeat a ticket after each update: the last version wins.
    data["tickets"].append({**data["tickets"][1], "status": "solved"})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data))
    messages, skipped = zendesk(path)
    assert len(messages) == 7
    first = messages["zendesk:101:1001"]
    assert first.author.ids == ((IdentityKind.ZENDESK, "zendesk:9001"),)  # no url: default
    assert Counter(s.reason for s in skipped) == {
        "comment without ticket id": 1,
        "missing author": 1,
        "unparseable date": 1,
        "missing ticket id": 1,
        "no comments": 1,
    }
    assert messages["zendesk:102:2001"].attributes["status"] == "solved"
    messages, _ = zendesk(path, subdomain="acme")
    assert messages["zendesk:101:1001"].author.ids == ((IdentityKind.ZENDESK, "acme:9001"),)


def test_zendesk_unreadable_exports_raise(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "nothing.json").write_text('{"users": []}')
    (tmp_path / "empty").mkdir()
    for bad in ("broken.json", "nothing.json", "empty", "absent.json"):
        with pytest.raises(IngestError):
            list(read_zendesk_export(tmp_path / bad))


# --------------------------------------------------------------------------- mapped exports


def test_csv_mapping_ids_dates_threading_and_attributes() -> None:
    messages, skipped = freshdesk()
    assert list(messages) == [
        "freshdesk:5001:0",  # no Conversation ID: its row number in the ticket
        "freshdesk:5001:41",
        "freshdesk:5001:43",
        "freshdesk:5002:0",
        "freshdesk:5002:52",
    ]
    opening, reply, thanks = (messages[f"freshdesk:5001:{c}"] for c in ("0", "41", "43"))
    assert opening.sent_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)  # "%d/%m/%Y %H:%M"
    assert opening.author.email == "dana.whitfield@acme-logistics.com"
    assert opening.author.ids == ((IdentityKind.TICKETS, "freshdesk:11"),)
    assert reply.author.name == "Priya Natarajan"
    assert opening.provider_thread_id == "freshdesk:5001"
    assert (reply.in_reply_to, thanks.in_reply_to) == ("freshdesk:5001:0", "freshdesk:5001:41")
    # Ticket-level columns from the opening row reach every message.
    assert {m.subject for m in (opening, reply, thanks)} == {"Report export times out"}
    assert dict(reply.attributes) == {
        "ticket_id": "5001",
        "status": "Open",
        "priority": "High",
        "group": "Tier 2",
        "row_kind": "comment",
    }
    assert opening.attributes["row_kind"] == "ticket"
    assert opening.attributes["first_comment"] == "true"
    # Cleaning applies: the sign-off and the quoted reply leave the body.
    assert reply.body.endswith("5 minutes for your workspace.")
    assert reply.signature == "Best regards,\nPriya"
    assert thanks.body == "Works now, thank you!" and thanks.quoted_text.startswith("On Mon")
    # Ticket 5002's reply sits above its opening row in the file: time order wins.
    assert messages["freshdesk:5002:0"].in_reply_to is None
    assert messages["freshdesk:5002:52"].in_reply_to == "freshdesk:5002:0"
    assert messages["freshdesk:5002:52"].subject == "SSO login loop"
    assert all(m.recipients == () for m in messages.values())
    # The private note is dropped without a Skipped; bad rows are Skipped with the reason.
    assert "freshdesk:5001:42" not in messages
    assert [(s.locator.rpartition("#")[2], s.reason) for s in skipped] == [
        ("row=8", "missing ticket id"),
        ("row=7", "unparseable date"),
    ]
    assert "%d/%m/%Y %H:%M" in skipped[1].detail


def _csv_rows() -> list[dict[str, str]]:
    with FRESHDESK.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_json_array_json_lines_and_split_files_read_like_the_csv(tmp_path: Path) -> None:
    expected, expected_skipped = freshdesk()
    rows = _csv_rows()
    array, lines = tmp_path / "export.json", tmp_path / "export.jsonl"
    array.write_text(json.dumps({"tickets": rows}))
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tickets, comments = tmp_path / "tickets.csv", tmp_path / "comments.csv"
    for path, kind in ((tickets, "ticket"), (comments, "")):
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if (r["Type"] == "ticket") == bool(kind))
    for paths in ((array,), (lines,), (tickets, comments)):
        messages, skipped = freshdesk(*paths)
        assert sorted(messages) == sorted(expected)
        for key, message in messages.items():
            assert message.body == expected[key].body
            assert message.in_reply_to == expected[key].in_reply_to
            assert message.attributes == expected[key].attributes
        assert sorted(s.reason for s in skipped) == sorted(s.reason for s in expected_skipped)


def test_nested_comments_and_subject_in_body(tmp_path: Path) -> None:
    mapping = TicketMapping(
        system="jira",
        ticket_id="key",
        created_at="fields.created",
        subject="text",
        body="text",
        author_name="fields.reporter.displayName",
        author_id="fields.reporter.name",
        author_email="fields.reporter.emailAddress",
        comments_field="comments",
        comment_columns={
            "comment_id": "id",
            "created_at": "created",
            "body": "body",
            "author_name": "author",
            "author_id": "author",
        },  # fmt: skip
        attributes={"resolved_at": "fields.resolved", "labels": "labels"},
    )
    issue = {
        "key": "NW-7",
        "text": "Webhook retries\n\nRetries stop after one attempt.",
        "labels": ["webhooks", "sla"],
        "fields": {
            "created": "2026-03-02T09:00:00.000+0100",
            "resolved": "2026-03-04T12:00:00.000+0000",
            "reporter": {"displayName": "Dana W", "name": "dana", "emailAddress": "D@acme.com"},
        },
        "comments": [
            {"id": "11", "author": "priya", "created": "2026-03-02T11:00:00Z", "body": "On it."},
            {"id": "12", "author": "dana", "created": "2026-03-02T10:00:00Z", "body": "Urgent!"},
        ],
    }
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": [issue]}))
    messages, skipped = split(list(read_ticket_csv(path, mapping=mapping)))
    assert skipped == []
    assert list(messages) == ["jira:NW-7:0", "jira:NW-7:12", "jira:NW-7:11"]
    opening = messages["jira:NW-7:0"]
    assert opening.subject == "Webhook retries"
    assert opening.body == "Retries stop after one attempt."
    assert opening.sent_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert opening.author.email == "d@acme.com"
    assert messages["jira:NW-7:11"].in_reply_to == "jira:NW-7:12"
    assert messages["jira:NW-7:11"].author.ids == ((IdentityKind.TICKETS, "jira:priya"),)
    assert messages["jira:NW-7:11"].subject == "Webhook retries"
    assert opening.attributes["resolved_at"] == "2026-03-04T12:00:00+00:00"
    assert opening.attributes["labels"] == "webhooks, sla"


def test_author_name_stands_in_for_a_missing_id(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "conv,at,who,email,text\n"
        "c1,2026-03-02T09:00:00Z,Dana W,,Hello?\n"
        "c1,2026-03-02T09:05:00Z,Priya N,priya@northwind.io,Hi Dana!\n"
        "c1,2026-03-02T09:06:00Z,,,Nobody wrote this.\n"
    )
    mapping = TicketMapping(
        system="intercom", ticket_id="conv", created_at="at", body="text",
        author_name="who", author_email="email",
    )  # fmt: skip
    messages, skipped = split(list(read_ticket_csv(path, mapping=mapping)))
    assert messages["intercom:c1:0"].author.ids == ((IdentityKind.TICKETS, "intercom:Dana W"),)
    assert messages["intercom:c1:1"].author.ids == ()  # the email is the key
    assert messages["intercom:c1:1"].author.email == "priya@northwind.io"
    assert [s.reason for s in skipped] == ["missing author"]


def test_mapping_from_toml_reports_problems(tmp_path: Path) -> None:
    mapping = TicketMapping.from_toml(TICKETS / "freshdesk_mapping.toml")
    assert mapping.system == "freshdesk" and mapping.date_format == "%d/%m/%Y %H:%M"
    assert mapping.attributes == {"group": "Group"}
    bad = tmp_path / "bad.toml"
    bad.write_text('system = "x"\nticket_id = 3\nbogus = "y"\n[comment_columns]\nsubject = "s"\n')
    with pytest.raises(ConfigError) as error:
        TicketMapping.from_toml(bad)
    for problem in ("unknown key 'bogus'", "missing 'body'", "'ticket_id' must be a string",
                    "unknown comment_columns key 'subject'"):  # fmt: skip
        assert problem in error.value.message
    with pytest.raises(ConfigError):
        TicketMapping.from_toml(tmp_path / "absent.toml")


def test_unreadable_ticket_file_raises(tmp_path: Path) -> None:
    mapping = TicketMapping.from_toml(TICKETS / "freshdesk_mapping.toml")
    (tmp_path / "x.json").write_text('{"unrelated": 1}')
    # A mapping whose ticket_id column no row has is a whole-file problem, not N skips.
    (tmp_path / "other.csv").write_text("Key,Created,Text\nA-1,2026-03-02,hello\n")
    for bad in ("x.json", "absent.csv", "other.csv"):
        with pytest.raises(IngestError):
            list(read_ticket_csv(tmp_path / bad, mapping=mapping))


@pytest.mark.slow
@pytest.mark.skipif(not JIRA.is_file(), reason=f"{JIRA} is absent")
def test_jira_mapping_on_the_real_kafka_tickets() -> None:
    mapping = TicketMapping.from_toml(TICKETS / "jira_kafka_mapping.toml")
    messages, skipped = split(list(read_ticket_csv(JIRA, mapping=mapping)))
    # 256 issues and their 398 comments (PROVENANCE.md), none skipped.
    assert skipped == []
    assert len(messages) == 654
    assert len({m.provider_thread_id for m in messages.values()}) == 256
    kinds = Counter(m.attributes["row_kind"] for m in messages.values())
    assert kinds == {"ticket": 256, "comment": 398}
    opening = messages["jira:KAFKA-18259:0"]
    assert opening.subject == "Documentation for consumer auto.offset.reset contains invalid HTML"
    assert opening.author.ids == ((IdentityKind.TICKETS, "jira:Andrew Schofield"),)
    assert opening.attributes["priority"] == "Minor"
    assert opening.attributes["resolved_at"] == "2024-12-16T17:48:11+00:00"
    first = messages["jira:KAFKA-18259:17905847"]
    assert first.in_reply_to == "jira:KAFKA-18259:0"
    assert first.author.name == "TengYao Chi"
    assert messages["jira:KAFKA-18259:17905893"].in_reply_to == first.external_id
    assert all(m.sent_at.tzinfo is UTC for m in messages.values())
