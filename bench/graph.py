"""Relationship and health scoring at scale: full assessment, snapshot, one new day.

    python bench/graph.py                          # 10,000 accounts / 1,000,000 messages
    python bench/graph.py -n 20000 --accounts 200  # a quick run
    python bench/graph.py --db postgresql://user@host/db --seed 2

Issue #4: scoring a workspace of 10,000 accounts / 1,000,000 messages must finish in
under 5 minutes on 2 cores once NLP scores exist, and re-scoring after one new day of
messages must cost time proportional to the change, not the history.

Generates the workspace straight into a fresh SQLite database (or ``--db``) with Core
bulk inserts, as if ``tieline ingest`` and ``tieline score`` had run: ~20 CSMs, N
accounts of 2-8 people each (some executives), threads and M messages over 12 months
with recipients, ``sentiment`` and ``reply`` scores, open items and lifecycle events.
Accounts follow a mix of profiles: busy and healthy, steady, single-threaded, gone dark
(silent for the last 45 days while we keep writing), champion departed, churn risk.
Then, in one process, it times ``relationships.assess`` over the whole workspace (with
a breakdown: loading facts, building the graph, scoring) and its peak resident memory,
``relationships.snapshot``, and finally inserts one new day of messages (0.3 % of M)
and times ``assess(account_ids=<accounts touched since the snapshot>)``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Table, func, insert, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

AS_OF = datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)  # history ends here
YEAR = timedelta(days=365)
DARK = timedelta(days=45)
HOUR = 3600.0
CHUNK = 20_000  # messages per flush (rows of the other tables follow their messages)
WORDS = (
    "renewal export dashboard invoice onboarding integration latency report quarterly "
    "review usage seats license migration timeline contract support ticket escalation "
    "training roadmap feature pricing budget approval security SSO api schedule meeting"
).split()
TITLES = ["Analyst", "IT Admin", "Data Engineer", "Ops Manager", "Head of CS", "Director of Data"]
EXEC_TITLES = ["VP Operations", "CFO", "CTO", "VP Engineering", "COO"]
# profile: (share of accounts, activity weight, sentiment mean)
PROFILES: dict[str, tuple[float, float, float]] = {
    "busy": (0.25, 2.5, 0.35),
    "steady": (0.40, 1.0, 0.15),
    "single": (0.15, 0.7, 0.10),
    "dark": (0.12, 0.8, -0.05),
    "departed": (0.05, 1.0, 0.0),
    "churn": (0.03, 1.0, -0.30),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Account:
    id: int
    name: str
    profile: str
    csm: int  # person id of the owning CSM
    people: list[int]  # external person ids; people[0] is the champion
    departed_at: datetime | None = None
    messages: int = 0


@dataclass
class Writer:
    """Buffers rows per table and flushes them in foreign-key order."""

    session: Session
    tables: dict[str, Table]
    buf: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter[str] = field(default_factory=Counter)
    order: tuple[str, ...] = (
        "threads",
        "messages",
        "message_recipients",
        "message_scores",
        "open_items",
        "lifecycle_events",
    )

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.buf[table].append(row)
        if table == "messages" and len(self.buf[table]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for name in self.order:
            rows = self.buf.pop(name, [])
            for i in range(0, len(rows), CHUNK * 2):
                self.session.execute(insert(self.tables[name]), rows[i : i + CHUNK * 2])
            self.counts[name] += len(rows)
        self.session.commit()


@dataclass
class World:
    """Ids handed out so far and who is who; shared by the history and the new day."""

    rng: random.Random
    workspace_id: int
    source_id: int
    ingested_at: datetime
    csms: list[int]
    identity: dict[int, int]  # person id -> identity id
    accounts: list[Account]
    next_id: dict[str, int]

    def new_id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]


def _sentence(rng: random.Random, k: int = 8) -> str:
    return " ".join(rng.choices(WORDS, k=k)).capitalize() + "."


def _thread(
    w: World,
    out: Writer,
    acc: Account,
    *,
    length: int,
    start: datetime,
    end: datetime,
    sentiment_mean: float,
    them_first: bool | None = None,
    inbound: bool = True,
    events: list[tuple[int, str, int | None, float, str, datetime]] | None = None,
) -> int:
    """Write one thread of ``length`` alternating messages in [start, end]; return count."""
    rng = w.rng
    csm = acc.csm if rng.random() < 0.9 else rng.choice(w.csms)
    champion_share = 0.85 if acc.profile == "single" else 0.45
    departed = acc.departed_at

    def contact(at: datetime) -> int:
        alive = [p for p in acc.people if departed is None or p != acc.people[0] or at < departed]
        if alive[0] == acc.people[0] and rng.random() < champion_share:
            return alive[0]
        return rng.choice(alive)

    them = rng.random() < 0.55 if them_first is None else them_first
    if not inbound:
        them = False
    at = start
    msgs: list[tuple[int, datetime, bool, int]] = []  # id, sent_at, external, author
    for _ in range(length):
        if at > end:
            break
        author = contact(at) if them else csm
        msgs.append((w.new_id("messages"), at, them, author))
        at += timedelta(seconds=rng.expovariate(1 / (8 * HOUR)) + 300)
        them = not them if inbound else False
    if not msgs:
        return 0
    tid = w.new_id("threads")
    subject = " ".join(rng.choices(WORDS, k=3)).capitalize()
    ws = w.workspace_id
    out.add(
        "threads",
        {
            "id": tid, "workspace_id": ws, "key": f"<m{msgs[0][0]}@bench>", "subject": subject,
            "first_at": msgs[0][1], "last_at": msgs[-1][1], "message_count": len(msgs),
            "scored_count": len(msgs),
        },
    )  # fmt: skip
    main_contact = contact(start)
    for k, (mid, sent, external, author) in enumerate(msgs):
        nxt = msgs[k + 1] if k + 1 < len(msgs) and msgs[k + 1][2] != external else None
        body = _sentence(rng, rng.randint(6, 14))
        out.add(
            "messages",
            {
                "id": mid, "workspace_id": ws, "source_id": w.source_id,
                "external_id": f"<m{mid}@bench>", "thread_id": tid, "author_id": author,
                "author_identity_id": w.identity[author], "sent_at": sent,
                "subject": ("Re: " if k else "") + subject, "body": body, "quoted_text": "",
                "signature": "", "in_reply_to": f"<m{msgs[k - 1][0]}@bench>" if k else None,
                "references": "", "provider_thread_id": None, "automated_kind": None,
                "automated_reason": None,
                "content_hash": hashlib.blake2b(body.encode(), digest_size=32).hexdigest(),
                "locator": "", "size_bytes": len(body), "attributes": {},
                "ingested_at": w.ingested_at,
            },
        )  # fmt: skip
        if external:
            to = [csm]
            others = [p for p in acc.people if p != author]
            cc = rng.sample(others, k=min(len(others), rng.choice((0, 0, 0, 1, 2))))
        else:
            to = [main_contact if inbound else contact(sent)]
            others = [p for p in acc.people if p not in to]
            cc = rng.sample(others, k=min(len(others), rng.choice((0, 0, 1))))
        for kind, group in (("to", to), ("cc", cc)):
            for p in group:
                out.add(
                    "message_recipients",
                    {"id": w.new_id("message_recipients"), "workspace_id": ws,
                     "message_id": mid, "person_id": p, "identity_id": w.identity[p],
                     "kind": kind},
                )  # fmt: skip
        mean = sentiment_mean if acc.profile != "churn" or AS_OF - sent < 2 * DARK else 0.15
        score = max(-1.0, min(1.0, rng.gauss(mean, 0.3)))
        label = "positive" if score > 0.25 else "negative" if score < -0.25 else "neutral"
        out.add(
            "message_scores",
            {"id": w.new_id("message_scores"), "workspace_id": ws, "message_id": mid,
             "name": "sentiment", "value": round(score, 4), "label": label,
             "details": {"confidence": round(rng.uniform(0.5, 1.0), 3), "sentences": []},
             "model": "bench", "scored_at": w.ingested_at},
        )  # fmt: skip
        seconds = (nxt[1] - sent).total_seconds() if nxt else None
        out.add(
            "message_scores",
            {"id": w.new_id("message_scores"), "workspace_id": ws, "message_id": mid,
             "name": "reply", "value": seconds, "label": "answered" if nxt else "unanswered",
             "details": {"answered_by": nxt[0] if nxt else None,
                         "business_seconds": round(seconds * 0.3, 1) if seconds else None},
             "model": "", "scored_at": w.ingested_at},
        )  # fmt: skip
        if rng.random() < 0.1:
            if external:
                kind, owed = rng.choice(("request", "question")), "us"
            else:
                kind, owed = rng.choice((("commitment", "us"), ("question", "them")))
            resolved = nxt is not None and rng.random() < 0.85
            out.add(
                "open_items",
                {"id": w.new_id("open_items"), "workspace_id": ws, "message_id": mid,
                 "thread_id": tid, "kind": kind, "span": body[:40], "sentence": body,
                 "start": 0, "end": min(40, len(body)), "owed_by": owed, "due_at": None,
                 "confidence": 0.9, "asked_at": sent,
                 "status": "resolved" if resolved else "open",
                 "resolution": "reply" if resolved else None,
                 "resolved_by_id": nxt[0] if resolved and nxt else None,
                 "resolved_at": nxt[1] if resolved and nxt else None},
            )  # fmt: skip
        if events is not None and external:
            for kind, evidence, person, confidence in _events_for(acc, sent, author, rng):
                events.append((mid, kind, person, confidence, evidence, sent))
    acc.messages += len(msgs)
    return len(msgs)


def _events_for(
    acc: Account, sent: datetime, author: int, rng: random.Random
) -> Iterator[tuple[str, str, int | None, float]]:
    if acc.profile == "churn" and AS_OF - sent < 2 * DARK and rng.random() < 0.08:
        yield "churn_risk", "We are evaluating other vendors before the renewal.", None, 0.8


def _event_row(w: World, ev: tuple[int, str, int | None, float, str, datetime]) -> Any:
    mid, kind, person, confidence, evidence, at = ev
    return {
        "id": w.new_id("lifecycle_events"), "workspace_id": w.workspace_id, "message_id": mid,
        "person_id": person, "kind": kind, "evidence": evidence, "subject_email": "",
        "until": None, "contact_email": "", "confidence": confidence, "occurred_at": at,
    }  # fmt: skip


def _account_history(w: World, out: Writer, acc: Account, budget: int) -> None:
    """Spend ``budget`` messages on one account's year, shaped by its profile."""
    rng = w.rng
    mean = PROFILES[acc.profile][2]
    first = AS_OF - YEAR
    events: list[tuple[int, str, int | None, float, str, datetime]] = []
    if acc.profile == "dark":  # we keep writing in the last 45 days, they do not answer
        outreach = min(budget, rng.randint(3, 6))
        for _ in range(outreach):
            at = AS_OF - timedelta(seconds=rng.uniform(0, DARK.total_seconds() - HOUR))
            budget -= _thread(
                w, out, acc, length=1, start=at, end=AS_OF, sentiment_mean=mean, inbound=False
            )
    if acc.departed_at is not None and budget > 0:  # a colleague tells us the champion left
        at = acc.departed_at + timedelta(days=rng.uniform(1, 10))
        before = acc.messages
        start_id = w.next_id["messages"]
        budget -= _thread(
            w, out, acc, length=2, start=at, end=AS_OF, sentiment_mean=mean, them_first=True
        )
        if acc.messages > before:
            evidence = "Our champion is no longer with the company; please contact me instead."
            row = _event_row(w, (start_id + 1, "departure", acc.people[0], 0.9, evidence, at))
            out.add("lifecycle_events", row)
    last = AS_OF - DARK if acc.profile == "dark" else AS_OF
    span = (last - first).total_seconds()
    while budget > 0:
        length = min(budget, rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 8)))
        at = first + timedelta(seconds=rng.uniform(0, span))
        events.clear()
        made = _thread(
            w, out, acc, length=length, start=at, end=last, sentiment_mean=mean, events=events
        )
        for ev in events:
            out.add("lifecycle_events", _event_row(w, ev))
        budget -= made if made else 1


