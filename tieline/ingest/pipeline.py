"""Parse raw messages on every core with bounded memory.

The reader runs in the calling process; parsing (the expensive part) runs in
a process pool, one window of messages at a time, while the caller stores the
previous window. At most two windows are in flight, so memory does not grow
with the size of the mailbox.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

from tieline.domain import Record

__all__ = ["parallel_map", "default_jobs"]

T = TypeVar("T")

_SMALL = 256  # below this many items a pool costs more than it saves


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _apply(fn: Callable[[T], Record], items: list[T]) -> list[Record]:
    return [fn(item) for item in items]


def parallel_map(
    fn: Callable[[T], Record], items: Iterable[T], *, jobs: int, window: int = 2048
) -> Iterator[Record]:
    """``map(fn, items)`` in order, on ``jobs`` processes, streaming.

    ``fn`` must be picklable (a module-level function or a ``partial`` of one).
    """
    it = iter(items)
    first = list(islice(it, window))
    if jobs <= 1 or len(first) < _SMALL:
        yield from (fn(item) for item in first)
        yield from (fn(item) for item in it)
        return
    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    chunk = max(16, window // (jobs * 4))
    with ctx.Pool(processes=jobs) as pool:
        pending: AsyncResult[list[list[Record]]] | None = _submit(pool, fn, first, chunk)
        while pending is not None:
            batch = list(islice(it, window))
            following = _submit(pool, fn, batch, chunk) if batch else None
            for part in pending.get():
                yield from part
            pending = following


def _submit(
    pool: Pool, fn: Callable[[T], Record], batch: list[T], chunk: int
) -> AsyncResult[list[list[Record]]]:
    slices = [batch[i : i + chunk] for i in range(0, len(batch), chunk)]
    return pool.map_async(partial(_apply, fn), slices, chunksize=1)
