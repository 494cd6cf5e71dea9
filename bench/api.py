"""The /v1 API under concurrent clients: account list and account detail.

    python bench/api.py                              # 10,000 accounts on SQLite, 50 clients
    python bench/api.py --accounts 1000 --seconds 5  # a quick run
    python bench/api.py --postgres                   # a throwaway PostgreSQL (tests/pg.py)
    python bench/api.py --db postgresql://user@host/db

Issue #5: p99 < 100 ms at 50 concurrent clients. Generates a workspace straight into a
fresh database with Core bulk inserts (N accounts with a domain each, ``--snapshots``
weekly snapshots per account whose payload has the shape ``tieline accounts --format
json`` stores), serves it with uvicorn in a subprocess on 127.0.0.1 (the rate limit
lifted), then drives it from this process with ``--clients`` concurrent httpx clients
for ``--seconds``: each request is, at random, a page of ``GET /v1/accounts`` (sort,
band and flag filters, a second page by cursor) or ``GET /v1/accounts/{id}``. Prints
requests/s and p50/p99 latency per endpoint and overall.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anyio.to_thread  # noqa: E402
from fastapi import FastAPI  # noqa: E402

THREADS = 12
BANDS = ("red", "yellow", "green")
FLAGS = ("single_threaded", "gone_dark", "departed_champion", "churn_risk")
COMPONENTS = ("sentiment", "engagement", "open_items", "responsiveness", "relationship")


def app() -> FastAPI:
    """uvicorn's factory: the real app with the per-key rate limit lifted."""
    from tieline.api import create_app
    from tieline.api.ratelimit import RateLimiter

    served = create_app()
    served.state.rate_limiter = RateLimiter(per_minute=10**9)
    inner = served.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        # No more worker threads than pooled connections (5 + 10 overflow): with anyio's
        # default 40, threads holding a token wait for a connection held by requests
        # that wait for a token (the FastAPI/SQLAlchemy pool deadlock, 30 s timeouts).
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        async with inner(a):
            yield

    served.router.lifespan_context = lifespan
    return served


def _payload(rng: random.Random, score: float, band: str, rel: int, flags: list[str]) -> Any:
    components = {
        c: {"raw": v, "value": v, "weight": w, "share": w, "contribution": v * w,
            "points": None, "note": f"{c}: {v:.2f}"}
        for c, w in zip(COMPONENTS, (20.0, 20.0, 15.0, 15.0, 30.0), strict=True)
        for v in [round(rng.random(), 4)]
    }  # fmt: skip
    return {
        "health": {"score": score, "band": band, "trend": round(rng.uniform(-5, 5), 1),
                   "raw_mean": score, "missing": [], "ignored": [], "components": components,
                   "reasons": [{"component": "relationship", "pull": -2.0,
                                "text": "Relationship strength pulls the score down"}]},
        "relationship": {"score": rel, "value": rel / 5, "components": {"depth": 0.5},
                         "weights": {"depth": 0.35}, "people": 4, "breadth": 2,
                         "executive_covered": False, "champion": None, "evidence": {}},
        "flags": {f: {"raised": f in flags, "reason": "", "evidence": {}} for f in FLAGS},
        **{f: f in flags for f in FLAGS},
    }  # fmt: skip


