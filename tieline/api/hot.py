"""The API's two busiest reads, answered ahead of FastAPI's per-request machinery.

``GET /v1/accounts`` and ``GET /v1/accounts/{id}`` are what CS platforms poll. FastAPI's
routing, dependency solving and parameter validation cost more per request than the
answers themselves (a page of the list comes from memory), so under load they set the
latency (bench/api.py). :class:`HotReads` answers such a request itself when it is
ordinary: a key the key cache knows, parameters that are plainly valid. It answers with
the functions the routes use (``account_page_json``, ``account_detail_json``) and counts
the request against the key's rate limit the same way, so the responses are the same
bytes. Anything else (a key to look up, a parameter to reject, ``as_of``, a trailing
slash, HEAD) goes on to FastAPI unchanged, which answers or refuses it as documented; the
OpenAPI document describes the routes. ``tests/api/test_hot.py`` compares both paths.
Set ``app.state.hot_reads = False`` to send everything through FastAPI.
"""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import parse_qsl

from fastapi.exceptions import RequestValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tieline.api import ratelimit, schemas
from tieline.api.deps import Caller, KeyCache
from tieline.api.errors import problem_of
from tieline.api.routes._common import MAX_ID
from tieline.api.routes.accounts import (
    JSON,
    Sort,
    account_detail_json,
    account_page_json,
    page_after,
)
from tieline.errors import TielineError

__all__ = ["HotReads"]

LIST = "/v1/accounts"
_BANDS = frozenset(get_args(schemas.Band))
_FLAGS = frozenset(get_args(schemas.FlagName))
_SORTS = frozenset(get_args(Sort))
MAX_CURSOR = 400  # as ``Cursor`` allows


class HotReads:
    """ASGI middleware: the account list and detail for ordinary requests (see module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"].startswith(LIST)
            and not scope.get("root_path")
        ):
            response = await _answer(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _answer(scope: Scope) -> Response | None:
    """The response, or None to let FastAPI answer."""
    state = scope["app"].state
    if not getattr(state, "hot_reads", True):
        return None
    path: str = scope["path"]
    account_id = None
    if path != LIST:
        rest = path[len(LIST) + 1 :] if path[len(LIST)] == "/" else ""
        if not (rest.isascii() and rest.isdigit() and rest[0] != "0" and int(rest) <= MAX_ID):
            return None
        account_id = int(rest)
    params = _params(scope["query_string"])
    if params is None:
        return None
    if account_id is None:
        found = _list_params(params)
        if found is None:
            return None
        sort, band, flag, limit, cursor = found
        try:
            after = page_after(sort, cursor)
        except RequestValidationError:
            return None
    elif "as_of" in params:  # computed live, on a thread: FastAPI's cost is no matter
        return None
    caller = _caller(state, scope)
    if caller is None:
        return None
    try:
        ratelimit.check(getattr(state, "rate_limiter", None), caller.key_id)
        if account_id is None:
            body = await account_page_json(
                state, caller, sort=sort, band=band, flag=flag, limit=limit, after=after
            )
        else:
            body = await account_detail_json(state, caller, account_id)
    except TielineError as exc:
        return problem_of(exc)
    return Response(body, media_type=JSON)


def _params(query_string: bytes) -> dict[str, str] | None:
    """The query as Starlette decodes it; None when a name repeats."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


def _list_params(
    params: dict[str, str],
) -> tuple[str, str | None, str | None, int, str | None] | None:
    """sort, band, flag, limit and cursor when each is plainly valid, else None. Other
    names are ignored, as FastAPI ignores them."""
    sort = params.get("sort", "health")
    band = params.get("band")
    flag = params.get("flag")
    limit = params.get("limit", "50")
    cursor = params.get("cursor")
    if (
        sort not in _SORTS
        or (band is not None and band not in _BANDS)
        or (flag is not None and flag not in _FLAGS)
        or not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 200)
        or (cursor is not None and len(cursor) > MAX_CURSOR)
    ):
        return None
    return sort, band, flag, int(limit), cursor or None


def _caller(state: Any, scope: Scope) -> Caller | None:
    """The caller when its key is in the key cache and live; None sends the request on
    to ``get_caller``, which looks the key up (and refuses a missing or revoked one)."""
    key = next((v for k, v in scope["headers"] if k == b"x-api-key"), None)
    if not key:
        return None
    cache: KeyCache | None = getattr(state, "key_cache", None)
    found = cache.peek(KeyCache.digest(key.decode("latin-1"))) if cache is not None else None
    return Caller.of(state, found) if found is not None else None
