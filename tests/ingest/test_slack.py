from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA
from tieline.domain import (
    AutomatedKind,
    Channel,
    IdentityKind,
    Message,
    RecipientKind,
    Record,
    Skipped,
)
from tieline.errors import IngestError
from tieline.ingest.slack import (
    SLACK_SUBTYPES_SKIPPED,
    mentioned_user_ids,
    read_slack_export,
    render_slack_text,
)

EXPORT = DATA / "slack" / "export"
THREAD = "slack:acme-shared:1772442300.000200"


def read(path: Path = EXPORT) -> list[Record]:
    return list(read_slack_export(path))


def messages(path: Path = EXPORT) -> dict[str, Message]:
    return {r.external_id: r for r in read(path) if isinstance(r, Message)}


def skipped(path: Path = EXPORT) -> list[Skipped]:
    return [r for r in read(path) if isinstance(r, Skipped)]


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, prefix + file.relative_to(folder).as_posix())
    return target


def write_export(root: Path, days: dict[str, Any], users: list[Any] | None = None) -> Path:
    """A minimal export: one public channel ``general``; ``days`` maps day file names to entries."""
    root.mkdir()
    (root / "users.json").write_text(json.dumps(users or [{"id": "U1", "team_id": "T1"}]))
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (root / "general").mkdir()
    for name, entries in days.items():
        (root / "general" / name).write_text(json.dumps(entries))
    return root


def msg(ts: str, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts, **extra}


def without_path(record: Record, path: Path) -> Record:
    return replace(record, locator=record.locator.removeprefix(str(path)))


# --------------------------------------------------------------------------- the fixture


def test_reads_every_conversation_in_order() -> None:
    records = read()
    got = [r.external_id for r in records if isinstance(r, Message)]
    assert got == [
        "slack:acme-shared:1772442300.000200",
        "slack:acme-shared:1772443200.000300",
        "slack:acme-shared:1772444100.000400",
        "slack:acme-shared:1772445000.000500",
        "slack:acme-shared:1772528400.000100",
        "slack:acme-shared:1772529000.000200",
        "slack:acme-shared:1772529600.000300",
        "slack:acme-shared:1772531400.000700",
        "slack:acme-shared:1772701200.000100",
        "slack:acme-shared:1772701800.000200",
        "slack:cs-team:1772446000.000200",
        "slack:cs-team:1772447000.000300",
        "slack:cs-team:1772448600.000500",
        "slack:cs-team:1772528400.000100",
        "slack:cs-team:1772529600.000300",
        "slack:D01DANAOMAR:1772532000.000100",
        "slack:D01DANAOMAR:1772532600.000200",
    ]
    assert [(s.reason, Path(s.locator).name) for s in skipped()] == [
        ("invalid Slack day file", "2026-03-04.json"),
        ("message without ts", "2026-03-03.json"),
    ]


@pytest.mark.parametrize("prefix", ["", "slack-export/"])
def test_zip_reads_like_the_folder(tmp_path: Path, prefix: str) -> None:
    archive = zip_folder(EXPORT, tmp_path / "export.zip", prefix)
    from_zip = [without_path(r, archive) for r in read(archive)]
    from_folder = [without_path(r, EXPORT) for r in read()]
    assert from_zip == from_folder
    assert len(from_zip) == 19
    assert all(r.locator.startswith(":") for r in from_zip)


def test_message_fields() -> None:
    m = messages()[THREAD]
    assert m.channel is Channel.SLACK
    assert m.sent_at == datetime(2026, 3, 2, 9, 5, 0, 200, tzinfo=UTC)
    assert m.subject == "#acme-shared"
    assert m.body == (
        "Hi @Priya Raman, welcome to the shared channel! Agenda for the QBR: QBR deck & "
        "renewal timeline."
    )
    assert m.locator == f"{EXPORT}:acme-shared/2026-03-02.json"
    raw = (
        "Hi <@U03PRIYA>, welcome to the shared channel! Agenda for the QBR: "
        "<https://docs.northwind.io/qbr/acme|QBR deck> &amp; renewal timeline."
    )
    assert m.size_bytes == len(raw.encode())
    assert len(m.content_hash) == 64
    assert m.automated_kind is None and m.automated_reason is None
    assert m.quoted_text == "" and m.signature == ""
    assert messages()["slack:cs-team:1772446000.000200"].subject == "#cs-team"
    assert messages()["slack:D01DANAOMAR:1772532000.000100"].subject == (
        "DM: Dana Whitfield, Omar Haddad"
    )


