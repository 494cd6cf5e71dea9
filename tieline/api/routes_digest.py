"""``GET /v1/digests/weekly``: the weekly digest of the caller's workspace."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict

from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import problems
from tieline.service import digest as use_case
from tieline.service import digest_render

__all__ = ["router"]

# Mounted under /v1 by tieline.api.routes (with the API key's rate limit).
router = APIRouter(prefix="/digests", tags=["digests"])


class DigestOut(BaseModel):
    """The weekly digest as JSON (``format=json``); the fields are described in the README."""

    model_config = ConfigDict(extra="allow")

    workspace: str
    week: str
    start: str
    end: str
    summary: dict[str, Any]
    accounts: list[dict[str, Any]]


@router.get(
    "/weekly",
    summary="The weekly digest",
    responses={
        200: {
            "model": DigestOut,
            "description": "The digest: JSON, Markdown or e-mail HTML",
            "content": {"text/markdown": {}, "text/html": {}},
        },
        **problems(401, 404, 422, 429),
    },
)
def weekly_digest(
    caller: CallerDep,
    session: SessionDep,
    week: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-W\d{2}$",
            description="ISO week YYYY-Www; default: the last complete week.",
        ),
    ] = None,
    owner: Annotated[
        str | None, Query(description="Only the accounts of this owner (CSM e-mail).")
    ] = None,
    format: Annotated[Literal["json", "md", "html"], Query()] = "json",
    base_url: Annotated[
        str | None, Query(description="Where links point; default: the `[api] base_url` setting.")
    ] = None,
) -> Response:
    """Accounts whose health or sentiment dropped, aging items we owe, departures and
    churn-risk language of the week, worst first; each item links to the account page."""
    result: dict[str, Any] = use_case.build_digest(
        session=session,
        settings=caller.settings,
        week=use_case.parse_week(week) if week else None,
        owner=owner or None,
        base_url=base_url or caller.settings.api.base_url,
    )
    if format == "md":
        return PlainTextResponse(
            digest_render.render_markdown(result), media_type="text/markdown; charset=utf-8"
        )
    if format == "html":
        return HTMLResponse(digest_render.render_html(result))
    return JSONResponse(result)
