"""The /v1 API under concurrent clients: account list and account detail.

    python bench/api.py --postgres                   # issue #5: a throwaway PostgreSQL
    python bench/api.py                              # the same on a SQLite file
    python bench/api.py --db postgresql://u@h/db --reuse   # generate once, measure often
    python bench/api.py --accounts 1000 --messages 100000 --seconds 5   # a quick run
    python bench/api.py --accounts 1000 --messages 100000 --hostile     # reads vs an upload

Issue #5: p99 < 100 ms at 50 concurrent clients on a workspace of 10,000 accounts and
1,000,000 messages. Generates it with ``bench/graph.py``'s generator (people, threads,
messages with recipients, NLP scores, open items, lifecycle events) and stores
``--weeks`` weekly snapshots with the real use case, as ``tieline snapshot`` would.
Then serves it with ``tieline serve --workers N`` in a subprocess on 127.0.0.1 (the
rate limit off) and drives it from this process with ``--clients`` keep-alive
connections for ``--seconds`` (a minimal HTTP/1.1 client: httpx would spend the shared
CPUs itself). Each request is, at random, a page of ``GET /v1/accounts`` (a sort, band
and flag filters, then the second page by its cursor) or ``GET /v1/accounts/{id}``.
Prints requests/s and p50/p99 latency per endpoint and overall. Client, server and
database share the machine's cores.

``--hostile`` (issue #14) measures three windows back to back on the same server: quiet,
then while another workspace keeps a 1 MB hostile HTML email ingesting (uploaded through
``POST /v1/ingest/email``, polled until done, uploaded again, for the whole window), then
quiet again; the read p99 of the three shows what the upload costs the other tenant.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # noqa: E402

import graph  # noqa: E402  (bench/graph.py, beside this script: its workspace generator)

ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = "bench-api"
INTERNAL = ["northwind.io"]

BANDS = ("red", "yellow", "green")
FLAGS = ("single_threaded", "gone_dark", "departed_champion", "churn_risk")
COMPONENTS = ("sentiment", "engagement", "open_items", "responsiveness", "relationship")


def generate(url: str, *, messages: int, accounts: int, weeks: int, seed: int) -> str:
    """A scored workspace (``bench/graph.py``'s generator) with ``weeks`` weekly
    snapshots, the last as of the end of its history; returns a new API key."""
    from tieline import service
    from tieline.config import load_settings
    from tieline.service.relationships import snapshot
    from tieline.store import facts
    from tieline.store import repository as repo
    from tieline.store.db import make_engine, make_session_factory, migrate

    engine = make_engine(url)
    migrate(engine)
    settings = load_settings(
        config_file=None, database_url=url, workspace=WORKSPACE, internal_domains=INTERNAL
    )
    with make_session_factory(engine)() as session:
        t0 = time.perf_counter()
        graph.generate(
            session, workspace=WORKSPACE, n_messages=messages, n_accounts=accounts, seed=seed
        )
        session.commit()
        print(f"generated {accounts:,} accounts / {messages:,} messages "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
        t0 = time.perf_counter()  # what the ingest use case does after its messages
        facts.refresh_activity(session, workspace_id=repo.get_workspace_id(session, WORKSPACE))
        session.commit()
        print(f"account activity counted in {time.perf_counter() - t0:.1f} s", flush=True)
        for week in reversed(range(weeks)):
            t0 = time.perf_counter()
            snapshot(session=session, settings=settings, as_of=graph.AS_OF - timedelta(weeks=week))
            session.commit()
            print(f"snapshot {weeks - week}/{weeks} in {time.perf_counter() - t0:.0f} s",
                  flush=True)  # fmt: skip
        key, _ = service.create_api_key(session=session, settings=settings, name="bench")
        session.commit()
    engine.dispose()
    return key


def existing(url: str) -> tuple[str, list[int]] | None:
    """A new API key and the account ids of an already generated workspace, if any."""
    from sqlalchemy import select

    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory, migrate
    from tieline.store.models import Account, Workspace

    engine = make_engine(url)
    migrate(engine)
    try:
        with make_session_factory(engine)() as session:
            ws = session.scalar(select(Workspace.id).where(Workspace.name == WORKSPACE))
            if ws is None:
                return None
            settings = load_settings(config_file=None, database_url=url, workspace=WORKSPACE)
            key, _ = service.create_api_key(session=session, settings=settings, name="bench")
            session.commit()
            ids = list(session.scalars(select(Account.id).where(Account.workspace_id == ws)))
            return key, ids
    finally:
        engine.dispose()


UPLOADER = "bench-upload"  # the other tenant, whose upload must not slow the reads


def uploader_key(url: str) -> str:
    """A new API key of the uploading workspace."""
    from sqlalchemy import delete

    from tieline import service
    from tieline.config import load_settings
    from tieline.store.db import make_engine, make_session_factory
    from tieline.store.models import IngestJob

    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            settings = load_settings(config_file=None, database_url=url, workspace=UPLOADER)
            key, info = service.create_api_key(session=session, settings=settings, name="bench")
            # An earlier run's jobs cut off by its server's stop: not resumed in this one.
            session.execute(delete(IngestJob).where(IngestJob.workspace_id == info.workspace_id))
            session.commit()
            return key
    finally:
        engine.dispose()


def hostile_mbox(size: int = 1_000_000) -> bytes:
    """One HTML-only email of ``size`` bytes built to be slow to parse: unclosed
    ``<blockquote`` and ``<script`` runs, nested blocks and a sea of ``<``. Each upload
    gets its own Message-ID, so it is ingested anew, not skipped as a duplicate."""
    unit = "<blockquote>" * 2000 + "<blockquote" * 2000 + "<script" * 2000 + "<" * 20_000
    html = "<p>Please renew.</p>" + (unit * (size // len(unit) + 1))[:size]
    return (
        "From ceo@hostile.example Mon Mar  2 10:00:00 2026\n"
        "From: CEO <ceo@hostile.example>\nTo: csm@northwind.io\n"
        f"Subject: renewal\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n"
        f"Message-ID: <{uuid.uuid4()}@hostile.example>\nMIME-Version: 1.0\n"
        f"Content-Type: text/html; charset=utf-8\n\n{html}\n"
    ).encode()


def keep_uploading(port: int, key: str, stop: threading.Event, done: list[float]) -> None:
    """Upload the hostile mbox, wait for its job to finish, again, until ``stop`` (and
    the job then running has finished); appends the seconds from upload to done of each
    job finished within the window (a refused connection is retried)."""
    while not stop.is_set():
        try:
            _upload_once(port, key, stop, done)
        except OSError as exc:
            print(f"upload: {exc}", flush=True)
            stop.wait(1.0)


def _upload_once(port: int, key: str, stop: threading.Event, done: list[float]) -> None:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"hostile.mbox\"\r\nContent-Type: application/mbox\r\n\r\n"
            ).encode() + hostile_mbox() + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    form = f"multipart/form-data; boundary={boundary}"
    try:
        conn.request("POST", "/v1/ingest/email", body=body,
                     headers={"X-API-Key": key, "Content-Type": form})  # fmt: skip
        job = json.loads(conn.getresponse().read())["job"]["id"]
        while True:  # past ``stop`` too: the next window starts once this job is over
            time.sleep(0.2)
            conn.request("GET", f"/v1/ingest/jobs/{job}", headers={"X-API-Key": key})
            if json.loads(conn.getresponse().read())["status"] in ("done", "failed"):
                if not stop.is_set():
                    done.append(time.perf_counter() - started)
                return
    finally:
        conn.close()


def _wait_for_workers(port: int, workers: int, *, timeout: float = 300.0) -> None:
    """Until ``/healthz`` has answered from every worker (its pid), or ``timeout``: on a
    loaded machine the workers can take a minute to start."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < workers and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            seen.add(json.loads(conn.getresponse().read())["pid"])
            conn.close()
        except (OSError, ValueError, KeyError):
            time.sleep(0.2)
    print(f"{len(seen)} of {workers} workers answering", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Conn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that sends GETs and reads Content-Length bodies.

    An asyncio protocol, not streams: a load generator this small costs the 2 cores a
    fraction of what httpx (or asyncio's streams) would, so the figures measure the server
    rather than the client sharing its CPUs.
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self._head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._transport: Any = None  # an asyncio.Transport (uvloop's are not subclasses)
        self._buffer = bytearray()
        self._waiting: asyncio.Future[tuple[int, bytes, bool]] | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self._transport is None:
            loop = asyncio.get_running_loop()
            await loop.create_connection(lambda: self, self.host, self.port)
        assert self._transport is not None
        self._waiting = asyncio.get_running_loop().create_future()
        self._transport.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n{self._head}\r\n".encode()
        )
        status, body, close = await self._waiting
        if close:
            self.close()
        return status, body

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0 or self._waiting is None:
            return
        lines = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if len(self._buffer) < end + 4 + length:
            return  # the rest of the body is still on its way
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        waiting, self._waiting = self._waiting, None
        waiting.set_result((int(lines[0].split(" ", 2)[1]), body, close))

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_exception(exc or ConnectionResetError("closed by the server"))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


async def drive(
    host: str, port: int, key: str, *, clients: int, seconds: float, ids: list[int]
) -> Any:
    latencies: dict[str, list[float]] = {"list": [], "detail": []}
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        conn = _Conn(host, port, {"X-API-Key": key})
        try:
            while time.perf_counter() < stop:
                if rng.random() < 0.5:
                    kind, params = "list", {"sort": rng.choice(("health", "-health", "name"))}
                    if rng.random() < 0.3:
                        params["band"] = rng.choice(BANDS)
                    if rng.random() < 0.2:
                        params["flag"] = rng.choice(FLAGS)
                    target = "/v1/accounts?" + urlencode(params)
                else:
                    kind, params = "detail", {}
                    target = f"/v1/accounts/{rng.choice(ids)}"
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(30):  # no task per request, as wait_for
                        status, body = await conn.get(target)
                    if kind == "list" and status == 200 and (nxt := _next_cursor(body)):
                        latencies[kind].append(time.perf_counter() - started)
                        started = time.perf_counter()
                        target = "/v1/accounts?" + urlencode({**params, "cursor": nxt})
                        async with asyncio.timeout(30):
                            status, body = await conn.get(target)
                except (TimeoutError, OSError):
                    errors += 1
                    conn.close()
                    conn = _Conn(host, port, {"X-API-Key": key})
                    continue
                latencies[kind].append(time.perf_counter() - started)
                errors += status != 200
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors, time.perf_counter() - began


def _next_cursor(body: bytes) -> str | None:
    """A page's ``next``. The page ends with it, so only the end is parsed: decoding all
    fifty rows cost the client a share of the CPUs the server needs."""
    at = body.rfind(b'"next":')
    if at < 0 or not body.endswith(b"}"):
        return json.loads(body)["next"]  # type: ignore[no-any-return]
    value: str | None = json.loads(body[at + 7 : -1])
    return value


def _run(main: Any) -> Any:
    """``asyncio.run`` on uvloop (installed with uvicorn[standard]): a cheaper client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=2, help="weekly snapshots (default 2)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway server")
    parser.add_argument(
        "--reuse", action="store_true", help="use the --db workspace if it is already there"
    )
    parser.add_argument(
        "--hostile", action="store_true",
        help="quiet, then another workspace's hostile 1 MB HTML upload ingesting, then quiet",
    )  # fmt: skip
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    server_pg = None
    url = args.db or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    if args.postgres:
        from tests.pg import TempPostgres, wait_ready

        server_pg = TempPostgres()
        url = server_pg.start()
        wait_ready(url)
    found = existing(url) if args.reuse else None
    if found is None:
        generate(url, messages=args.messages, accounts=args.accounts, weeks=args.weeks,
                 seed=args.seed)  # fmt: skip
        found = existing(url)
        assert found is not None
    key, ids = found
    other = uploader_key(url) if args.hostile else ""  # before the server sweeps old jobs
    port = _free_port()
    env = {**os.environ, "TIELINE_DATABASE_URL": url, "TIELINE_WORKSPACE": WORKSPACE,
           "TIELINE_API__RATE_LIMIT_PER_MINUTE": "0"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "tieline.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(args.workers), "--no-access-log"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        _wait_for_workers(port, args.workers)
        warm = drive("127.0.0.1", port, key, clients=4, seconds=2.0, ids=ids)
        _run(warm)
        windows = ["quiet", "upload", "quiet again"] if args.hostile else ["reads"]
        results = []
        for window in windows:
            stop, jobs_done = threading.Event(), list[float]()
            feeder = threading.Thread(target=keep_uploading, args=(port, other, stop, jobs_done))
            if window == "upload":
                feeder.start()
                time.sleep(1.0)  # the first upload is in and its job running
            measured = _run(drive("127.0.0.1", port, key, clients=args.clients,
                                  seconds=args.seconds, ids=ids))  # fmt: skip
            results.append((window, jobs_done, measured))
            stop.set()
            if feeder.is_alive():
                feeder.join()
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
    for window, jobs_done, (latencies, errors, took) in results:
        total = [x for v in latencies.values() for x in v]
        print(
            f"{len(ids):,} accounts ({url.split(':')[0]}), {args.workers} workers, "
            f"{args.clients} clients, {took:.1f} s, {len(total):,} requests, {errors} errors"
            + (f" [{window}]" if args.hostile else "")
        )
        if window == "upload":
            took_each = ", ".join(f"{t:.1f}" for t in jobs_done) or "none finished"
            print(f"  hostile uploads ingested meanwhile: {len(jobs_done)} (s each: {took_each})")
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