def test_authors() -> None:
    ms = messages()
    dana = ms[THREAD].author
    assert dana.email == "dana.whitfield@northwind.io"  # lower-cased
    assert dana.name == "Dana Whitfield"
    assert dana.title == "Customer Success Manager"
    assert dana.ids == ((IdentityKind.SLACK, "T0NORTH01:U01DANA"),)
    priya = ms["slack:acme-shared:1772443200.000300"].author  # Slack Connect: her own team
    assert (priya.email, priya.ids) == (
        "priya.raman@acme-logistics.com",
        ((IdentityKind.SLACK, "T0ACME001:U03PRIYA"),),
    )
    assert priya.domain == "acme-logistics.com"
    sam = ms["slack:acme-shared:1772531400.000700"].author  # deleted user keeps name and email
    assert (sam.name, sam.email) == ("Sam Ortiz", "sam.ortiz@northwind.io")
    kai = ms["slack:cs-team:1772447000.000300"].author  # no email, no real name
    assert (kai.name, kai.email, kai.ids) == (
        "Kai",
        "",
        ((IdentityKind.SLACK, "T0NORTH01:U06KAI"),),
    )
    ravi = ms["slack:acme-shared:1772701200.000100"].author  # missing from users.json
    assert (ravi.name, ravi.email) == ("Ravi Menon", "")
    assert ravi.ids == ((IdentityKind.SLACK, "T0ACME001:U0ACMERAVI"),)


def test_threads() -> None:
    ms = messages()
    parent = ms[THREAD]
    assert parent.in_reply_to is None and parent.provider_thread_id == THREAD
    for ts in ("1772443200.000300", "1772444100.000400", "1772529000.000200"):  # across days
        reply = ms[f"slack:acme-shared:{ts}"]
        assert reply.in_reply_to == THREAD and reply.provider_thread_id == THREAD
    lone = ms["slack:acme-shared:1772528400.000100"]
    assert lone.in_reply_to is None and lone.provider_thread_id is None
    # The parent was deleted (tombstone): the reply still names its thread.
    orphan = ms["slack:cs-team:1772448600.000500"]
    assert orphan.in_reply_to == orphan.provider_thread_id == "slack:cs-team:1772448000.000400"
    assert "slack:cs-team:1772448000.000400" not in ms


def test_recipients() -> None:
    ms = messages()

    def to(external_id: str) -> list[str]:
        got = ms[external_id].recipients
        assert all(kind is RecipientKind.TO for kind, _ in got)
        return [a.ids[0][1] for _, a in got]

    assert to(THREAD) == ["T0ACME001:U03PRIYA"]  # mention
    # A reply: the mention, then the parent's author.
    assert to("slack:acme-shared:1772443200.000300") == ["T0NORTH01:U04LEO", "T0NORTH01:U01DANA"]
    assert to("slack:acme-shared:1772444100.000400") == ["T0NORTH01:U01DANA"]
    # Dana replies in her own thread: never her own recipient.
    assert to("slack:acme-shared:1772529000.000200") == ["T0NORTH01:U04LEO"]
    assert to("slack:cs-team:1772447000.000300") == ["T0NORTH01:U01DANA", "T0NORTH01:U02OMAR"]
    # Parent gone: parent_user_id still names its author.
    assert to("slack:cs-team:1772448600.000500") == ["T0NORTH01:U06KAI"]
    # @here is no recipient; a DM goes to the other member.
    assert to("slack:acme-shared:1772528400.000100") == []
    assert to("slack:D01DANAOMAR:1772532000.000100") == ["T0NORTH01:U02OMAR"]
    assert to("slack:D01DANAOMAR:1772532600.000200") == ["T0NORTH01:U01DANA"]
    priya = ms[THREAD].recipients[0][1]
    assert (priya.email, priya.name, priya.title) == (
        "priya.raman@acme-logistics.com",
        "Priya Raman",
        "Head of Operations",
    )


