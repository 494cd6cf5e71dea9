"""Accounts and people on a real mailbox: the 1,702 Enron emails, before and after.

Ingests ``enron_with_categories`` (``internal_domains = ["enron.com"]``, as
``tests/integration/test_enron.py``) through the ``tieline`` command into a fresh SQLite
file, once per code tree (``--before`` names an older checkout, e.g. main), and for this
tree twice: discovered mode (no customer list) and declared mode (the ten external
organisations of ``eval/enron_customers.csv``, which write to Enron and are written to,
imported after the ingest). Each run is scored (``tieline score``) and its accounts read
as of ``--as-of`` (``tieline accounts --format json``: bands).

The figures are counted straight from the database with checks written here, not by
Tieline's own functions:

- accounts without two-way human conversation: no human message of theirs to one of
  our people that one of ours later wrote back to (to that person);
- accounts on free-mail/ISP, news, government or our own domains (a short list here);
- duplicate copies: messages with the same sender, subject and text (spacing aside) at
  times a time-zone offset apart (the same quarter hour, within 14 hours);
- merges on non-names: people with several addresses whose name is not a person's name;
- the same-name examples of issue 13: how many people carry each name.

Run: ``.venv/bin/python eval/enron_accounts.py [--data DIR] [--before /work/main]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "enron_with_categories"
CUSTOMERS = ROOT / "eval" / "enron_customers.csv"
SAME_NAMES = ("Steven J Kean", "Vince J Kaminski", "Susan J Mara")
ISP = {"earthlink.net", "juno.com", "netzero.net", "netzero.com", "pacbell.net", "rr.com",
       "mindspring.com", "bellatlantic.net", "aol.com", "msn.com", "hotmail.com", "yahoo.com",
       "swbell.net", "starband.net", "mcleodusa.net", "idt.net", "lmi.net", "ns.net",
       "c-zone.net", "firstworld.net", "onlinemailbox.net", "go2netmail.com", "maui.net",
       "mother.com", "opt4.com", "att.net", "gmail.com"}  # fmt: skip
NEWS = {"nytimes.com", "wsj.com", "reuters.com", "bloomberg.com", "ft.com", "latimes.com",
        "washingtonpost.com", "sfgate.com", "chron.com", "dowjones.com", "cnn.com",
        "businessweek.com", "forbes.com", "economist.com", "sacbee.com",
        "mercurynews.com"}  # fmt: skip
GOV = re.compile(
    r"(^|\.)(gov|mil)$|\.(gov|gob|gouv|govt)\.[a-z]{2}$|(^|\.)fed\.us$|\.[a-z]{2}\.us$"
)
JUNK = {"e-mail", "email", "undisclosed-recipients", "undisclosed recipients", "legal"}
ROLES = {"support", "info", "sales", "help", "team", "service", "admin", "office", "desk"}


def tieline(root: Path, db: Path, config: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "TIELINE_CONFIG": str(config)}
    run = subprocess.run(
        [sys.executable, "-c", "from tieline.cli import main; main()", "--db",
         f"sqlite:///{db}", *args],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"tieline {' '.join(args)} failed in {root}:\n{run.stderr[-2000:]}")
    return run.stdout


def columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


def is_name(name: str) -> bool:
    words = re.sub(r"[^a-z ]+", " ", name.lower()).split()
    return (
        "@" not in name and name.lower() not in JUNK and len(words) >= 2
        and not set(words) & ROLES
    )  # fmt: skip


def key(name: str) -> str:
    words = re.sub(r"[^a-z ]+", " ", name.lower().replace(".", " ")).split()
    return " ".join([words[0], *[w for w in words[1:-1] if len(w) > 1], words[-1]])


def duplicate_copies(con: sqlite3.Connection) -> int:
    groups: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for author, subject, body, sent in con.execute(
        "SELECT author_id, subject, body, sent_at FROM messages"
    ):
        text = re.sub(r"\W+", "", f"{subject}{body}").lower()
        groups[(author, text)].append(datetime.fromisoformat(sent))
    extra = 0
    for times in groups.values():
        times.sort()
        kept: list[datetime] = []
        for t in times:
            gap = [abs((t - k).total_seconds()) for k in kept]
            if any(g <= 14 * 3600 and g % 900 == 0 for g in gap):
                extra += 1
            else:
                kept.append(t)
    return extra


TWO_WAY = """
SELECT a.id FROM accounts a WHERE EXISTS (
  SELECT 1 FROM messages m1 JOIN people p1 ON p1.id = m1.author_id
  WHERE p1.account_id = a.id AND NOT p1.automated AND m1.automated_kind IS NULL
    AND EXISTS (SELECT 1 FROM message_recipients r JOIN people q ON q.id = r.person_id
                WHERE r.message_id = m1.id AND q.internal)
    AND EXISTS (SELECT 1 FROM messages m2 JOIN people p2 ON p2.id = m2.author_id
                JOIN message_recipients r2 ON r2.message_id = m2.id
                WHERE p2.internal AND NOT p2.automated AND m2.automated_kind IS NULL
                  AND r2.person_id = p1.id AND m2.sent_at > m1.sent_at))
