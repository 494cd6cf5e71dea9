"""``tieline serve`` as a real server: one worker, several workers sharing the port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tieline.store.db import make_engine, migrate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TIELINE_API__RATE_LIMIT_PER_MINUTE": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "tieline.cli", "--db", db, "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--no-access-log"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url


def test_several_workers_share_the_port_and_stop_together(db_url: str) -> None:
    """On a database never migrated (SQLite) too: the server migrates it once, first."""
    port = _free_port()
    proc = _start(db_url, port, workers=2)
    try:
        _wait(port, proc)
        time.sleep(1.0)  # the second worker
        pids = set()
        for _ in range(40):  # new connections: the kernel spreads them over the workers
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                pids.add(client.get("/healthz").json()["pid"])
        assert len(pids) == 2 and proc.pid not in pids
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out.decode()
    for pid in pids:  # no worker outlives the server
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_one_worker_serves_in_process(db: str) -> None:
    port = _free_port()
    proc = _start(db, port, workers=1)
    try:
        _wait(port, proc)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["pid"] == proc.pid
        r = httpx.get(f"http://127.0.0.1:{port}/v1/accounts")
        assert r.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_several_workers_need_a_free_fixed_port(db: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(db, port, workers=2)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Address already in use" in out or b"address already in use" in out.lower()
