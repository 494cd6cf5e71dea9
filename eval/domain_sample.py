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
import re
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


# Lifecycle language is rare in a random draw (a handful of messages in 900), so a second,
# enriched part is drawn from what a detector or a broad cue list flags. It measures the
# detectors' precision on realistic hard cases; recall is measured on the random part.
_CUES = re.compile(
    r"\b(cancel\w*|switch\w*|competitor\w*|alternative|renew\w*|terminat\w*|leav(e|ing)|"
    r"last day|no longer (with|at|work)|moving on|budget|cut(ting)? back|another (vendor|provider)|"
    r"upgrad\w*|more (seats|licen[cs]es|users)|expand\w*|roll(ing)? (it )?out|add(ing)? (users|"
    r"seats)|pilot|purchas\w*|quote|pricing|never (again|use|fly)|fed up|give up on|"
    r"mov(e|ing) (away|off) from|migrat\w*|resign\w*|retir\w*|new role|join(ing|ed) )\b",
    re.IGNORECASE,
)
LIFECYCLE_QUOTA = {"enron": 70, "power": 20, "slack": 60, "jira": 20, "twcs": 60}


def lifecycle_keys(rng: random.Random, taken: set[str]) -> list[str]:
    from domain_data import _slack

    from tieline.nlp.churn import churn_risk
    from tieline.nlp.lifecycle import departure

    pool: dict[str, str] = {}
    root = DATA / "enron_with_categories"
    for path in sorted(root.glob("*/*.txt")):
        cats = path.with_suffix(".cats")
        if not (cats.is_file() and _has_tone(cats)):
            pool[f"enron:{path.parent.name}/{path.stem}"] = ""
    pool |= {f"power:{k}": "" for k in _power_index(DATA)}
    for path in slack_files(DATA):
        pool |= {f"slack:{k}": "" for k in _slack_file(path)}
    pool |= {f"jira:{k}": "" for k in _jira_index(DATA)}
    pool |= {f"twcs:{k}": "" for k in _twcs_index(DATA)}
    from domain_data import read_text

    fired: dict[str, list[str]] = defaultdict(list)
    cued: dict[str, list[str]] = defaultdict(list)
    for key in sorted(pool):
        if key in taken:
            continue
        found = _slack(key[6:], DATA) if key.startswith("slack:") else read_text(key)
        if found is None or not _ok(found.text):
            continue
        source = key.split(":", 1)[0]
        text = found.text
        if churn_risk(text) or departure(body=text, author_email="x@example.com"):
            fired[source].append(key)
        elif _CUES.search(text):
            cued[source].append(key)
    out = []
    for source, quota in LIFECYCLE_QUOTA.items():
        rng.shuffle(fired[source])
        rng.shuffle(cued[source])
        half = fired[source][: quota // 2]
        out += half + cued[source][: quota - len(half)]
    return out


def _row(key: str) -> dict[str, str]:
    from domain_data import read_text

    found = read_text(key)
    assert found is not None, key
    source = key.split(":", 1)[0]
    return {
        "id": key,
        "source": source,
        "thread": found.thread,
        "split": split_of(found.thread),
        "text": found.text,
    }


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path.name}: {len(rows)} messages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument(
        "--lifecycle", action="store_true", help="also write lifecycle.jsonl (the enriched part)"
    )
    args = parser.parse_args()
    rng = random.Random(SEED)
    keys = enron_keys(rng) + power_keys(rng) + slack_keys(rng) + jira_keys(rng) + twcs_keys(rng)
    rows = [_row(key) for key in keys]
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
        _write(args.out / f"batch_{k}.jsonl", batch)
    if args.lifecycle:
        extra = lifecycle_keys(random.Random(SEED + 1), set(keys))
        _write(args.out / "lifecycle.jsonl", [_row(k) for k in extra])


if __name__ == "__main__":
    main()
