"""Request dependencies: a session per request (it owns the transaction), the
workspace of the caller's API key. Tests swap them with ``app.dependency_overrides``.

The dependencies are ``async``: FastAPI runs a sync dependency in a worker thread, and
each hop to a thread and back costs more than the work of these. Database work goes to
a thread only where there is some: the endpoint itself (sync), the commit at the end,
and an API-key lookup that missed the key cache. The hottest reads (the account list
and detail) skip the session dependency: :func:`read` runs them with a session of their
own (``app.state.read_sessions``, autocommit) in a single hop, and the detail's stored
snapshot is read on an asyncio engine (``app.state.async_readers``) with no hop at all.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from functools import cached_property
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from tieline import service
from tieline.api.authlimit import AuthThrottle
from tieline.config import Settings
from tieline.errors import TielineError

__all__ = [
    "Caller", "CallerDep", "KeyCache", "SessionDep", "Unauthorized", "client_address", "read",
]  # fmt: skip

KEY_CACHE_SECONDS = 5.0
T = TypeVar("T")


class Unauthorized(TielineError):
    status_code = 401


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the endpoint returns, rolled back on error.

    Opening a session touches no database; the endpoint's first query does, in its
    thread. Only a session that began a transaction needs a thread to end it.
    """
    session: Session = request.app.state.sessions()
    limiter = getattr(request.app.state, "end_limiter", None)

    async def end(step: Callable[[], None]) -> None:
        await anyio.to_thread.run_sync(step, limiter=limiter)

    try:
        yield session
    except BaseException:
        if session.in_transaction():
            await end(session.rollback)
        raise
    else:
        if session.in_transaction():
            await end(session.commit)
    finally:
        if session.in_transaction():  # a failed commit: release its connection
            await end(session.close)
        else:
            session.close()  # holds no connection: nothing to release


async def read(sessions: sessionmaker[Session], call: Callable[[Session], T]) -> T:
    """Run ``call`` with a session of its own in one worker thread, and close it there.

    For async endpoints on the hot paths that only read: one hop to a thread, and no
    generator dependency (FastAPI wraps those anew on every request).
    """

    def run() -> T:
        with sessions() as session:
            return call(session)

    return await run_in_threadpool(run)


SessionDep = Annotated[Session, Depends(get_session)]


class Caller:
    """Who is calling: the workspace the API key is bound to, as settings scoped to it."""

    def __init__(
        self, *, key_id: int, workspace_id: int, workspace: str, settings: Settings
    ) -> None:
        self.key_id = key_id
        self.workspace_id = workspace_id
        self._workspace = workspace
        self._base = settings

    @cached_property
    def settings(self) -> Settings:
        """The app's settings scoped to the key's workspace (copied only when used)."""
        return self._base.model_copy(update={"workspace": self._workspace})

    @classmethod
    def of(cls, state: Any, found: tuple[int, int, str]) -> Caller:
        """The caller that ``found`` (key id, workspace id, workspace name) names, in the
        app whose ``state`` this is."""
        key_id, workspace_id, name = found
        return cls(key_id=key_id, workspace_id=workspace_id, workspace=name,
                   settings=state.settings)  # fmt: skip


class KeyCache:
    """Live API keys seen in the last ``seconds``: key hash -> (key id, workspace id, name).

    A key is looked up in the database at most once per ``seconds`` per process, so a
    key revoked by ``tieline keys revoke`` stops working within that time in a running
    server (give or take the moment one lookup takes). Unknown and revoked keys are never
    cached. When an entry expires, the first caller looks the key up again and the others
    keep the entry until it has (at most another second): not one lookup each.
    """

    GRACE = 1.0  # seconds an expired entry serves while one caller looks it up again

    def __init__(
        self, *, seconds: float = KEY_CACHE_SECONDS, max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.seconds = seconds
        self._max = max_entries
        self._clock = clock
        self._lock = threading.RLock()  # get() may forget()
        self._entries: OrderedDict[str, tuple[float, int, int, str]] = OrderedDict()
        self._leased: dict[str, float] = {}  # digest -> when a caller went to look it up

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def get(self, digest: str) -> tuple[int, int, str] | None:
        with self._lock:
            hit = self._entries.get(digest)
            if hit is None:
                return None
            now = self._clock()
            age = now - hit[0]
            if age < self.seconds:
                return hit[1:]
            if age >= self.seconds + self.GRACE:
                self.forget(digest)
                return None
            if now - self._leased.get(digest, -math.inf) < self.GRACE:
                return hit[1:]  # another caller is looking it up
            self._leased[digest] = now
            return None

    def peek(self, digest: str) -> tuple[int, int, str] | None:
        """The entry while it is live, else None; unlike :meth:`get`, never sends the
        caller to look the key up (``tieline.api.hot`` hands misses to :meth:`get`'s)."""
        hit = self._entries.get(digest)
        if hit is None or self._clock() - hit[0] >= self.seconds:
            return None
        return hit[1:]

    def forget(self, digest: str) -> None:
        """Drop the key (looked up again and found revoked)."""
        with self._lock:
            self._entries.pop(digest, None)
            self._leased.pop(digest, None)

    def put(self, digest: str, key_id: int, workspace_id: int, workspace: str) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries[digest] = (self._clock(), key_id, workspace_id, workspace)
            self._leased.pop(digest, None)
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


def _lookup(sessions: sessionmaker[Session], key: str) -> tuple[int, int, str] | None:
    with sessions() as session:
        info = service.authenticate(session=session, key=key)
        if info is None:
            return None
        name = service.workspace_name(session=session, workspace_id=info.workspace_id)
        return info.id, info.workspace_id, name


def client_address(request: Request) -> str:
    """The client's address as uvicorn gives it (the proxy's, unless it is trusted)."""
    return request.client.host if request.client is not None else ""


async def get_caller(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(description="An API key from `tieline keys create`.")
    ] = None,
) -> Caller:
    if not x_api_key:
        raise Unauthorized("send an API key in the X-API-Key header")
    cache: KeyCache | None = getattr(request.app.state, "key_cache", None)
    digest = KeyCache.digest(x_api_key)
    found = cache.get(digest) if cache is not None else None
    if found is None:
        throttle: AuthThrottle | None = getattr(request.app.state, "auth_throttle", None)
        address = client_address(request)
        if throttle is not None:
            throttle.check(address)  # 429 before any lookup once over the limit
        found = await run_in_threadpool(_lookup, request.app.state.read_sessions, x_api_key)
        if found is None:
            if cache is not None:
                cache.forget(digest)
            if throttle is not None:
                throttle.failed(address)
            raise Unauthorized("unknown or revoked API key")
        if cache is not None:
            cache.put(digest, *found)
    return Caller.of(request.app.state, found)  # the settings: not a dependency, one fewer per call


CallerDep = Annotated[Caller, Depends(get_caller)]
