"""One way to fail: RFC 9457 ``application/problem+json`` for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tieline.errors import TielineError

__all__ = ["PROBLEM", "Problem", "install", "problem", "problem_of"]

PROBLEM = "application/problem+json"
_TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content",
           429: "Too Many Requests", 500: "Internal Server Error"}  # fmt: skip


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status,
            "detail": detail, **extra}  # fmt: skip
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_of(exc: TielineError) -> JSONResponse:
    """The problem for one of our errors (its status, message and headers)."""
    return problem(exc.status_code, exc.message, headers=getattr(exc, "headers", None))


# The documented shape (OpenAPI), shared by every error response.
Problem: dict[str, Any] = {
    "description": "An RFC 9457 problem",
    "content": {
        PROBLEM: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                },
                "required": ["type", "title", "status", "detail"],
            },
            "example": {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "no account 42",
            },  # fmt: skip
        }
    },
}


def install(app: FastAPI) -> None:
    """Register the handlers: our errors, HTTP errors, validation errors (field named)."""

    @app.exception_handler(TielineError)
    async def _ours(request: Request, exc: TielineError) -> JSONResponse:
        return problem_of(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
             "in": str(e["loc"][0]) if e["loc"] else "", "message": e["msg"]}
            for e in exc.errors()
        ]  # fmt: skip
        fields = ", ".join(e["field"] or e["in"] for e in errors)
        return problem(422, f"invalid request: {fields}", errors=errors)
