"""``tieline serve``: uvicorn, in one process or in several sharing the port.

Several workers each bind the address with ``SO_REUSEPORT`` and run their own event
loop, engine and caches; the kernel spreads new connections over them. (uvicorn's own
``--workers`` shares one listening socket, and a client that opens its keep-alive
connections at once can land them all on whichever worker woke first.) Where the
platform has no ``SO_REUSEPORT`` the server runs one worker.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from types import FrameType

from tieline.config import Settings

__all__ = ["serve"]

log = logging.getLogger(__name__)

GC_THRESHOLD = 20_000  # allocations between young-generation collections (Python: 700)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _migrate(settings: Settings) -> None:
    from tieline.store.db import open_engine

    open_engine(settings.database_url, create=True).dispose()


def _tune_gc() -> None:
    """Keep the cyclic GC's pauses short in a long-running server.

    Everything imported so far (FastAPI, SQLAlchemy, pydantic, the app's routes and
    schemas) lives as long as the process: frozen, full collections no longer walk it.
    A larger first threshold makes collections rarer; each still handles only what
    requests allocated since the last one. (Measured: full collections of up to 137 ms
    every second or so under load without this.)
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


def _worker(settings: Settings, host: str, port: int, access_log: bool) -> None:
    import uvicorn

    from tieline.api import create_app

    sock = _listen(host, port)
    config = uvicorn.Config(create_app(settings), access_log=access_log)
    _tune_gc()
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    settings: Settings, *, host: str, port: int, workers: int, access_log: bool = True
) -> None:
    """Serve the API until interrupted; ``workers`` processes (0: one per CPU)."""
    import uvicorn

    from tieline.api import create_app

    workers = workers or os.cpu_count() or 1
    if workers > 1 and not hasattr(socket, "SO_REUSEPORT"):
        log.warning("no SO_REUSEPORT on this platform: serving with one worker")
        workers = 1
    if workers == 1:
        app = create_app(settings)
        _tune_gc()
        uvicorn.run(app, host=host, port=port, access_log=access_log)
        return
    if port == 0:
        raise ValueError("several workers need a fixed --port")
    _listen(host, port).close()  # the address is free (or fail here, once, clearly)
    _migrate(settings)  # once, before the workers (each would race the others)
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(target=_worker, args=(settings, host, port, access_log), daemon=False)
        for _ in range(workers)
    ]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for proc in procs:
            proc.start()
        print(f"tieline: {workers} workers on http://{host}:{port}", file=sys.stderr)
        while not stopping and all(p.is_alive() for p in procs):
            time.sleep(0.2)
    finally:
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)  # uvicorn finishes what it serves
        deadline = time.monotonic() + 10
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [p.exitcode for p in procs if p.exitcode not in (0, -signal.SIGTERM)]
    if failed and not stopping:
        raise SystemExit(f"a worker exited with {failed[0]}")
