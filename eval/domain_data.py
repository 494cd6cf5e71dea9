"""The project's own B2B evaluation set: labels in this repo, text read from ``../shared/data``.

Each labelled message is keyed by its source's own id (``docs/annotation.md`` says what the
labels mean and how the sample was drawn). Only the labels are committed, in
``eval/labels/domain/*.jsonl``; the text is rebuilt here from the public datasets, the way
Tieline itself would see it (an email's new text after quote and signature stripping, a Slack
message's text with its markup decoded, a Jira comment's plain body, a tweet).

Keys:

- ``enron:<folder>/<file>`` — ``enron_with_categories/<folder>/<file>.txt``, parsed and cleaned
  by ``tieline.ingest.email.parse_message``; thread = the normalised subject.
- ``power:<message_id>`` — ``enron_power_threads_lrec2012``; the message's DFU texts joined;
  thread = the corpus thread id.
- ``slack:<team>/<year>/<channel>:<ts>`` — ``slack_software_chats_disentangled``; thread =
  the (silver) conversation id.
- ``jira:<issue>:<comment id>`` or ``jira:<issue>:description`` — ``apache_jira_kafka_tickets``;
  thread = the issue.
- ``twcs:<tweet_id>`` — ``twcs_sample_5000``; thread = the conversation's first tweet.

Splits are by thread (``sha1(thread) % 10``: 0–5 train, 6–7 dev, 8–9 test), so no conversation
is split across train and test. The test split is scored once per model change and reported,
never tuned on.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TIELINE_SHARED_DATA", ROOT.parent / "shared" / "data"))
LABELS = ROOT / "eval" / "labels" / "domain"
SENTIMENTS = ("negative", "neutral", "positive")
SOURCES = ("enron", "power", "slack", "jira", "twcs")


@dataclass(frozen=True)
class Example:
    id: str
    source: str
    thread: str
    split: str
    text: str
    sentiment: str
    request: bool
    churn_risk: bool
    expansion: bool
    departure: bool
    authored: bool
    part: str  # "random" (the seeded draw) or "lifecycle" (the enriched part, for precision)


@dataclass(frozen=True)
class Text:
    """One message's text and thread, as read from the dataset."""

    text: str
    thread: str