"""


def measure(db: Path, accounts_json: list[dict[str, Any]]) -> dict[str, Any]:
    con = sqlite3.connect(db)

    def one(sql: str) -> Any:
        return con.execute(sql).fetchone()[0]

    domains: dict[int, list[str]] = defaultdict(list)
    for account_id, d in con.execute("SELECT account_id, domain FROM account_domains"):
        domains[account_id].append(d)
    names = dict(con.execute("SELECT id, name FROM accounts"))
    two_way = {r[0] for r in con.execute(TWO_WAY)}
    noise = {
        names[a]: d
        for a, ds in domains.items()
        for d in ds
        if d in ISP or d in NEWS or GOV.search(d) or d.split(".")[0] == "enron"
    }
    emails: dict[int, int] = Counter(
        r[0] for r in con.execute("SELECT person_id FROM identities WHERE kind = 'email'")
    )
    people = dict(con.execute("SELECT id, name FROM people"))
    out: dict[str, Any] = {
        "messages stored": one("SELECT count(*) FROM messages"),
        "duplicate copies left": duplicate_copies(con),
        "copies kept as locations": one("SELECT count(*) FROM message_locations")
        if "message_locations" in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        else "—",
        "accounts": len(names),
        "accounts without two-way conversation": len(set(names) - two_way),
        "ISP/news/government/own accounts": len(noise),
        "people": len(people),
        "people without a name": sum(1 for n in people.values() if not n),
        "names derived from the address": one("SELECT count(*) FROM people WHERE name_derived")
        if "name_derived" in columns(con, "people")
        else "—",
        "people merged on a non-name": sum(
            1 for pid, n in people.items() if emails.get(pid, 0) > 1 and not is_name(n)
        ),
    }
    for target in SAME_NAMES:
        out[f"people named {target}"] = sum(
            1 for n in people.values() if is_name(n) and key(n) == key(target)
        )
    if "joined_by" in columns(con, "identities"):
        for rule, n in con.execute(
            "SELECT joined_by, count(*) FROM identities WHERE joined_by IS NOT NULL GROUP BY 1"
        ):
            out[f"addresses joined by {rule}"] = n
    bands = Counter(str((a.get("health") or {}).get("band")) for a in accounts_json)
    out["bands"] = " ".join(f"{b}:{n}" for b, n in sorted(bands.items()))
    out["_accounts"] = sorted(
        (a["name"], ", ".join(a["domains"]), (a.get("health") or {}).get("band"),
         a["messages"]) for a in accounts_json
    )  # fmt: skip
    out["_noise"] = noise
    con.close()
    return out


def run(root: Path, data: Path, work: Path, label: str, *, customers: Path | None,
        as_of: str, score: bool) -> dict[str, Any]:  # fmt: skip
    db = work / f"{label}.db"
    config = work / f"{label}.toml"
    config.write_text('internal_domains = ["enron.com"]\n')
    tieline(root, db, config, "ingest", "email", str(data))
    if customers is not None:
        tieline(root, db, config, "import", "customers", str(customers), "--format", "json")
    if score:
        tieline(root, db, config, "score", "--as-of", as_of, "--format", "json")
    listed = json.loads(tieline(root, db, config, "accounts", "--as-of", as_of, "--format", "json"))
    figures = measure(db, listed)
    if customers is not None or "name_derived" in columns(sqlite3.connect(db), "people"):
        try:
            cands = json.loads(
                tieline(root, db, config, "accounts", "--candidates", "--format", "json")
            )
            figures["mode"] = cands["mode"]
            figures["candidates"] = len(cands["candidates"])
            figures["_candidates"] = [
                (c["domain"], c["inbound"], c["outbound"], c["two_way"])
                for c in cands["candidates"]
            ]
        except SystemExit:
            pass
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--before", type=Path, help="an older checkout to compare (main)")
    parser.add_argument("--as-of", default="2001-07-31")
    parser.add_argument("--no-score", action="store_true", help="skip tieline score")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"{args.data} is absent")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs: dict[str, dict[str, Any]] = {}
        opts = {"as_of": args.as_of, "score": not args.no_score}
        if args.before:
            runs["before"] = run(args.before, args.data, work, "before", customers=None, **opts)
        runs["discovered"] = run(ROOT, args.data, work, "discovered", customers=None, **opts)
        runs["declared"] = run(ROOT, args.data, work, "declared", customers=CUSTOMERS, **opts)
    labels = list(runs)
    rows = [k for k in runs["discovered"] if not k.startswith("_")]
    print(f"Enron ({args.data.name}), as of {args.as_of}\n")
    print(f"{'':44}" + "".join(f"{label:>16}" for label in labels))
    for k in rows:
        print(f"{k:44}" + "".join(f"{str(runs[label].get(k, '—')):>16}" for label in labels))
    for label in labels:
        r = runs[label]
        print(f"\n[{label}] accounts (name, domains, band as of {args.as_of}, messages):")
        for name, domains, band, messages in r["_accounts"][:40]:
            print(f"  {name:32} {domains:34} {band!s:8} {messages}")
        if len(r["_accounts"]) > 40:
            print(f"  ... and {len(r['_accounts']) - 40} more")
        if r["_noise"]:
            print(f"  ISP/news/government/own: {sorted(r['_noise'].items())[:15]}")
        if r.get("_candidates"):
            print(f"  candidates ({r['mode']} mode; domain, in, out, two-way people):")
            for c in r["_candidates"]:
                print(f"    {c}")


if __name__ == "__main__":
    main()
