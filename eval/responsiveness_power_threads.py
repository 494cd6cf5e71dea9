"""Check ``tieline.nlp.responsiveness.reply_latencies`` against the Enron power threads.

Data: the Enron email threads annotated for power (Prabhakaran, Rambow & Diab, LREC
2012), copied to ``/work/shared/data/enron_power_threads_lrec2012`` (see its
PROVENANCE.md); this reads its ``derived/messages.jsonl`` (122 thread files, 360
messages, each with ``parent_id``, the data's explicit reply tree, and ``date_time``).

Turns. Email has no "company vs customer" sides, so every message P is checked as an
asker on its own: its thread is rebuilt as a two-sided view in which P's author is side
"them" and every other author is side "us", every message's ``in_reply_to`` is its
``parent_id`` as given (also when the parent lies outside the annotated subset: the link
then points at nothing, so that message answers nothing; thread starters, ``parent_id``
NULL or empty, get none), and ``reply_latencies`` runs on that view. One view per asker
makes every (asker, replier) pair a customer/company pair for the function.

Authors. An author is the ``from`` person id. Where one message's ``from`` lists two
person ids (the Enron database split one sender into two records: 17 messages), those
ids are merged into one author within that thread. Messages without a ``from`` (39)
have no known author: they are left out of the views (neither asker nor replier) and
counted; a reply from one of them is not counted as a reply "by someone else".

Check: for every message P with a known author, ``answered_by`` must be the earliest
direct reply to P (a message whose ``parent_id`` is P) by a different author, ties in
time broken by file order as in the function, and ``seconds`` exactly its timestamp
minus P's; ``answered_by`` must be ``None`` when P has no such reply. A reply dated
before its parent is a data error: such links are counted and listed, kept out of the
expected answer (the function by design does not let a reply precede its target) and
checked not to be picked as the answer.

The check runs twice: with the data's links passed as given (thread starters and the
messages whose ``parent_id`` is missing carry no ``in_reply_to``, so the function's
documented fallback lets them answer every earlier unanswered turn of the other side),
and "links only", where such messages get a link to nothing so that only the data's
reply links can answer. Mismatches list the answering message's ``parent_id``/depth.

Clock: ``date_time`` has no zone. It is read as America/Chicago (Enron's Houston office)
for every message, so both ends of a reply use the same clock; elapsed seconds are
taken in UTC, so only a pair straddling a DST change differs from plain wall-clock
subtraction (counted). Missing or unparseable timestamps are skipped and counted.
Business hours: America/Chicago 9-17, Mon-Fri.

Prints the counts, matches and mismatches (the first ones in detail), the median and
p90 first-reply latency in hours (wall-clock and business) and the share of messages
never answered.

Run: ``.venv/bin/python eval/responsiveness_power_threads.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tieline.nlp.responsiveness import BusinessHours, Latency, Turn, reply_latencies

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "enron_power_threads_lrec2012"
)
ZONE = ZoneInfo("America/Chicago")
HOURS = BusinessHours(tz="America/Chicago")
NO_PARENT = {"", "NULL"}


@dataclass(frozen=True, slots=True)
class Message:
    index: int
    key: str
    thread: str
    file: str
    parent: str | None
    depth: str
    raw_time: str
    at: datetime | None
    sender_ids: tuple[str, ...]


def _parse_time(value: str) -> datetime | None:
    try:
        naive = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=ZONE)


def _ambiguous(at: datetime) -> bool:
    """True for a local time that a DST change makes repeated or nonexistent."""
    return at.replace(fold=0).utcoffset() != at.replace(fold=1).utcoffset()


def load(path: Path) -> list[Message]:
    out: list[Message] = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            row = json.loads(line)
            raw_parent = str(row.get("parent_id") or "").strip()
            raw_time = str(row.get("date_time") or "")
            senders = row.get("from") or []
            out.append(
                Message(
                    index=i,
                    key=str(row["message_id"]),
                    thread=str(row["thread_id"]),
                    file=str(row["file"]),
                    parent=None if raw_parent in NO_PARENT else raw_parent,
                    depth=str(row.get("depth") or "").strip(),
                    raw_time=raw_time,
                    at=_parse_time(raw_time),
                    sender_ids=tuple(str(p["id"]) for p in senders),
                )
            )
    return out


def _find(parent: dict[str, str], x: str) -> str:
    parent.setdefault(x, x)
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def authors(messages: list[Message]) -> dict[str, str | None]:
    """Author per message key: person ids listed together in one ``from`` merged per thread."""
    uf: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for m in messages:
        ids = uf[(m.file, m.thread)]
        for other in m.sender_ids[1:]:
            ids[_find(ids, other)] = _find(ids, m.sender_ids[0])
    return {
        m.key: _find(uf[(m.file, m.thread)], m.sender_ids[0]) if m.sender_ids else None
        for m in messages
    }


def _elapsed(asked: datetime, reply: datetime) -> float:
    return reply.timestamp() - asked.timestamp()


def _quantiles(values: list[float]) -> tuple[float, float]:
    med = statistics.median(values)
    p90 = (
        values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]
    )
    return med, p90


def check(
    usable: list[Message],
    threads: dict[tuple[str, str], list[Message]],
    author: dict[str, str | None],
    expected: dict[str, Message],
    by_key: dict[str, Message],
    *,
    links_only: bool,
) -> tuple[dict[str, Latency], list[str]]:
    """Run one two-sided view per asker and compare with ``expected``.

    ``links_only`` gives every message without a ``parent_id`` a link to nothing, so
    only the data's reply links can answer (the function's fallback, "a turn without
    ``in_reply_to`` answers every earlier unanswered turn of the other side", is off).
    """
    results: dict[str, Latency] = {}
    for p in usable:
        turns = [
            Turn(
                key=m.key,
                thread=m.thread,
                at=m.at,
                side="them" if author[m.key] == author[p.key] else "us",
                person=str(author[m.key]),
                in_reply_to=m.parent
                if m.parent is not None or not links_only
                else f"<no parent_id: {m.key}>",
            )
            for m in threads[(p.file, p.thread)]
            if m.at is not None and author[m.key] is not None
        ]
        results[p.key] = reply_latencies(turns, business=HOURS)[p.key]
    mismatches: list[str] = []
    for p in usable:
        lat = results[p.key]
        want = expected.get(p.key)
        assert p.at is not None
        if want is None:
            if lat.answered_by is not None:
                got = by_key[lat.answered_by]
                mismatches.append(
                    f"{p.file} #{p.key} ({p.raw_time}, depth {p.depth}): no direct reply by "
                    f"someone else in the data; function: answered by #{got.key} "
                    f"({got.raw_time}, parent_id {got.parent or 'empty'}, depth {got.depth}) "
                    f"after {lat.seconds} s"
                )
            continue
        assert want.at is not None
        seconds = _elapsed(p.at, want.at)
        if lat.answered_by != want.key or lat.seconds != seconds:
            mismatches.append(
                f"{p.file} #{p.key} ({p.raw_time}): expected #{want.key} ({want.raw_time}) "
                f"after {seconds} s; function: #{lat.answered_by} after {lat.seconds} s"
            )
    return results, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    messages = load(args.data / "derived" / "messages.jsonl")
    by_key = {m.key: m for m in messages}
    if len(by_key) != len(messages):
        raise SystemExit("duplicate message_id in the data: keys would be ambiguous")
    author = authors(messages)
    threads: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in messages:
        threads[(m.file, m.thread)].append(m)

    bad_time = [m for m in messages if m.at is None]
    ambiguous = [m for m in messages if m.at is not None and _ambiguous(m.at)]
    no_author = [m for m in messages if author[m.key] is None]
    usable = [m for m in messages if m.at is not None and author[m.key] is not None]

    # Reply links inside the data, sorted by kind.
    links_in_file = 0
    links_outside = 0
    cross_thread: list[Message] = []
    by_other: dict[str, list[Message]] = defaultdict(list)
    same_author = 0
    unknown_parent = 0
    unknown_reply = 0
    untimed = 0
    negative: list[tuple[Message, Message]] = []
    dst_straddles = 0
    for m in messages:
        if m.parent is None:
            continue
        p = by_key.get(m.parent)
        if p is None:
            links_outside += 1
            continue
        links_in_file += 1
        if (p.file, p.thread) != (m.file, m.thread):
            cross_thread.append(m)
            continue
        if author[m.key] is None or author[p.key] is None:
            unknown_parent += author[p.key] is None
            unknown_reply += author[m.key] is None
            continue
        if author[m.key] == author[p.key]:
            same_author += 1
            continue
        if m.at is None or p.at is None:
            untimed += 1
            continue
        if m.at < p.at:
            negative.append((p, m))
            continue
        if (m.at.replace(tzinfo=None) - p.at.replace(tzinfo=None)).total_seconds() != _elapsed(
            p.at, m.at
        ):
            dst_straddles += 1
        by_other[p.key].append(m)
    expected = {k: min(v, key=lambda r: (r.at, r.index)) for k, v in by_other.items()}
    negative_of = {m.key: p.key for p, m in negative}

    results, mismatches = check(usable, threads, author, expected, by_key, links_only=False)
    strict, strict_mismatches = check(usable, threads, author, expected, by_key, links_only=True)
    picked_negative = [
        f"#{p} answered by #{m}, which the data dates before it"
        for m, p in negative_of.items()
        if p in results and results[p].answered_by == m
    ]
    orphans = [m for m in messages if m.parent is None and m.depth not in ("", "0")]

    answered = [results[k] for k in expected if k in results]
    wall = [lat.seconds / 3600 for lat in answered if lat.seconds is not None]
    biz = [lat.business_seconds / 3600 for lat in answered if lat.business_seconds is not None]
    never = sum(1 for p in usable if results[p.key].answered_by is None)
    never_strict = sum(1 for p in usable if strict[p.key].answered_by is None)

    print(f"messages: {len(messages)}  threads: {len(threads)}")
    print(
        f"skipped: {len(bad_time)} missing/unparseable timestamps, "
        f"{len(no_author)} messages without an author (no 'from'); "
        f"checked as askers: {len(usable)}"
    )
    print(
        f"timestamps read as America/Chicago; {len(ambiguous)} fall in a DST gap/overlap; "
        f"{dst_straddles} replies straddle a DST change (elapsed time taken in UTC)"
    )
    print(
        f"reply links: {links_in_file + links_outside} "
        f"({links_in_file} to a message in the file, {links_outside} outside the subset); "
        f"of those in the file: {sum(len(v) for v in by_other.values())} by someone else, "
        f"{same_author} same author, author unknown: {unknown_parent} parent / "
        f"{unknown_reply} reply, "
        f"{untimed} untimed, {len(cross_thread)} cross-thread, "
        f"{len(negative)} dated before their parent"
    )
    for p, m in negative[:10]:
        print(f"  reply before parent: #{m.key} ({m.raw_time}) -> #{p.key} ({p.raw_time})")
    print(f"parents with a reply by someone else: {len(expected)}")
    print(
        f"messages without a parent_id but depth > 0 (reply link missing in the data): "
        f"{len(orphans)}"
    )
    print(
        f"check, data links passed as given: askers {len(usable)}, "
        f"matches {len(usable) - len(mismatches)}, mismatches {len(mismatches)}"
    )
    for line in mismatches[:20]:
        print(f"  mismatch: {line}")
    print(
        f"check, links only (messages without parent_id answer nothing): "
        f"matches {len(usable) - len(strict_mismatches)}, mismatches {len(strict_mismatches)}"
    )
    for line in strict_mismatches[:20]:
        print(f"  mismatch: {line}")
    print(f"replies dated before their parent picked as the answer: {len(picked_negative)}")
    for line in picked_negative[:10]:
        print(f"  {line}")
    if wall:
        med, p90 = _quantiles(wall)
        print(f"first reply by someone else, wall-clock: median {med:.2f} h, p90 {p90:.2f} h")
    if biz:
        med, p90 = _quantiles(biz)
        print(
            "first reply by someone else, business hours (America/Chicago 9-17 Mon-Fri): "
            f"median {med:.2f} h, p90 {p90:.2f} h"
        )
    n = len(usable)
    print(
        f"never answered by someone else (of {n} messages with an author and a timestamp): "
        f"data links {n - len(expected)} ({(n - len(expected)) / n:.1%}), "
        f"function links only {never_strict} ({never_strict / n:.1%}), "
        f"function as given {never} ({never / n:.1%})"
    )


if __name__ == "__main__":
    main()
