"""Email ingest throughput and memory: synthetic mailbox -> SQLite and PostgreSQL.

    python bench/ingest.py                 # 100,000 messages, both backends
    python bench/ingest.py -n 20000 --backends sqlite --jobs 1
    python bench/ingest.py --source slack      # a Slack export; --source zendesk likewise

Generates an mbox of N messages shaped like a CS team's mail (threads of 1-8
messages, Gmail- and Outlook-style quoted history, signatures, Cc lists, HTML
parts, newsletters), then ingests it in a fresh process per backend and prints
messages/second and peak resident memory (main process and parser workers).
Run it at two sizes to see that memory stays flat in N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "renewal export dashboard invoice onboarding integration latency report quarterly "
    "review usage seats license migration timeline contract support ticket escalation "
    "training webinar roadmap feature request pricing discount budget approval security "
    "questionnaire SSO SAML okta api limit schedule meeting agenda follow-up deck metrics "
    "adoption rollout pilot stakeholder champion sponsor feedback survey outage incident"
).split()
OPENERS = ["Hi {n},", "Hello {n},", "{n},", "Hey {n},", "Good morning {n},"]
CLOSERS = ["Best regards,", "Thanks,", "Cheers,", "Kind regards,", "Best,"]
TITLES = ["VP Operations", "Director of Data", "CFO", "Analyst", "IT Admin", "Head of CS"]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    return " ".join(words).capitalize() + rng.choice([".", ".", "?", "!"])


def _paragraphs(rng: random.Random, lo: int, hi: int) -> str:
    return "\n\n".join(
        " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))
        for _ in range(rng.randint(lo, hi))
    )


def generate(path: Path, n: int, seed: int = 1) -> int:
    """Write an mbox of n messages; return its size in bytes."""
    rng = random.Random(seed)
    internal = [(f"csm{i}@northwind.io", f"Agent{i} Smith") for i in range(20)]
    externals = [
        (f"person{j}@customer{j % 60}.com", f"Person{j} Jones{j % 60}") for j in range(400)
    ]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    written = 0
    msg_no = 0
    with path.open("w", encoding="utf-8") as fh:
        while msg_no < n:
            thread_len = min(n - msg_no, rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8]))
            us, them = rng.choice(internal), rng.choice(externals)
            cc = rng.sample(externals, k=rng.choice([0, 0, 1, 2, 3]))
            subject = " ".join(rng.choices(WORDS, k=rng.randint(2, 6))).capitalize()
            at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            refs: list[str] = []
            history = ""
            newsletter = rng.random() < 0.03
            for k in range(thread_len):
                sender, receiver = (them, us) if k % 2 == 0 else (us, them)
                mid = f"<b{msg_no}.{seed}@mail.{sender[0].split('@')[1]}>"
                body = (
                    rng.choice(OPENERS).format(n=receiver[1].split()[0])
                    + "\n\n"
                    + _paragraphs(rng, 1, 4)
                    + "\n\n"
                    + rng.choice(CLOSERS)
                    + f"\n{sender[1]}\n{rng.choice(TITLES)} | {sender[0].split('@')[1]}"
                    + "\n+1 555 0100"
                )
                if history:
                    if rng.random() < 0.6:
                        quoted = "\n".join("> " + line for line in history.splitlines())
                        who = f"{receiver[1]} <{receiver[0]}>"
                        body += f"\n\nOn {format_datetime(at)}, {who} wrote:\n{quoted}"
                    else:
                        body += (
                            f"\n\n-----Original Message-----\nFrom: {receiver[1]}\n"
                            f"Sent: {format_datetime(at)}\nTo: {sender[1]}\nSubject: {subject}\n\n"
                            + history
                        )
                headers = [
                    f"From {sender[0]} {at.strftime('%a %b %d %H:%M:%S %Y')}",
                    f"Message-ID: {mid}",
                    f"Date: {format_datetime(at)}",
                    f"From: {sender[1]} <{sender[0]}>",
                    f"To: {receiver[1]} <{receiver[0]}>",
                    f"Subject: {'Re: ' if k else ''}{subject}",
                ]
                if cc:
                    headers.append("Cc: " + ", ".join(f"{c[1]} <{c[0]}>" for c in cc))
                if refs:
                    headers += [f"In-Reply-To: {refs[-1]}", "References: " + " ".join(refs[-10:])]
                if newsletter:
                    headers += ["List-Unsubscribe: <mailto:u@news.example>", "Precedence: bulk"]
                if rng.random() < 0.1:
                    boundary = f"=_b{msg_no}"
                    html = "<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>"
                    headers += [
                        "MIME-Version: 1.0",
                        f'Content-Type: multipart/alternative; boundary="{boundary}"',
                    ]
                    payload = (
                        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
                        f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n{html}\n"
                        f"--{boundary}--"
                    )
                else:
                    headers.append("Content-Type: text/plain; charset=utf-8")
                    payload = body
                payload = "\n".join(
                    ">" + ln if ln.startswith("From ") else ln for ln in payload.split("\n")
                )
                text = "\n".join(headers) + "\n\n" + payload + "\n\n"
                fh.write(text)
                written += len(text)
                refs.append(mid)
                history = body[:6000]
                at += timedelta(minutes=rng.randint(5, 60 * 48))
                msg_no += 1
    return written


def generate_slack(root: Path, n: int, seed: int = 2) -> int:
    """Write a Slack export of n messages (threads, mentions, reactions); return its bytes."""
    rng = random.Random(seed)
    users: list[dict[str, Any]] = [
             {"id": f"U{i:05d}", "team_id": "T0NORTH" if i < 20 else f"T{i % 40:04d}",
              "real_name": f"User{i} Person", "profile": {
                  "email": f"user{i}@{'northwind.io' if i < 20 else f'customer{i % 40}.com'}",
                  "title": rng.choice(TITLES)}} for i in range(400)]  # fmt: skip
    channels: list[dict[str, Any]] = [
        {"id": f"C{c:04d}", "name": f"customer{c}-shared", "is_ext_shared": True}
                for c in range(40)]  # fmt: skip
    root.mkdir(parents=True)
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps(channels))
    size = 0
    per_channel = -(-n // len(channels))
    start = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    written = 0
    for ch in channels:
        folder = root / ch["name"]
        folder.mkdir()
        people = [u["id"] for u in rng.sample(users[:20], 3)]
        people += [u["id"] for u in users[20:] if u["team_id"] == f"T{int(ch['id'][1:]) % 40:04d}"]
        days: dict[str, list[dict[str, object]]] = {}
        at = start + rng.randint(0, 86_400)
        parent: str | None = None
        for k in range(min(per_channel, n - written)):
            at += rng.randint(30, 7_200)
            ts = f"{int(at)}.{k:06d}"
            text = _sentence(rng)
            if rng.random() < 0.2:
                text = f"<@{rng.choice(people)}> " + text
            entry: dict[str, object] = {"type": "message", "user": rng.choice(people),
                                        "text": text, "ts": ts}  # fmt: skip
            if parent and rng.random() < 0.4:
                entry["thread_ts"] = parent
            elif rng.random() < 0.2:
                parent = ts
                entry["thread_ts"] = ts
            if rng.random() < 0.1:
                entry["reactions"] = [{"name": "thumbsup", "count": rng.randint(1, 4)}]
            day = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d")
            days.setdefault(day, []).append(entry)
            written += 1
        for day, entries in days.items():
            data = json.dumps(entries)
            (folder / f"{day}.json").write_text(data)
            size += len(data)
    return size


def generate_zendesk(path: Path, n: int, seed: int = 3) -> int:
    """Write a Zendesk export with about n public comments; return its bytes."""
    rng = random.Random(seed)
    users = [{"id": i, "name": f"User{i} Person", "role": "agent" if i < 20 else "end-user",
              "email": f"user{i}@{'northwind.io' if i < 20 else f'customer{i % 40}.com'}"}
             for i in range(400)]  # fmt: skip
    tickets: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    cid = 0
    start = datetime(2025, 1, 1, tzinfo=UTC)
    while cid < n:
        tid = len(tickets) + 1
        requester, agent = rng.randint(20, 399), rng.randint(0, 19)
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        tickets.append({"id": tid, "subject": _sentence(rng)[:60], "status": "open",
                        "priority": "normal", "requester_id": requester, "assignee_id": agent,
                        "created_at": at.isoformat(),
                        "url": f"https://bench.zendesk.com/{tid}"})  # fmt: skip
        for k in range(min(rng.randint(1, 8), n - cid)):
            author = requester if k % 2 == 0 else agent
            comments.append({"id": cid + 1, "ticket_id": tid, "author_id": author,
                             "created_at": (at + timedelta(hours=k * 5)).isoformat(),
                             "plain_body": _paragraphs(rng, 1, 3), "public": True})  # fmt: skip
            cid += 1
    data = json.dumps({"tickets": tickets, "users": users, "ticket_comments": comments})
    path.write_text(data)
    return len(data)


GENERATORS = {"email": generate, "slack": generate_slack, "zendesk": generate_zendesk}


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


class PeakWorkerMemory(threading.Thread):
    """Samples the summed RSS of all descendant processes (the parser pool)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.25):
            self.peak = max(self.peak, sum(_rss_mb(p) for p in _descendants(me)))