def test_attributes() -> None:
    ms = messages()
    assert ms[THREAD].attributes == {
        "slack_channel": "acme-shared",
        "slack_channel_type": "public",
        "reactions": "thumbsup:3,eyes:1",
        "shared_channel": "true",
    }
    assert ms["slack:acme-shared:1772444100.000400"].attributes["edited"] == "true"
    assert ms["slack:cs-team:1772529600.000300"].attributes == {
        "slack_channel": "cs-team",
        "slack_channel_type": "public",
        "reactions": "eyes:1",  # counted from users when count is missing
    }
    assert ms["slack:D01DANAOMAR:1772532000.000100"].attributes == {
        "slack_channel": "D01DANAOMAR",
        "slack_channel_type": "dm",
    }


def test_bots_are_kept_and_flagged() -> None:
    ms = messages()
    bots = {
        "slack:acme-shared:1772445000.000500": ("Jira Cloud", "export:B09JIRA"),
        "slack:cs-team:1772446000.000200": ("Renewal Reminder", "T0NORTH01:U07BOT"),
        "slack:cs-team:1772528400.000100": ("Slackbot", "export:USLACKBOT"),
    }
    for external_id, (name, identity) in bots.items():
        m = ms[external_id]
        assert m.automated_kind is AutomatedKind.BOT and m.from_machine
        assert m.automated_reason == f"slack bot {name}"
        assert (m.author.email, m.author.name) == ("", name)
        assert m.author.ids == ((IdentityKind.SLACK, identity),)
    # No text: the attachment's title is the body.
    assert ms["slack:acme-shared:1772445000.000500"].body == (
        "ACME-142 Label printer integration failing"
    )
    assert [k for k, m in ms.items() if m.automated] == list(bots)


def test_edits_deletes_and_housekeeping() -> None:
    ms = messages()
    changed = ms["slack:acme-shared:1772529600.000300"]
    assert changed.body == "The export job is fixed in v2.4 :tada:"
    assert changed.attributes["edited"] == "true"
    assert "slack:acme-shared:1772530200.000400" not in ms  # message_deleted
    assert "slack:acme-shared:1772530500.000500" not in ms  # the change event itself
    for gone in ("acme-shared:1772442000.000100", "cs-team:1772442000.000100",
                 "cs-team:1772529000.000200"):  # fmt: skip
        assert f"slack:{gone}" not in ms  # join, purpose, leave: silently
    assert len(skipped()) == 2
    assert {"channel_join", "channel_leave", "channel_purpose"} <= SLACK_SUBTYPES_SKIPPED


def test_files_and_markup_bodies() -> None:
    ms = messages()
    assert ms["slack:acme-shared:1772701800.000200"].body == "QBR agenda March.pdf"
    assert ms["slack:acme-shared:1772528400.000100"].body == (
        "@here quick heads-up: go-live moves to Mar 10. "
        "Status page: https://status.acme-logistics.com"
    )
    assert ms["slack:cs-team:1772529600.000300"].body == (
        "Acme asked & we said yes: #acme-shared is the place for escalations, @channel."
    )
    assert ms["slack:acme-shared:1772701200.000100"].body == (
        "Numbers look good from finance. Write to ravi.menon@acme-logistics.com for invoices."
    )


def test_broken_day_file_is_one_skipped_and_the_channel_goes_on() -> None:
    records = read()
    broken = [r for r in records if r.locator.endswith("acme-shared/2026-03-04.json")]
    assert len(broken) == 1 and isinstance(broken[0], Skipped)
    assert broken[0].locator == f"{EXPORT}:acme-shared/2026-03-04.json"
    assert broken[0].reason == "invalid Slack day file"
    assert broken[0].detail.startswith("invalid JSON: ")
    later = [r for r in records if r.locator.endswith("acme-shared/2026-03-05.json")]
    assert len(later) == 2 and all(isinstance(r, Message) for r in later)


def test_message_without_ts_is_skipped() -> None:
    (no_ts,) = [s for s in skipped() if s.reason == "message without ts"]
    assert no_ts.locator == f"{EXPORT}:cs-team/2026-03-03.json"
    assert no_ts.detail == "this entry lost its timestamp"


def test_content_hash_is_stable_and_distinct() -> None:
    first, second = messages(), messages()
    assert {k: m.content_hash for k, m in first.items()} == {
        k: m.content_hash for k, m in second.items()
    }
    assert len({m.content_hash for m in first.values()}) == len(first)


