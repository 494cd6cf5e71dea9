"""A simple per-key rate limit: a sliding one-minute window kept in memory.

One process, one window per API key: enough for a single ``tieline serve``; several
workers each count on their own (a shared limit would need Redis or the database).
The limiter lives on ``app.state.rate_limiter`` so tests and deployments can swap it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from tieline.api.deps import Caller, CallerDep
from tieline.errors import TielineError

__all__ = ["DEFAULT_PER_MINUTE", "RateLimited", "RateLimiter", "check", "install", "rate_limit"]

DEFAULT_PER_MINUTE = 600
WINDOW = 60.0


class RateLimited(TielineError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class RateLimiter:
    """At most ``per_minute`` requests per key in any 60 seconds."""

    def __init__(
        self, *, per_minute: int = DEFAULT_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key_id: int) -> int | None:
        """Count one request; None when allowed, else the seconds until the next one is."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and hits[0] <= now - WINDOW:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(hits[0] + WINDOW - now))
            hits.append(now)
            return None


def install(app: object, *, per_minute: int = DEFAULT_PER_MINUTE) -> None:
    """Give the app its limiter (``app.state.rate_limiter``)."""
    app.state.rate_limiter = RateLimiter(per_minute=per_minute)  # type: ignore[attr-defined]


def check(limiter: RateLimiter | None, key_id: int) -> None:
    """Count one request of the key; :class:`RateLimited` (429) once over its limit."""
    if limiter is not None:
        wait = limiter.hit(key_id)
        if wait is not None:
            raise RateLimited(
                f"rate limit of {limiter.per_minute} requests a minute reached; retry in {wait} s",
                retry_after=wait,
            )


async def rate_limit(request: Request, caller: CallerDep) -> Caller:
    """The caller, once its key is under its limit; 429 with Retry-After otherwise."""
    check(getattr(request.app.state, "rate_limiter", None), caller.key_id)
    return caller


LimitedCallerDep = Annotated[Caller, Depends(rate_limit)]
