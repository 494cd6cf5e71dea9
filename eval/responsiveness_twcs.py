"""Check ``tieline.nlp.responsiveness.reply_latencies`` against TWCS reply links.

Data: the first 5,000 rows of Customer Support on Twitter, copied to
``/work/shared/data/twcs_sample_5000`` (see its PROVENANCE.md). Threads are the
connected components of the data's reply links inside the sample; customer tweets
(``inbound`` True) are side "them", company tweets side "us", and ``in_reply_to`` is
``in_response_to_tweet_id``.

Check: for every customer tweet with at least one company reply in the sample (by the
data's own ``in_response_to_tweet_id`` links), ``answered_by`` must be the earliest such
reply and ``seconds`` exactly the timestamp difference. Also prints the company's median
and p90 first-response time, wall-clock and in business hours (UTC 9-17, Mon-Fri).

Run: ``.venv/bin/python eval/responsiveness_twcs.py [--data DIR]``
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
from datetime import datetime
from pathlib import Path

from tieline.nlp.responsiveness import BusinessHours, Turn, reply_latencies

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs_sample_5000"


def _id(value: str) -> str | None:
    value = value.strip()
    return str(int(float(value))) if value else None


def load(path: Path) -> list[dict[str, str]]:
    # One unquoted text field holds bare carriage returns (PROVENANCE.md): blank them.
    with path.open(encoding="utf-8", newline="") as f:
        text = f.read().replace("\r", " ")
    return list(csv.DictReader(io.StringIO(text)))


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load(args.data / "twcs_first5000.csv")

    tweets = {r["tweet_id"]: r for r in rows}
    at = {
        k: datetime.strptime(r["created_at"], "%a %b %d %H:%M:%S %z %Y") for k, r in tweets.items()
    }
    parent = {k: k for k in tweets}
    links: dict[str, str | None] = {k: _id(r["in_response_to_tweet_id"]) for k, r in tweets.items()}
    for k, target in links.items():
        if target is not None and target in tweets:
            parent[_find(parent, k)] = _find(parent, target)
    threads = {k: _find(parent, k) for k in tweets}

    turns = [
        Turn(
            key=k,
            thread=threads[k],
            at=at[k],
            side="them" if r["inbound"] == "True" else "us",
            person=r["author_id"],
            in_reply_to=links[k],
        )
        for k, r in tweets.items()
    ]
    latencies = reply_latencies(turns, business=BusinessHours())

    # Expected: earliest company tweet linking to each customer tweet.
    expected: dict[str, str] = {}
    company_replies = 0
    for k, target in links.items():
        if target is None or target not in tweets or tweets[k]["inbound"] == "True":
            continue
        if tweets[target]["inbound"] != "True":
            continue
        company_replies += 1
        best = expected.get(target)
        if best is None or (at[k], int(k)) < (at[best], int(best)):
            expected[target] = k

    mismatches = []
    for asked, reply in expected.items():
        lat = latencies[asked]
        want = (at[reply] - at[asked]).total_seconds()
        if lat.answered_by != reply or lat.seconds != want:
            mismatches.append((asked, reply, lat))
    customers = sum(1 for r in tweets.values() if r["inbound"] == "True")
    wall = [latencies[k].seconds for k in expected]
    biz = [latencies[k].business_seconds for k in expected]
    wall_s = [s for s in wall if s is not None]
    biz_s = [s for s in biz if s is not None]

    print(f"tweets: {len(tweets)}  threads: {len(set(threads.values()))}")
    print(f"customer tweets: {customers}  with a company reply in the sample: {len(expected)}")
    print(f"company replies to a customer tweet in the sample: {company_replies}")
    print(f"matches: {len(expected) - len(mismatches)}  mismatches: {len(mismatches)}")
    for asked, reply, lat in mismatches[:20]:
        print(f"  mismatch: {asked} expected {reply} got {lat}")

    def fmt(values: list[float]) -> str:
        med = statistics.median(values)
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        return f"median {med / 60:.1f} min, p90 {p90 / 60:.1f} min"

    print(f"company first response, wall-clock: {fmt(wall_s)}")
    print(f"company first response, business hours (UTC 9-17 Mon-Fri): {fmt(biz_s)}")


if __name__ == "__main__":
    main()