# --------------------------------------------------------------------------- edge cases


def test_latest_change_wins_and_deletions_cross_day_files(tmp_path: Path) -> None:
    root = write_export(
        tmp_path / "x",
        {
            "2026-01-01.json": [
                msg("100.000001", "first"),
                msg("200.000002", "to be deleted"),
                # Two edits of "first", the later one listed first.
                {"subtype": "message_changed", "ts": "300.000000",
                 "message": msg("100.000001", "third", edited={"ts": "300"})},
                {"subtype": "message_changed", "ts": "250.000000",
                 "message": msg("100.000001", "second", edited={"ts": "250"})},
                # An unfurl: message_changed with the same text, not an edit.
                msg("400.000004", "see <https://x.io>"),
                {"subtype": "message_changed", "ts": "401.000000",
                 "message": msg("400.000004", "see <https://x.io>", attachments=[{"title": "X"}])},
            ],
            "2026-01-02.json": [
                {"subtype": "message_deleted", "deleted_ts": "200.000002", "hidden": True},
                # A change of a message outside the export is still a message.
                {"subtype": "message_changed", "ts": "501.000000",
                 "message": msg("50.000000", "older, edited", edited={"ts": "501"})},
                {"subtype": "message_changed", "ts": "502.000000",
                 "message": {"ts": "60.000000", "subtype": "tombstone", "text": "gone"}},
                msg("60.000000", "deleted by a tombstone edit"),
            ],
        },
    )  # fmt: skip
    ms = messages(root)
    assert list(ms) == ["slack:general:50.000000", "slack:general:100.000001",
                        "slack:general:400.000004"]  # fmt: skip
    assert ms["slack:general:100.000001"].body == "third"
    assert ms["slack:general:100.000001"].attributes["edited"] == "true"
    assert ms["slack:general:100.000001"].locator.endswith("general/2026-01-01.json")
    assert "edited" not in ms["slack:general:400.000004"].attributes
    assert ms["slack:general:50.000000"].body == "older, edited"
    assert ms["slack:general:50.000000"].locator.endswith("general/2026-01-02.json")
    assert skipped(root) == []


def test_odd_entries_never_crash(tmp_path: Path) -> None:
    root = write_export(
        tmp_path / "x",
        {
            "2026-01-01.json": [
                "not an object",
                msg("abc", "bad ts"),
                msg("1.5", ""),
                {"type": "message", "text": "nobody wrote this", "ts": "2.0"},
                msg("3.0", "fine", thread_ts="3.0"),
                msg("4.0", "hidden", hidden=True),
            ],
            "2026-01-02.json": {"not": "a list"},
            "2026-01-03.json": [],
        },
        users=[{"id": "U1"}],  # no team_id: falls back to "export"
    )
    (root / "dms.json").write_text("{broken")
    records = read(root)
    reasons = [r.reason for r in records if isinstance(r, Skipped)]
    assert reasons == [
        "invalid Slack export file",
        "not a message object",
        "invalid ts",
        "invalid Slack day file",
        "empty message",
        "message without user",
    ]
    (only,) = [r for r in records if isinstance(r, Message)]
    assert only.author.ids == ((IdentityKind.SLACK, "export:U1"),)
    assert only.provider_thread_id == "slack:general:3.0"  # a thread parent with no replies here
    assert only.sent_at == datetime.fromtimestamp(3, UTC)


def test_private_channels_and_group_dms(tmp_path: Path) -> None:
    root = write_export(tmp_path / "x", {})
    users = [{"id": u, "team_id": "T1", "profile": {"real_name": u.lower()}} for u in "ABC"]
    (root / "users.json").write_text(json.dumps(users))
    (root / "groups.json").write_text(json.dumps([{"id": "G1", "name": "deal-room"}]))
    (root / "mpims.json").write_text(
        json.dumps([{"id": "G2", "name": "mpdm-a--b--c-1", "members": ["A", "B", "C"]}])
    )
    for folder, text in (("deal-room", "psst <@B>"), ("mpdm-a--b--c-1", "hi all")):
        (root / folder).mkdir()
        (root / folder / "2026-01-01.json").write_text(json.dumps([msg("1.0", text, user="A")]))
    ms = list(messages(root).values())
    assert [(m.subject, m.attributes["slack_channel_type"]) for m in ms] == [
        ("#deal-room", "private"),
        ("mpdm-a--b--c-1", "mpim"),
    ]
    assert [a.name for _, a in ms[0].recipients] == ["b"]
    assert [a.name for _, a in ms[1].recipients] == ["b", "c"]


