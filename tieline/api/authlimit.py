"""Failed authentication, limited per client address.

Every request with a key the key cache does not know costs a database lookup, so
guessing keys would be a cheap way to load the database (and a slow way to guess:
keys carry 256 random bits). After ``per_minute`` failed lookups from one address in
any 60 seconds, that address gets 429 with ``Retry-After`` and no lookup until the
oldest failure leaves the window. Keys already in the key cache keep working (they
cost no lookup). Counted per server process, in memory, like the per-key rate limit.

Behind a reverse proxy the client address is the proxy's unless uvicorn is told to
trust its ``X-Forwarded-For`` (``--forwarded-allow-ips``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from tieline.errors import TielineError

__all__ = ["DEFAULT_FAILURES_PER_MINUTE", "AuthThrottle", "TooManyFailures"]

DEFAULT_FAILURES_PER_MINUTE = 30
WINDOW = 60.0


class TooManyFailures(TielineError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class AuthThrottle:
    """At most ``per_minute`` failed key lookups per client address in any 60 seconds;
    ``max_addresses`` bounds the memory (the least recently failing are forgotten)."""

    def __init__(
        self, *, per_minute: int = DEFAULT_FAILURES_PER_MINUTE, max_addresses: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.per_minute = per_minute
        self._max = max_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str) -> None:
        """Raise :class:`TooManyFailures` while the address is over its limit."""
        now = self._clock()
        with self._lock:
            failures = self._failures.get(address)
            if failures is None:
                return
            while failures and failures[0] <= now - WINDOW:
                failures.popleft()
            if not failures:
                del self._failures[address]
                return
            if len(failures) < self.per_minute:
                return
            wait = max(1, math.ceil(failures[0] + WINDOW - now))
        raise TooManyFailures(
            f"too many failed API key attempts from this address; retry in {wait} s",
            retry_after=wait,
        )

    def failed(self, address: str) -> None:
        """Count one failed lookup from the address."""
        now = self._clock()
        with self._lock:
            failures = self._failures.setdefault(address, deque(maxlen=self.per_minute))
            failures.append(now)
            self._failures.move_to_end(address)
            while len(self._failures) > self._max:
                self._failures.popitem(last=False)
