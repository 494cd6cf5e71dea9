"""Read the real Apache Kafka JIRA scrape with the generic ticket reader and summarise it.

    .venv/bin/python eval/jira_tickets.py [ISSUES_JSONL] [--mapping TOML]

Defaults: ``$TIELINE_SHARED_DATA`` (else ``../shared/data`` beside the project)
``/apache_jira_kafka_tickets/issues.jsonl`` and ``tests/data/tickets/jira_kafka_mapping.toml``.
The dataset is one file: each issue record nests its comments, which the mapping's
``comments_field`` turns into comment rows, so no concatenation of files is needed here.

Prints tickets, messages, skipped records by reason, distinct authors, and first-response
time: per ticket, the first comment by someone other than the reporter minus the ticket's
creation (the opening row's time), as a median overall and by priority.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from tieline.domain import Message, Skipped
from tieline.ingest.tickets import TicketMapping, read_ticket_csv

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TIELINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_DATA = SHARED_DATA / "apache_jira_kafka_tickets" / "issues.jsonl"
DEFAULT_MAPPING = ROOT / "tests" / "data" / "tickets" / "jira_kafka_mapping.toml"


def _author_key(message: Message) -> str:
    return ",".join(v for _, v in message.author.ids) or message.author.email


def first_responses(messages: list[Message]) -> dict[str, tuple[timedelta, str]]:
    """Per thread: (time from the opening row to the first non-reporter comment, priority)."""
    threads: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        threads[message.provider_thread_id or message.external_id].append(message)
    out: dict[str, tuple[timedelta, str]] = {}
    for thread, items in threads.items():
        items.sort(key=lambda m: m.sent_at)
        opening = next((m for m in items if m.attributes.get("row_kind") == "ticket"), None)
        if opening is None:
            continue
        reporter = _author_key(opening)
        reply = next(
            (
                m
                for m in items
                if m.attributes.get("row_kind") == "comment" and _author_key(m) != reporter
            ),
            None,
        )
        if reply is not None:
            out[thread] = reply.sent_at - opening.sent_at, opening.attributes.get("priority", "")
    return out


def _median(values: list[timedelta]) -> timedelta:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d ({hours:.0f} h)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--mapping", type=Path, default=DEFAULT_MAPPING)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"dataset not found: {args.data}", file=sys.stderr)
        return 2
    records = list(read_ticket_csv(args.data, mapping=TicketMapping.from_toml(args.mapping)))
    messages = [r for r in records if isinstance(r, Message)]
    skipped = Counter(r.reason for r in records if isinstance(r, Skipped))
    tickets = {m.provider_thread_id for m in messages}
    kinds = Counter(m.attributes.get("row_kind", "?") for m in messages)
    print(f"dataset:   {args.data}")
    print(f"tickets:   {len(tickets)}")
    print(
        f"messages:  {len(messages)} ({kinds['ticket']} ticket rows, {kinds['comment']} comments)"
    )
    print(f"skipped:   {sum(skipped.values())}")
    for reason, count in skipped.most_common():
        print(f"  {count:5d}  {reason}")
    print(f"authors:   {len({_author_key(m) for m in messages})} distinct")
    responses = first_responses(messages)
    print(
        f"first response (first comment by someone other than the reporter): "
        f"{len(responses)} of {len(tickets)} tickets"
    )
    if responses:
        deltas = sorted(d for d, _ in responses.values())
        print(f"  median  {_hours(_median(deltas))}")
        print(f"  p25     {_hours(deltas[len(deltas) // 4])}")
        print(f"  p75     {_hours(deltas[(3 * len(deltas)) // 4])}")
        by_priority: dict[str, list[timedelta]] = defaultdict(list)
        for delta, priority in responses.values():
            by_priority[priority or "?"].append(delta)
        for priority, values in sorted(by_priority.items(), key=lambda kv: -len(kv[1])):
            median = _hours(_median(values))
            print(f"  {priority:<9} n={len(values):3d}  median {median}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