def split_of(thread: str) -> str:
    """``train`` / ``dev`` / ``test`` from the thread key alone (stable across runs).

    >>> split_of("power:100") in {"train", "dev", "test"}
    True
    """
    bucket = int(hashlib.sha1(thread.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if bucket < 6 else "dev" if bucket < 8 else "test"


_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def normalised_subject(subject: str) -> str:
    """The subject without reply/forward prefixes, lower-cased: one thread key per topic.

    >>> normalised_subject("RE: Fw: Gas  prices")
    'gas prices'
    """
    return " ".join(_SUBJECT_PREFIX.sub("", subject).lower().split())


# -- readers, one per source: key -> Text ------------------------------------------------------


@cache
def _enron(key: str, data: Path) -> Text | None:
    from tieline.domain import Message
    from tieline.ingest.email import parse_message

    path = data / "enron_with_categories" / f"{key}.txt"
    if not path.is_file():
        return None
    record = parse_message(str(path), path.read_bytes())
    if not isinstance(record, Message):
        return None
    # Messages without a subject are threads of their own, not one giant "empty" thread.
    return Text(record.body, "enron:" + (normalised_subject(record.subject) or key))


@cache
def _power_index(data: Path) -> dict[str, Text]:
    folder = data / "enron_power_threads_lrec2012" / "derived"
    threads = {}
    for line in (folder / "messages.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        threads[row["message_id"]] = row["thread_id"]
    parts: dict[str, list[str]] = {}
    for line in (folder / "dfus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        parts.setdefault(row["message_id"], []).append(" ".join(row["text"].split()))
    return {
        mid: Text("\n".join(p for p in texts if p), f"power:{threads.get(mid, mid)}")
        for mid, texts in parts.items()
    }


_SLACK_LINK = re.compile(r"<(?:@|#)?([^<>|]+)(?:\|([^<>]+))?>")


def slack_text(raw: str) -> str:
    """Slack markup as a reader sees it: ``<@Fred>`` -> ``@Fred``, ``<url|label>`` -> label.

    >>> slack_text("&lt;@Fred&gt; see &lt;https://x.org|the guide&gt;")
    '@Fred see the guide'
    """
    text = html.unescape(raw)
    return _SLACK_LINK.sub(_slack_link, text)


def _slack_link(m: re.Match[str]) -> str:
    if m.group(2):
        return m.group(2)
    return ("@" if m.group(0).startswith("<@") else "") + m.group(1)


@cache
def _slack_file(path: Path) -> dict[str, Text]:
    rel = path.relative_to(path.parents[2])  # <team>/<year>/merged-<team>-<channel>.xml
    team, year = rel.parts[0], rel.parts[1]
    channel = path.stem.split("-", 2)[-1]
    out = {}
    for msg in ET.parse(path).getroot().iter("message"):
        ts = msg.findtext("ts") or ""
        conv = msg.get("conversation_id", "")
        out[f"{team}/{year}/{channel}:{ts}"] = Text(
            slack_text(msg.findtext("text") or ""), f"slack:{team}/{year}/{channel}:{conv}"
        )
    return out


def slack_files(data: Path) -> list[Path]:
    return sorted((data / "slack_software_chats_disentangled" / "data").glob("*/*/*.xml"))


def _slack(key: str, data: Path) -> Text | None:
    team, year, rest = key.split("/", 2)
    channel = rest.split(":", 1)[0]
    path = data / "slack_software_chats_disentangled" / "data" / team / year
    path = path / f"merged-{team}-{channel}.xml"
    return _slack_file(path).get(key) if path.is_file() else None


@cache
def _jira_index(data: Path) -> dict[str, Text]:
    out = {}
    path = data / "apache_jira_kafka_tickets" / "issues.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        issue = row["issue_id"]
        thread = f"jira:{issue}"
        out[f"{issue}:description"] = Text(row.get("title_and_description") or "", thread)
        for c in row.get("comments") or []:
            out[f"{issue}:{c['id']}"] = Text(c.get("body") or "", thread)
    return out


@cache
def _twcs_index(data: Path) -> dict[str, Text]:
    path = data / "twcs_sample_5000" / "twcs_first5000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {r["tweet_id"]: r for r in csv.DictReader(fh)}

    def root(tid: str) -> str:
        seen = set()
        while tid not in seen:
            seen.add(tid)
            parent = (rows.get(tid) or {}).get("in_response_to_tweet_id") or ""
            parent = parent.split(".")[0]
            if not parent or parent not in rows:
                return tid
            tid = parent
        return tid

    return {tid: Text(r["text"] or "", f"twcs:{root(tid)}") for tid, r in rows.items()}


def read_text(key: str, data: Path = DATA) -> Text | None:
    """The text and thread of one labelled message, or None when the data is absent."""
    source, _, rest = key.partition(":")
    if source == "enron":
        return _enron(rest, data)
    if source == "power":
        return _power_index(data).get(rest)
    if source == "slack":
        return _slack(rest, data)
    if source == "jira":
        return _jira_index(data).get(rest)
    if source == "twcs":
        return _twcs_index(data).get(rest)
    raise ValueError(f"unknown source in {key!r}")


# -- labels ------------------------------------------------------------------------------------


def label_rows(folder: Path = LABELS) -> Iterator[dict[str, object]]:
    """Every committed label row with its ``part`` (the file's name: ``lifecycle*`` or random).

    A later file's row for the same id wins, so a re-annotation file can correct labels.
    """
    rows: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        part = "lifecycle" if path.name.startswith("lifecycle") else "random"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("sentiment") not in SENTIMENTS:
                raise ValueError(f"{path.name}:{n}: sentiment {row.get('sentiment')!r}")
            rows[str(row["id"])] = row | {"part": part}
    yield from rows.values()


def load(
    split: str | None = None, data: Path = DATA, folder: Path = LABELS, part: str | None = None
) -> list[Example]:
    """The labelled examples (of one split and part), text read from ``data``.

    A message whose text is absent from ``data`` is left out.
    """
    out = []
    for row in label_rows(folder):
        key = str(row["id"])
        found = read_text(key, data)
        if found is None or not found.text.strip():
            continue
        ex = Example(
            id=key,
            source=key.split(":", 1)[0],
            thread=found.thread,
            split=split_of(found.thread),
            text=found.text,
            sentiment=str(row["sentiment"]),
            request=bool(row.get("request", False)),
            churn_risk=bool(row.get("churn_risk", False)),
            expansion=bool(row.get("expansion", False)),
            departure=bool(row.get("departure", False)),
            authored=bool(row.get("authored", True)),
            part=str(row["part"]),
        )
        if (split is None or ex.split == split) and (part is None or ex.part == part):
            out.append(ex)
    return out


AGREEMENT = ROOT / "eval" / "labels" / "agreement"


def kappa(a: list[object], b: list[object]) -> float:
    """Cohen's kappa of two annotators' labels for the same items.

    >>> kappa(["x", "y", "x", "y"], ["x", "y", "x", "x"])
    0.5
    """
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    values = set(a) | set(b)
    expected = sum((a.count(v) / n) * (b.count(v) / n) for v in values)
    # Both annotators gave every item one label: kappa is undefined (nan), not perfect.
    return float("nan") if expected == 1 else round((observed - expected) / (1 - expected), 3)


def agreement(folder: Path = AGREEMENT) -> dict[str, tuple[int, float, float]]:
    """Per label: (items, raw agreement, kappa) between the committed labels and a second pass."""
    first = {str(r["id"]): r for r in label_rows()}
    second = [r for r in label_rows(folder) if str(r["id"]) in first]
    out = {}
    for field in ("sentiment", "request", "churn_risk", "expansion", "departure", "authored"):
        a = [first[str(r["id"])].get(field) for r in second]
        b = [r.get(field) for r in second]
        raw = sum(x == y for x, y in zip(a, b, strict=True)) / max(1, len(a))
        out[field] = (len(a), round(raw, 3), kappa(a, b) if a else float("nan"))
    return out


def main() -> None:
    """``python eval/domain_data.py``: counts per source, split and label."""
    from collections import Counter

    examples = load()
    print(f"{len(examples)} labelled messages from {DATA}")
    by = Counter((e.source, e.split) for e in examples)
    for source in SOURCES:
        counts = "  ".join(f"{s} {by[(source, s)]:4}" for s in ("train", "dev", "test"))
        print(f"  {source:6} {counts}")
    print("  sentiment", dict(Counter(e.sentiment for e in examples)))
    for flag in ("request", "churn_risk", "expansion", "departure"):
        print(f"  {flag}: {sum(getattr(e, flag) for e in examples)}")
    print(f"  not authored: {sum(not e.authored for e in examples)}")
    print("  parts", dict(Counter(e.part for e in examples)))
    print("agreement with a second, independent annotator (items, raw, Cohen's kappa):")
    for field, (n, raw, k) in agreement().items():
        print(f"  {field:11} {n:4}  {raw:.3f}  {k:.3f}")


if __name__ == "__main__":
    main()
