"""Folder inputs never follow a link out of the input tree (issue 14).

A maildir entry linked to a system file was opened and read. Now a link that leaves
the folder is a Skipped ("link outside the input folder") and its target is never
read; links that stay inside the folder are followed, a loop of links ends.
"""

from __future__ import annotations

import json
from pathlib import Path

from tieline.domain import Message, Record, Skipped
from tieline.ingest import read_email
from tieline.ingest.slack import read_slack_export
from tieline.ingest.tickets import read_zendesk_export

SECRET = b"root:x:0:0:TOP-SECRET-LINE:/root:/bin/bash\n"
MAIL = (
    b"From: Dana <dana@acme-logistics.com>\nTo: sam@northwind.io\n"
    b"Date: Thu, 12 Mar 2026 10:00:00 +0000\nSubject: hi\n\nInside the tree.\n"
)


def outside(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere" / "passwd"
    target.parent.mkdir()
    target.write_bytes(
        b"From: root@example.com\nDate: Thu, 12 Mar 2026 10:00:00 +0000\n\n" + SECRET
    )
    return target


def records(path: Path) -> list[Record]:
    return list(read_email([path], jobs=1))


def test_maildir_link_to_a_file_outside_is_not_followed(tmp_path: Path) -> None:
    secret = outside(tmp_path)
    maildir = tmp_path / "in" / "maildir"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "new").mkdir()
    (maildir / "cur" / "1.good").write_bytes(MAIL)
    (maildir / "cur" / "2.evil").symlink_to(secret)
    (maildir / "new" / "3.inside").symlink_to(maildir / "cur" / "1.good")

    found = records(maildir)

    texts = [r.body for r in found if isinstance(r, Message)]
    assert all("TOP-SECRET" not in t for t in texts)
    assert texts == ["Inside the tree.", "Inside the tree."]  # the link inside is followed
    (refused,) = [r for r in found if isinstance(r, Skipped)]
    assert refused.locator == str(maildir / "cur" / "2.evil")
    assert refused.reason == "link outside the input folder"


def test_maildir_whose_cur_folder_links_out_is_not_entered(tmp_path: Path) -> None:
    secret = outside(tmp_path)
    maildir = tmp_path / "in"
    (maildir / "new").mkdir(parents=True)
    (maildir / "new" / "1").write_bytes(MAIL)
    (maildir / "cur").symlink_to(secret.parent, target_is_directory=True)
    assert [type(r).__name__ for r in records(maildir)] == ["Message"]


def test_message_folder_links_and_loops(tmp_path: Path) -> None:
    secret = outside(tmp_path)
    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.eml").write_bytes(MAIL)
    (root / "evil.eml").symlink_to(secret)
    (root / "outdir").symlink_to(secret.parent, target_is_directory=True)
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)  # inside, but a loop
    (root / "dangling.eml").symlink_to(tmp_path / "nothing-here")

    found = records(root)

    assert [r.body for r in found if isinstance(r, Message)] == ["Inside the tree."]
    refused = sorted(Path(r.locator).name for r in found if isinstance(r, Skipped))
    assert refused == ["dangling.eml", "evil.eml"]
    assert all(r.reason == "link outside the input folder" for r in found if isinstance(r, Skipped))


def test_slack_folder_export_links_out_are_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "secret-channel").mkdir(parents=True)
    day = [{"type": "message", "user": "U1", "text": "TOP-SECRET", "ts": "1767225600.000100"}]
    (elsewhere / "secret-channel" / "2026-01-01.json").write_text(json.dumps(day))
    (elsewhere / "day.json").write_text(json.dumps(day))
    export = tmp_path / "export"
    (export / "general").mkdir(parents=True)
    (export / "users.json").write_text(json.dumps([{"id": "U1", "name": "dana"}]))
    channels = [{"id": "C1", "name": "general"}, {"id": "C2", "name": "secret-channel"}]
    (export / "channels.json").write_text(json.dumps(channels))
    good = [{"type": "message", "user": "U1", "text": "kept", "ts": "1767225601.000100"}]
    (export / "general" / "2026-01-02.json").write_text(json.dumps(good))
    (export / "general" / "2026-01-03.json").symlink_to(elsewhere / "day.json")
    (export / "secret-channel").symlink_to(elsewhere / "secret-channel", target_is_directory=True)

    found = list(read_slack_export(export))

    assert [r.body for r in found if isinstance(r, Message)] == ["kept"]
    (refused,) = [r for r in found if isinstance(r, Skipped)]
    assert refused.reason == "link outside the export"
    assert refused.locator.endswith("general/2026-01-03.json")


def test_zendesk_folder_link_out_is_not_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "users.json").write_text(
        json.dumps({"users": [{"id": 7, "name": "TOP-SECRET", "email": "x@secret.example"}]})
    )
    folder = tmp_path / "zendesk"
    folder.mkdir()
    ticket = {
        "id": 1,
        "subject": "s",
        "requester_id": 7,
        "comments": [
            {"id": 11, "author_id": 7, "created_at": "2026-03-02T10:00:00Z", "plain_body": "hello"}
        ],
    }
    (folder / "tickets.json").write_text(json.dumps({"tickets": [ticket]}))
    (folder / "users.json").symlink_to(elsewhere / "users.json")

    found = list(read_zendesk_export(folder))

    (message,) = [r for r in found if isinstance(r, Message)]
    assert message.body == "hello" and message.author.name != "TOP-SECRET"
    (refused,) = [r for r in found if isinstance(r, Skipped)]
    assert refused.reason == "link outside the input folder"