def generate(url: str, *, accounts: int, snapshots: int, seed: int) -> tuple[str, int]:
    """A fresh workspace of ``accounts`` accounts with weekly snapshots; (API key, max id)."""
    from sqlalchemy import insert, select

    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory, migrate
    from tieline.store.models import Account, AccountDomain, AccountSnapshot, Workspace

    rng = random.Random(seed)
    engine = make_engine(url)
    migrate(engine)
    settings = load_settings(config_file=None, database_url=url, workspace="bench")
    with make_session_factory(engine)() as session:
        session.execute(insert(Workspace), [{"name": "bench"}])
        ws = session.scalar(select(Workspace.id).where(Workspace.name == "bench"))
        session.execute(insert(Account), [{"workspace_id": ws, "name": f"Account {i:05d}"}
                                          for i in range(accounts)])  # fmt: skip
        ids = list(session.scalars(select(Account.id).where(Account.workspace_id == ws)))
        session.execute(insert(AccountDomain), [
            {"workspace_id": ws, "account_id": a, "domain": f"account{a}.example"} for a in ids
        ])  # fmt: skip
        last = date(2026, 11, 20)
        rows = []
        for a in ids:
            for week in range(snapshots):
                score = round(rng.uniform(5, 95), 1)
                band = "red" if score < 40 else "yellow" if score < 70 else "green"
                flags = sorted(f for f in FLAGS if rng.random() < 0.12)
                rel = rng.randint(1, 5)
                rows.append({"workspace_id": ws, "account_id": a, "score": score, "band": band,
                             "relationship": rel, "flags": flags,
                             "on": last - timedelta(weeks=snapshots - 1 - week),
                             "payload": _payload(rng, score, band, rel, flags)})  # fmt: skip
            if len(rows) >= 5000:
                session.execute(insert(AccountSnapshot), rows)
                rows.clear()
        if rows:
            session.execute(insert(AccountSnapshot), rows)
        key, _ = service.create_api_key(session=session, settings=settings, name="bench")
        session.commit()
    engine.dispose()
    return key, max(ids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def drive(base: str, key: str, *, clients: int, seconds: float, max_id: int) -> Any:
    import httpx

    latencies: dict[str, list[float]] = {"list": [], "detail": []}
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key},
                                     timeout=30) as http:  # fmt: skip
            while time.perf_counter() < stop:
                if rng.random() < 0.5:
                    kind, params = "list", {"sort": rng.choice(("health", "-health", "name"))}
                    if rng.random() < 0.3:
                        params["band"] = rng.choice(BANDS)
                    if rng.random() < 0.2:
                        params["flag"] = rng.choice(FLAGS)
                    url = "/v1/accounts"
                else:
                    kind, params, url = "detail", {}, f"/v1/accounts/{rng.randint(1, max_id)}"
                started = time.perf_counter()
                try:
                    r = await http.get(url, params=params)
                    if kind == "list" and r.status_code == 200 and r.json()["next"]:
                        latencies[kind].append(time.perf_counter() - started)
                        started = time.perf_counter()
                        r = await http.get(url, params={**params, "cursor": r.json()["next"]})
                except httpx.TimeoutException:
                    errors += 1
                    continue
                latencies[kind].append(time.perf_counter() - started)
                errors += r.status_code != 200

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors, time.perf_counter() - began


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--snapshots", type=int, default=4, help="weekly snapshots per account")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway server")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    server_pg = None
    url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    if args.postgres:
        from tests.pg import TempPostgres, wait_ready

        server_pg = TempPostgres()
        url = server_pg.start()
        wait_ready(url)
    t0 = time.perf_counter()
    key, max_id = generate(url, accounts=args.accounts, snapshots=args.snapshots,
                           seed=args.seed)  # fmt: skip
    print(f"generated {args.accounts:,} accounts x {args.snapshots} snapshots "
          f"in {time.perf_counter() - t0:.1f} s ({url.split(':')[0]})")  # fmt: skip
    port = _free_port()
    env = {**os.environ, "TIELINE_DATABASE_URL": url, "TIELINE_WORKSPACE": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.api:app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(drive(base, key, clients=4, seconds=1.0, max_id=max_id))  # warm up
        latencies, errors, took = asyncio.run(
            drive(base, key, clients=args.clients, seconds=args.seconds, max_id=max_id)
        )
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # threads still busy with requests: no matter
            server.kill()
            server.wait()
        if server_pg:
            server_pg.stop()
        tmp.cleanup()
    total = [x for v in latencies.values() for x in v]
    print(f"{args.clients} clients, {took:.1f} s, {len(total):,} requests, {errors} errors")
    rows = (
        ("GET /v1/accounts", latencies["list"]),
        ("GET /v1/accounts/{id}", latencies["detail"]),
        ("all", total),
    )
    for name, values in rows:
        rate, p50, p99 = len(values) / took, _pct(values, 50), _pct(values, 99)
        print(f"  {name:<24} {rate:8.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    print(f"  (measured {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