def generate(
    session: Session, *, workspace: str, n_messages: int, n_accounts: int, seed: int
) -> World:
    from tieline.store.models import Base

    tables = dict(Base.metadata.tables)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    next_id: dict[str, int] = {}
    for name in (
        "workspaces", "sources", "accounts", "account_domains", "people", "identities",
        "threads", "messages", "message_recipients", "message_scores", "open_items",
        "lifecycle_events",
    ):  # fmt: skip
        next_id[name] = session.scalar(select(func.max(tables[name].c.id))) or 0
    w = World(rng, next_id["workspaces"] + 1, next_id["sources"] + 1, now, [], {}, [], next_id)
    ws = w.workspace_id
    session.execute(
        insert(tables["workspaces"]), [{"id": ws, "name": workspace, "created_at": now}]
    )
    session.execute(
        insert(tables["sources"]),
        [{"id": w.source_id, "workspace_id": ws, "kind": "email", "name": "bench",
          "sync_state": {}, "created_at": now}],
    )  # fmt: skip
    people: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []

    def person(name: str, email: str, *, internal: bool, title: str, account: int | None) -> int:
        pid = w.new_id("people")
        people.append(
            {"id": pid, "workspace_id": ws, "name": name, "internal": internal,
             "automated": False, "title": title, "account_id": account, "created_at": now}
        )  # fmt: skip
        iid = w.new_id("identities")
        identities.append(
            {"id": iid, "workspace_id": ws, "person_id": pid, "kind": "email", "value": email,
             "display_name": name, "domain": email.split("@")[1], "name_key": name.lower()}
        )  # fmt: skip
        w.identity[pid] = iid
        return pid

    for i in range(20):
        w.csms.append(
            person(f"Agent{i} Smith", f"csm{i}@northwind.io", internal=True,
                   title="Customer Success Manager", account=None)
        )  # fmt: skip
    accounts: list[dict[str, Any]] = []
    domains: list[dict[str, Any]] = []
    names, shares = list(PROFILES), [p[0] for p in PROFILES.values()]
    for i in range(n_accounts):
        aid = w.new_id("accounts")
        name, domain = f"Customer {i:05d}", f"customer{i}.example"
        accounts.append({"id": aid, "workspace_id": ws, "name": name, "created_at": now})
        domains.append(
            {"id": w.new_id("account_domains"), "workspace_id": ws, "account_id": aid,
             "domain": domain}
        )  # fmt: skip
        profile = rng.choices(names, weights=shares)[0]
        size = rng.randint(2, 4) if profile == "single" else rng.randint(3, 8)
        members = []
        for j in range(size):
            title = rng.choice(EXEC_TITLES) if rng.random() < 0.2 else rng.choice(TITLES)
            members.append(
                person(f"Person{j} Account{i}", f"person{j}@{domain}", internal=False,
                       title=title, account=aid)
            )  # fmt: skip
        acc = Account(aid, name, profile, w.csms[i % len(w.csms)], members)
        if profile == "departed":
            acc.departed_at = AS_OF - timedelta(days=rng.uniform(30, 120))
        w.accounts.append(acc)
    for table, rows in (
        ("accounts", accounts), ("account_domains", domains), ("people", people),
        ("identities", identities),
    ):  # fmt: skip
        for i in range(0, len(rows), CHUNK):
            session.execute(insert(tables[table]), rows[i : i + CHUNK])
    session.commit()

    weights = [PROFILES[a.profile][1] * rng.lognormvariate(0, 0.5) for a in w.accounts]
    total = sum(weights)
    budgets = [max(2, int(n_messages * x / total)) for x in weights]
    budgets[weights.index(max(weights))] += n_messages - sum(budgets)
    out = Writer(session, tables)
    for acc, budget in zip(w.accounts, budgets, strict=True):
        _account_history(w, out, acc, budget)
    out.flush()
    _fix_sequences(session, tables)
    return w


