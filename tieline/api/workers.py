"""Ingest worker processes: uploads are ingested outside the serving process.

Parsing an export is CPU-bound Python. Run on one of the server's threads it holds the
GIL that every request needs, so one large or hostile upload slows every workspace's
reads. Each server process therefore owns a small pool of worker processes (spawned on
first use, ``[api] ingest_workers`` of them) that run :func:`jobs.run_job_in_worker`
with their own database engine and a lower CPU priority. The job row is the only thing
shared: the worker claims it, beats, and records the outcome; the API reads it.

Stopping: :meth:`IngestWorkers.close` (the app's lifespan) drops what is still queued,
gives running jobs a few seconds, then terminates their workers. A job cut off that way
stays ``running`` with a stopped heartbeat, and the next server's recovery sweep takes
it over (ingesting is idempotent); a queued one stays ``queued`` and is swept likewise.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tieline.config import Settings
from tieline.service import jobs

__all__ = ["IngestWorkers"]

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0  # what a running job gets to finish when its server stops


class IngestWorkers:
    """Up to ``processes`` worker processes running ingest jobs (see module)."""

    def __init__(self, *, processes: int = 1, grace_seconds: float = GRACE_SECONDS) -> None:
        self.processes = processes
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn: a fork of a server with threads, sockets and an event loop is unsafe.
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=jobs.init_worker,
            )  # fmt: skip
        return self._executor

    def submit(self, job_id: int, *, settings: Settings, upload_dir: Path) -> Future[int | None]:
        """Queue the job for a worker; the future gives the worker's pid once it ran it
        (None: another server had it). A pool whose worker died is replaced."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the ingest workers are stopped")
            try:
                future = self._pool().submit(
                    jobs.run_job_in_worker, job_id, settings=settings, upload_dir=upload_dir
                )
            except BrokenProcessPool:  # a worker was killed (out of memory, say)
                self._executor = None
                future = self._pool().submit(
                    jobs.run_job_in_worker, job_id, settings=settings, upload_dir=upload_dir
                )
        future.add_done_callback(lambda f: self._report(job_id, f))
        return future

    def run(self, job_id: int, *, settings: Settings, upload_dir: Path) -> bool:
        """Run the job in a worker and wait for it (the recovery sweep's thread does)."""
        return self.submit(job_id, settings=settings, upload_dir=upload_dir).result() is not None

    def pids(self) -> list[int]:
        """The worker processes alive now."""
        procs: dict[int, Any] = getattr(self._executor, "_processes", None) or {}
        return [pid for pid, proc in list(procs.items()) if proc.is_alive()]

    def close(self) -> None:
        """Drop queued jobs, let running ones finish for ``grace_seconds``, then stop."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        # The executor forgets its processes on shutdown: keep them to wait on and stop.
        procs = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + self.grace_seconds
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():
                log.warning("stopping ingest worker %s: its job is resumed later", proc.pid)
                proc.terminate()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        # Every worker has exited: the pool's thread can now close its queues, whose
        # semaphores would otherwise be reported as leaked when the server exits.
        executor.shutdown(wait=True)

    def _report(self, job_id: int, future: Future[int | None]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None and self._closed:  # close() stopped it: not a failure
            log.info("ingest job %s stopped with its server; it is resumed later", job_id)
        elif error is not None:
            log.error("ingest job %s: its worker failed (%s); the recovery sweep retries it",
                      job_id, error)  # fmt: skip
        elif (pid := future.result()) is not None:
            log.info("ingest job %s ran in worker process %s", job_id, pid)
