"""Draw the messages of the domain evaluation set and write annotation batches.

``python eval/domain_sample.py OUT_DIR [--batches 3]`` writes ``OUT_DIR/batch_<k>.jsonl``: one
message per line with its id, source, thread, split and text, for annotators to label following
``docs/annotation.md``. The batches hold dataset text, so they stay out of the repository; only the
labels written from them are committed (``eval/labels/domain/``).

The draw is seeded and reads only ``../shared/data``, so it can be repeated. Enron messages that
carry a Berkeley emotional-tone label (category 4.x) are left out: they are the separate external
check of the sentiment model and must not leak into its training split.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path

from domain_data import (
    DATA,
    _jira_index,
    _power_index,
    _slack_file,
    _twcs_index,
    slack_files,
    split_of,
)

SEED = 20261208
PER_SOURCE = {"enron": 260, "power": 150, "slack": 200, "jira": 150, "twcs": 150}
MIN_CHARS, MAX_CHARS = 15, 3500


def _ok(text: str) -> bool:
    return MIN_CHARS <= len(text.strip()) <= MAX_CHARS


def _has_tone(cats: Path) -> bool:
    return any(line.startswith("4,") for line in cats.read_text().splitlines())


def enron_keys(rng: random.Random) -> list[str]:
    from tieline.domain import Message
    from tieline.ingest.email import parse_message

    root = DATA / "enron_with_categories"
    keys = []
    for path in sorted(root.glob("*/*.txt")):
        cats = path.with_suffix(".cats")
        if cats.is_file() and _has_tone(cats):
            continue
        record = parse_message(str(path), path.read_bytes())
        if isinstance(record, Message) and record.automated_kind is None and _ok(record.body):
            keys.append(f"{path.parent.name}/{path.stem}")
    rng.shuffle(keys)
    return [f"enron:{k}" for k in keys[: PER_SOURCE["enron"]]]


def power_keys(rng: random.Random) -> list[str]:
    keys = sorted(k for k, t in _power_index(DATA).items() if _ok(t.text))
    rng.shuffle(keys)
    return [f"power:{k}" for k in keys[: PER_SOURCE["power"]]]


def slack_keys(rng: random.Random) -> list[str]:
    # Whole stretches of conversations: a reply is easier to label next to what it answers.
    convs: dict[str, list[str]] = defaultdict(list)
    for path in slack_files(DATA):
        for key, t in _slack_file(path).items():
            convs[t.thread].append(key)
    names = sorted(convs)
    rng.shuffle(names)
    out: list[str] = []
    for name in names:
        keys = [k for k in convs[name] if _ok(_slack_file_text(k))][:4]
        if len(keys) >= 2:
            out += keys
        if len(out) >= PER_SOURCE["slack"]:
            break
    return [f"slack:{k}" for k in out[: PER_SOURCE["slack"]]]


def _slack_file_text(key: str) -> str:
    from domain_data import _slack

    found = _slack(key, DATA)
    return found.text if found else ""


def jira_keys(rng: random.Random) -> list[str]:
    index = _jira_index(DATA)
    comments = sorted(k for k, t in index.items() if _ok(t.text) and not k.endswith(":description"))
    descriptions = sorted(k for k, t in index.items() if _ok(t.text) and k.endswith(":description"))
    rng.shuffle(comments)
    rng.shuffle(descriptions)
    keys = comments[:110] + descriptions[: PER_SOURCE["jira"] - 110]
    return [f"jira:{k}" for k in keys]


def twcs_keys(rng: random.Random) -> list[str]:
    path = DATA / "twcs_sample_5000" / "twcs_first5000.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        inbound = {r["tweet_id"]: r["inbound"] == "True" for r in csv.DictReader(fh)}
    index = _twcs_index(DATA)
    customers = sorted(k for k, t in index.items() if inbound.get(k) and _ok(t.text))
    agents = sorted(k for k, t in index.items() if not inbound.get(k) and _ok(t.text))
    rng.shuffle(customers)
    rng.shuffle(agents)
    keys = customers[:100] + agents[: PER_SOURCE["twcs"] - 100]
    return [f"twcs:{k}" for k in keys]


def main() -> None:
    from domain_data import read_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(SEED)
    keys = enron_keys(rng) + power_keys(rng) + slack_keys(rng) + jira_keys(rng) + twcs_keys(rng)
    rows = []
    for key in keys:
        found = read_text(key)
        assert found is not None, key
        source = key.split(":", 1)[0]
        split = split_of(found.thread)
        rows.append(
            {
                "id": key,
                "source": source,
                "thread": found.thread,
                "split": split,
                "text": found.text,
            }
        )
    # Keep each thread in one batch (an annotator sees a conversation together), sources mixed.
    by_thread: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_thread[row["thread"]].append(row)
    threads = sorted(by_thread)
    rng.shuffle(threads)
    batches: list[list[dict[str, str]]] = [[] for _ in range(args.batches)]
    for thread in threads:
        min(batches, key=len).extend(by_thread[thread])
    args.out.mkdir(parents=True, exist_ok=True)
    for k, batch in enumerate(batches):
        with (args.out / f"batch_{k}.jsonl").open("w", encoding="utf-8") as fh:
            for row in batch:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"batch_{k}.jsonl: {len(batch)} messages")


if __name__ == "__main__":
    main()