def test_partly_read_zip_closes_cleanly(tmp_path: Path) -> None:
    records = read_slack_export(zip_folder(EXPORT, tmp_path / "export.zip"))
    assert isinstance(next(records), Skipped | Message)
    del records  # the generator's close() closes the ZIP: no ResourceWarning


# --------------------------------------------------------------------------- errors


def test_bad_zip_raises_ingest_error(tmp_path: Path) -> None:
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(IngestError, match="not a readable ZIP"):
        read_slack_export(bad)  # at once, before iterating


def test_unreadable_sources_raise(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        read_slack_export(tmp_path / "missing.zip")
    with pytest.raises(IngestError, match="not a Slack export"):
        read_slack_export(tmp_path)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(IngestError, match="not a Slack export"):
        read_slack_export(other)


# --------------------------------------------------------------------------- markup


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@U1> hi", "@Dana Whitfield hi"),
        ("<@U9>", "@U9"),
        ("<@U9|sam>", "@sam"),
        ("<@U1|dana>", "@Dana Whitfield"),
        ("<#C1|general>", "#general"),
        ("<#C1>", "#acme-shared"),
        ("<#C9>", "#C9"),
        ("<https://x.io|the doc>", "the doc"),
        ("<https://x.io/?a=1&amp;b=2>", "https://x.io/?a=1&b=2"),
        ("<mailto:a@b.io|a@b.io>", "a@b.io"),
        ("<mailto:a@b.io>", "a@b.io"),
        ("&amp; &lt; &gt; &amp;lt;", "& < > &lt;"),
        ("<!here> <!channel> <!everyone> <!here|here>", "@here @channel @everyone @here"),
        ("<!subteam^S1|@cs-team> <!subteam^S2>", "@cs-team @S2"),
        ("<!date^1773100800^{date_short}|Mar 10>", "Mar 10"),
        ("<https://x.io|R&amp;D>", "R&D"),
        ("no markup at all", "no markup at all"),
        ("", ""),
    ],
)
def test_render_slack_text(raw: str, plain: str) -> None:
    names = {"U1": "Dana Whitfield"}
    assert render_slack_text(raw, names, {"C1": "acme-shared"}) == plain


def test_render_without_lookups_and_mentions() -> None:
    assert render_slack_text("<@U1> &amp; <#C1|x>") == "@U1 & #x"
    assert mentioned_user_ids("<@U1> <@U2|b> <@U1> <#C1> <!here>") == ["U1", "U2"]


def test_unthreaded_replies_are_attributed(tmp_path: Path) -> None:
    users = [
        {"id": u, "team_id": "T1", "real_name": n}
        for u, n in (("UA", "Ann Lee"), ("UB", "Bo Kim"), ("UC", "Cy Roe"), ("UD", "Di Fox"))
    ]
    root = write_export(
        tmp_path / "x",
        {"2026-01-01.json": [
            msg("1767261600.000100", "how do I rotate the export API key?", user="UA"),
            msg("1767261630.000200", "anyone seen the dashboard lag today?", user="UC"),
            msg("1767261660.000300", "<@UA> settings > API > rotate, then update the job",
                user="UB"),
            msg("1767261690.000400", "<@UC> yes, it is a known incident, fix at 3pm", user="UD"),
            msg("1767261720.000500", "<@UB> thanks, that worked", user="UA"),
        ]},
        users=users,
    )  # fmt: skip
    ms = messages(root)
    key = "slack:general:{}".format
    assert ms[key("1767261660.000300")].in_reply_to == key("1767261600.000100")
    assert ms[key("1767261690.000400")].in_reply_to == key("1767261630.000200")
    assert ms[key("1767261720.000500")].in_reply_to == key("1767261660.000300")
    assert ms[key("1767261720.000500")].attributes["reply_attributed"] == "heuristic"
    assert ms[key("1767261600.000100")].in_reply_to is None