def worker(db_url: str, data: Path, jobs: int, source: str = "email") -> None:
    """Runs in a fresh process: ingest, then print figures as JSON."""
    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory, migrate

    settings = load_settings(
        database_url=db_url, workspace="bench", internal_domains=["northwind.io"],
        ingest={"jobs": jobs, "batch_size": 1000},
    )  # fmt: skip
    engine = make_engine(db_url)
    migrate(engine)
    sampler = PeakWorkerMemory()
    sampler.start()
    with make_session_factory(engine)() as session:
        t0 = time.perf_counter()
        streaming_peak = 0.0

        def progress(_n: int) -> None:
            nonlocal streaming_peak  # RSS after each committed batch, before threading
            streaming_peak = max(streaming_peak, _rss_mb(os.getpid()))

        use_case = {
            "email": service.ingest_email,
            "slack": service.ingest_slack,
            "zendesk": service.ingest_zendesk,
        }[source]
        report = use_case(
            session=session,
            settings=settings,
            paths=[data],
            checkpoint=session.commit,
            progress=progress,
        )
        elapsed = time.perf_counter() - t0
    sampler.stop.set()
    engine.dispose()
    print(
        json.dumps(
            {
                "messages": report.new_messages,
                "skipped": report.skipped,
                "threads": report.threads,
                "seconds": elapsed,
                "main_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "streaming_rss_mb": streaming_peak,
                "workers_rss_mb": sampler.peak,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="messages (default 100,000)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--jobs", type=int, default=0, help="parser processes (0 = per CPU)")
    parser.add_argument("--postgres-url", default=os.environ.get("TIELINE_BENCH_POSTGRES_URL"))
    parser.add_argument("--source", choices=sorted(GENERATORS), default="email")
    parser.add_argument("--worker", nargs=2, metavar=("DB_URL", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), args.jobs, args.source)
        return

    with tempfile.TemporaryDirectory(prefix="tieline-bench-") as tmp:
        mbox = (
            Path(tmp) / {"email": "bench.mbox", "slack": "slack", "zendesk": "zd.json"}[args.source]
        )
        t0 = time.perf_counter()
        size = GENERATORS[args.source](mbox, args.n)
        print(
            f"generated {args.n:,} {args.source} messages, {size / 1e6:.0f} MB, "
            f"in {time.perf_counter() - t0:.0f}s"
        )
        print(f"cpus: {os.cpu_count()}, parser jobs: {args.jobs or 'one per CPU'}")
        server = None
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
            else:
                url = args.postgres_url
                if not url:
                    from tests.pg import TempPostgres

                    server = TempPostgres()
                    url = server.start()
            out = subprocess.run(
                [sys.executable, __file__, "--jobs", str(args.jobs), "--source", args.source,
                 "--worker", url, str(mbox)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                print(f"{backend}: failed\n{out.stderr[-2000:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{backend:9s} {r['messages']:>8,} msgs in {r['seconds']:6.1f}s = "
                f"{r['messages'] / r['seconds']:7,.0f} msg/s | "
                f"peak RSS main {r['main_rss_mb']:.0f} MB "
                f"({r['streaming_rss_mb']:.0f} MB while streaming, rest in threading), "
                f"parser workers {r['workers_rss_mb']:.0f} MB | {r['threads']:,} threads"
            )
        if server:
            server.stop()


if __name__ == "__main__":
    main()
