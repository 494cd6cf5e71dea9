"""What every ``/v1`` route shares: documented problems, opaque cursors, query types,
and a route class that refuses oversized request bodies with 413."""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator

from tieline.api.errors import PROBLEM, Problem, problem

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_ID",
    "AsOf",
    "Cursor",
    "Id",
    "Limit",
    "LimitedBodyRoute",
    "decode_cursor",
    "encode_cursor",
    "problems",
]

MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: larger ones can name nothing
MAX_BODY_BYTES = 1 << 20

_EXAMPLES = {
    401: "send an API key in the X-API-Key header",
    404: "no account 42",
    409: "acme.com is on the customer list; remove it there to stop tracking it",
    413: "request body over 1048576 bytes",
    422: "invalid request: limit",
    429: "rate limit of 600 requests a minute reached; retry in 12 s",
}
_TITLES = {401: "Unauthorized", 404: "Not Found", 409: "Conflict", 413: "Content Too Large",
           422: "Unprocessable Content", 429: "Too Many Requests"}  # fmt: skip


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with its own example."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        doc = copy.deepcopy(Problem)
        example: dict[str, Any] = {"type": "about:blank", "title": _TITLES[status],
                                   "status": status, "detail": _EXAMPLES[status]}  # fmt: skip
        if status == 422:
            message = "Input should be greater than or equal to 1"
            example["errors"] = [{"field": "limit", "in": "query", "message": message}]
        doc["content"][PROBLEM]["example"] = example
        if status == 429:
            doc["headers"] = {"Retry-After": {"description": "seconds to wait",
                                              "schema": {"type": "integer"}}}  # fmt: skip
        doc["description"] = _TITLES[status] + " (RFC 9457 problem)"
        out[status] = doc
    return out


def _as_of_range(value: date | None) -> date | None:
    if value is not None and not date(1900, 1, 1) <= value <= date(2999, 12, 31):
        raise ValueError("as_of must lie between 1900-01-01 and 2999-12-31")
    return value


Limit = Annotated[int, Query(ge=1, le=200, description="results per page (1-200)")]
Cursor = Annotated[str | None, Query(max_length=400, description="`next` of the previous page")]
AsOf = Annotated[
    date | None,
    AfterValidator(_as_of_range),
    Query(description="compute live as of the end of this day (UTC), YYYY-MM-DD"),
]


def Id(what: str) -> Any:  # noqa: N802 - reads like the type it builds
    return Path(ge=1, le=MAX_ID, description=f"id of the {what}")


def encode_cursor(tag: str, key: Sequence[Any]) -> str:
    """An opaque cursor: the listing's tag and the last row's sort key, base64 JSON."""
    parts = [tag, *(v.isoformat() if isinstance(v, datetime) else v for v in key)]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid(cursor: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", "cursor"), "input": cursor,
          "msg": "not a cursor of this listing (pass `next` of the previous page)"}]
    )  # fmt: skip


def decode_cursor(cursor: str, tag: str, types: Sequence[type]) -> tuple[Any, ...]:
    """The sort key a cursor of listing ``tag`` carries; 422 naming ``cursor`` if it is not."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid(cursor) from None
    if not isinstance(parts, list) or len(parts) != len(types) + 1 or parts[0] != tag:
        raise _invalid(cursor)
    out: list[Any] = []
    for value, kind in zip(parts[1:], types, strict=True):
        if kind is datetime:
            try:
                value = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                value = None
            if value is None or value.tzinfo is None:
                raise _invalid(cursor)
        elif kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _invalid(cursor)
            value = float(value)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
                raise _invalid(cursor)
        elif not isinstance(value, kind):
            raise _invalid(cursor)
        out.append(value)
    return tuple(out)


class LimitedBodyRoute(APIRoute):
    """Reads request bodies up to ``MAX_BODY_BYTES``; a larger one gets 413 unread."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                    return _too_large()
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        return _too_large()
                request._body = bytes(body)  # what Request.body() returns from now on
            return await handler(request)

        return limited


def _too_large() -> Response:
    return problem(413, f"request body over {MAX_BODY_BYTES} bytes")
