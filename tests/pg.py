"""A throwaway PostgreSQL server for the test suite.

Uses ``$TIELINE_TEST_POSTGRES_URL`` when set; otherwise starts a private
cluster with the Debian server binaries (``initdb``/``pg_ctl`` under
``/usr/lib/postgresql/*/bin``) in a temporary folder on a free port, as the
``postgres`` user when running as root, and stops it at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    def __init__(self) -> None:
        bindir = _bin_dir()
        if bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries not found (apt-get install postgresql) and "
                "TIELINE_TEST_POSTGRES_URL is not set"
            )
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="tieline-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self.prefix, *args], capture_output=True, text=True)
        if proc.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {proc.stderr.strip()[-500:]}")

    def start(self) -> str:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w",
            "-l", str(self.dir / "log"), "start",
        )  # fmt: skip
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                 "-w", "stop"],
                capture_output=True,
            )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_ready(url: str, timeout: float = 20.0) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL at {url} not reachable: {exc}") from exc
            time.sleep(0.2)
