"""Ingest real chat and ticket data from ../shared/data (issue #6).

* ``slack_software_chats_disentangled``: 52,739 messages from three public Slack
  communities (Chatterjee et al., MSR 2020), stored as XML, not as a Slack export.
  :func:`write_slack_exports` turns each community into a standard export folder.
* ``apache_jira_kafka_tickets``: 256 Kafka issues with 398 comments, read through the
  generic ticket reader and ``tests/data/tickets/jira_kafka_mapping.toml``.

Each test checks: no crash, a clear reason for every skipped record, and that
re-importing adds nothing.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import SHARED_DATA
from tieline import service
from tieline.config import Settings

SLACK = SHARED_DATA / "slack_software_chats_disentangled"
JIRA = SHARED_DATA / "apache_jira_kafka_tickets"
JIRA_MAPPING = Path(__file__).resolve().parents[1] / "data" / "tickets" / "jira_kafka_mapping.toml"

# The reasons a Slack export's records may be skipped for (tieline/ingest/slack.py).
SLACK_SKIP_REASONS = frozenset(
    {
        "invalid Slack export file",
        "invalid Slack day file",
        "not a message object",
        "message_changed without message ts",
        "message without ts",
        "invalid ts",
        "message without user",
        "empty message",
        "unparseable message",
        "message too large",
        "file too large",
        "compression ratio too high",
        "link outside the export",
    }
)
# The PostgreSQL run takes this many messages per community, in time order (6,000 in
# all): the whole set (52k) is ingested on SQLite only (about 25 s for both imports),
# because on PostgreSQL it took about 175 s (106 s for the first import alone).
POSTGRES_LIMIT = 2_000


def write_slack_exports(source: Path, target: Path, limit: int | None = None) -> dict[str, int]:
    """One Slack export folder per community (team) under ``target``; messages per team.

    Every ``data/<team>/<year>/merged-<team>-<channel>.xml`` becomes the channel's
    day files (``YYYY-MM-DD.json`` by UTC date); years of one channel are merged.
    Users get their pseudonym as id and name, so ``<@Name>`` mentions resolve, and
    the team as ``team_id``, so a pseudonym in two communities is two people.
    ``ts`` comes from the ISO time (taken as UTC), bumped by a microsecond where two
    messages of a channel would share one. Texts are kept as they are.
    """
    by_team: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for xml_file in sorted(source.glob("data/*/*/*.xml")):
        root = ET.parse(xml_file).getroot()
        team, channel = root.findtext("team_domain") or "", root.findtext("channel_name") or ""
        for element in root.iter("message"):
            at = datetime.fromisoformat(element.findtext("ts") or "").replace(tzinfo=UTC)
            by_team[team][channel].append(
                {"at": at, "user": element.findtext("user") or "", "text": element.findtext("text")}
            )
    written: dict[str, int] = {}
    for team, channels in sorted(by_team.items()):
        folder = target / team
        folder.mkdir(parents=True)
        users: set[str] = set()
        written[team] = 0
        for channel, items in channels.items():
            items.sort(key=lambda item: item["at"])
            days: dict[str, list[dict[str, Any]]] = defaultdict(list)
            seen: set[int] = set()
            for item in items[:limit]:
                micros = int(item["at"].timestamp()) * 1_000_000 + item["at"].microsecond
                while micros in seen:
                    micros += 1
                seen.add(micros)
                ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
                day = datetime.fromtimestamp(micros // 1_000_000, UTC).date().isoformat()
                message = {"type": "message", "user": item["user"], "text": item["text"], "ts": ts}
                days[day].append(message)
                users.add(item["user"])
                written[team] += 1
            (folder / channel).mkdir()
            for day, messages in days.items():
                (folder / channel / f"{day}.json").write_text(json.dumps(messages))
        channel_list = [{"id": f"C{i}", "name": name} for i, name in enumerate(sorted(channels))]
        (folder / "channels.json").write_text(json.dumps(channel_list))
        user_list = [
            {"id": u, "name": u, "team_id": team, "profile": {"real_name": u}}
            for u in sorted(users)
            if u
        ]
        (folder / "users.json").write_text(json.dumps(user_list))
    return written


@pytest.mark.slow
@pytest.mark.skipif(not (SLACK / "data").is_dir(), reason=f"{SLACK}/data is absent")
def test_real_slack_chats(
    session: Session,
    make_settings: Callable[..., Settings],
    db_url: str,
    tmp_path: Path,
) -> None:
    limit = None if db_url.startswith("sqlite") else POSTGRES_LIMIT
    written = write_slack_exports(SLACK, tmp_path / "exports", limit)
    total = sum(written.values())
    if limit is None:
        assert total == 52_739
    paths = [tmp_path / "exports" / team for team in sorted(written)]
    settings = make_settings()

    first = service.ingest_slack(session=session, settings=settings, paths=paths, name="slack")
    session.commit()
    print(f"written {written}, report {first.as_dict()}")
    assert first.read == total
    assert first.new_messages == total - first.skipped
    assert first.new_skipped == first.skipped
    assert sum(first.skipped_reasons.values()) == first.skipped
    assert all(reason for reason in first.skipped_reasons)
    assert set(first.skipped_reasons) <= SLACK_SKIP_REASONS, first.skipped_reasons
    if limit is None:
        # racket 2017 holds one message whose text is empty.
        assert first.skipped_reasons == Counter({"empty message": 1})
    assert first.threads > 0

    again = service.ingest_slack(session=session, settings=settings, paths=paths, name="slack")
    session.commit()
    assert again.new_messages == 0 and again.new_skipped == 0
    assert again.duplicates == first.new_messages


@pytest.mark.slow
@pytest.mark.skipif(not (JIRA / "issues.jsonl").is_file(), reason=f"{JIRA}/issues.jsonl is absent")
def test_real_jira_tickets(session: Session, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    paths = [JIRA / "issues.jsonl"]

    first = service.ingest_tickets(
        session=session, settings=settings, paths=paths, mapping=JIRA_MAPPING
    )
    session.commit()
    print(f"report {first.as_dict()}")
    # eval/jira_tickets.py: 256 tickets, 654 messages (256 ticket rows, 398 comments).
    assert first.new_messages == 654
    assert first.skipped == 0 and not first.skipped_reasons
    assert first.threads > 0

    again = service.ingest_tickets(
        session=session, settings=settings, paths=paths, mapping=JIRA_MAPPING
    )
    session.commit()
    assert again.new_messages == 0 and again.new_skipped == 0