def _fix_sequences(session: Session, tables: dict[str, Table]) -> None:
    """On PostgreSQL, move the id sequences past the ids this bench set itself."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name, table in tables.items():
        if "id" in table.c:
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                     f"COALESCE((SELECT MAX(id) FROM {name}), 1))")
            )  # fmt: skip
    session.commit()


def new_day(w: World, session: Session, *, n_messages: int) -> Counter[str]:
    """One more day of mail (after ``AS_OF``) for a few hundred accounts, scored."""
    from tieline.store.models import Base

    rng = w.rng
    tables = dict(Base.metadata.tables)
    out = Writer(session, tables)
    w.ingested_at = datetime.now(UTC)
    n_accounts = max(1, min(len(w.accounts), n_messages // 10))
    chosen = rng.sample(w.accounts, k=n_accounts)
    left = n_messages
    while left > 0:
        acc = rng.choice(chosen)
        at = AS_OF + timedelta(seconds=rng.uniform(1, 20 * HOUR))
        inbound = acc.profile != "dark"
        made = _thread(
            w, out, acc, length=min(left, rng.choice((1, 2, 3))), start=at,
            end=AS_OF + timedelta(days=1), sentiment_mean=PROFILES[acc.profile][2],
            inbound=inbound,
        )  # fmt: skip
        left -= made if made else 1
    out.flush()
    _fix_sequences(session, tables)
    return out.counts


@contextmanager
def timed_calls(timings: dict[str, float]) -> Iterator[None]:
    """Time the steps ``assess`` calls, by wrapping the names it looks up (bench only)."""
    from tieline.service import relationships
    from tieline.store import facts

    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, attr: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[label] = timings.get(label, 0.0) + time.perf_counter() - t0

        patched.append((owner, attr, original))
        setattr(owner, attr, timed)

    for attr in ("people", "events", "interactions", "items", "account_names", "snapshots"):
        wrap(facts, attr, f"load {attr}")
    wrap(relationships, "stakeholder_graph", "graph build")
    wrap(relationships, "person_strength", "person strength")
    wrap(relationships, "infer_roles", "roles")
    wrap(relationships, "account_relationships", "account relationships")
    try:
        yield
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)


def _breakdown(timings: dict[str, float], total: float) -> str:
    rest = total - sum(timings.values())
    parts = [f"{k} {v:.1f}" for k, v in timings.items()] + [f"health+json {rest:.1f}"]
    return ", ".join(parts)


def _db_size(session: Session, url: str) -> float:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        path = make_url(url).database or ""
        return (
            sum(os.path.getsize(p) for p in (path, path + "-wal") if p and os.path.exists(p))
            / 2**20
        )
    if bind.dialect.name == "postgresql":
        return (
            float(session.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 2**20
        )
    return math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="messages (default 1,000,000)")
    parser.add_argument("--accounts", type=int, default=10_000, help="accounts (default 10,000)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file in a temp dir)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from tieline.config import load_settings
    from tieline.service.relationships import assess, snapshot
    from tieline.store import facts
    from tieline.store.db import make_engine, make_session_factory, migrate
    from tieline.store.models import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'graph.db'}"
        engine = make_engine(url)
        migrate(engine)
        with make_session_factory(engine)() as session:
            workspace = "bench-graph"
            if session.scalar(select(Workspace.id).where(Workspace.name == workspace)):
                workspace = f"bench-graph-{int(time.time())}"
            settings = load_settings(
                database_url=url, workspace=workspace, internal_domains=["northwind.io"]
            )
            t0 = time.perf_counter()
            w = generate(
                session, workspace=workspace, n_messages=args.n, n_accounts=args.accounts,
                seed=args.seed,
            )  # fmt: skip
            gen_s = time.perf_counter() - t0
            n_people = sum(len(a.people) for a in w.accounts) + len(w.csms)
            profiles = Counter(a.profile for a in w.accounts)
            size = _db_size(session, url)
            print(
                f"generated {args.accounts:,} accounts, {n_people:,} people, "
                f"{sum(a.messages for a in w.accounts):,} messages in {gen_s:.1f} s; "
                f"{engine.dialect.name} {size:,.0f} MB; RSS {_rss_mb():.0f} MB"
            )
            print("  profiles: " + ", ".join(f"{k} {v:,}" for k, v in sorted(profiles.items())))
            rss0 = _rss_mb()

            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            with timed_calls(timings):
                full = assess(session=session, settings=settings, as_of=AS_OF)
            full_s = time.perf_counter() - t0
            full_rss = _rss_mb()
            flags = Counter(
                k for obj in full.accounts.values() for k, v in obj["flags"].items() if v["raised"]
            )
            print(
                f"full assess: {len(full.accounts):,} accounts, {len(full.people):,} people in "
                f"{full_s:.1f} s; peak RSS {full_rss:.0f} MB ({rss0:.0f} MB before)"
            )
            print(f"  seconds: {_breakdown(timings, full_s)}")
            print("  flags raised: " + ", ".join(f"{k} {v:,}" for k, v in sorted(flags.items())))
            bands = Counter(str(h.band.value if h.band else None) for h in full.health.values())
            print("  bands: " + ", ".join(f"{k} {v:,}" for k, v in sorted(bands.items())))
            del full

            t0 = time.perf_counter()
            snapshot(session=session, settings=settings, as_of=AS_OF)
            session.commit()
            snap_s = time.perf_counter() - t0
            since = datetime.now(UTC)
            print(f"snapshot (assess + store): {snap_s:.1f} s; peak RSS {_rss_mb():.0f} MB")

            day_n = max(1, round(args.n * 0.003))
            t0 = time.perf_counter()
            counts = new_day(w, session, n_messages=day_n)
            day_gen = time.perf_counter() - t0
            t0 = time.perf_counter()
            touched = facts.accounts_touched_since(
                session, workspace_id=w.workspace_id, since=since
            )
            touch_s = time.perf_counter() - t0
            timings = {}
            t0 = time.perf_counter()
            with timed_calls(timings):
                again = assess(
                    session=session, settings=settings, as_of=AS_OF + timedelta(days=1),
                    account_ids=touched,
                )  # fmt: skip
            inc_s = time.perf_counter() - t0
            print(
                f"new day: {counts['messages']:,} messages inserted in {day_gen:.1f} s; "
                f"accounts_touched_since {len(touched):,} accounts in {touch_s:.2f} s"
            )
            print(
                f"incremental assess: {len(again.accounts):,} accounts in {inc_s:.1f} s "
                f"= {inc_s / full_s:.1%} of full ({len(touched) / len(w.accounts):.1%} of accounts)"
            )
            print(f"  seconds: {_breakdown(timings, inc_s)}")
            print(
                f"\nsummary: {args.accounts:,} accounts / {args.n:,} messages "
                f"({engine.dialect.name}): generate {gen_s:.0f} s, full assess {full_s:.1f} s "
                f"(limit 300), snapshot "
                f"{snap_s:.1f} s, peak RSS {_rss_mb():.0f} MB; new day {counts['messages']:,} "
                f"messages / {len(touched):,} accounts: touched {touch_s:.2f} s + assess "
                f"{inc_s:.1f} s = {(touch_s + inc_s) / full_s:.1%} of full"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
