"""The web pages CSMs use: the accounts table and each account's stakeholder map.

The pages are static HTML shells (no key needed to load them); ``static/app.js`` asks for
an API key once, keeps it in ``localStorage`` and fetches the JSON below with it in
``X-API-Key``. A key never goes in a URL: a page opened with ``?key=`` is redirected to
itself without it (``tieline.api.security``). Everything the pages load is served by the
app itself (Cytoscape.js is vendored under ``static/``), so they work offline, and their
Content-Security-Policy allows nothing else.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from tieline.api.deps import CallerDep, SessionDep
from tieline.api.errors import Problem
from tieline.service import maps

__all__ = ["STATIC", "router", "static_files"]

STATIC = Path(__file__).parent / "static"

router = APIRouter()


def static_files() -> StaticFiles:
    """The page assets (``/static``): app.js, style.css and the vendored Cytoscape.js."""
    return StaticFiles(directory=STATIC)


def _page(title: str, page: str, **data: Any) -> HTMLResponse:
    attrs = " ".join(f'data-{k.replace("_", "-")}="{html.escape(str(v))}"' for k, v in data.items())
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Tieline</title>
<link rel="icon" href="data:,">
<!-- The id tells Cytoscape its container rule is here (style.css), so it injects no
     <style> element, which the Content-Security-Policy would refuse. -->
<link rel="stylesheet" href="/static/style.css" id="__________cytoscape_stylesheet">
</head>
<body data-page="{page}" {attrs}>
<header class="top">
  <a class="brand" href="/">Tieline</a>
  <span id="crumb"></span>
  <form id="key-form" class="key-form" hidden>
    <label>API key <input id="key-input" type="password" autocomplete="off"
      placeholder="tl_…" size="28"></label>
    <button type="submit">Use key</button>
  </form>
  <button id="key-forget" class="link" type="button" hidden>change key</button>
</header>
<p id="status" class="status" role="status"></p>
<main id="main"></main>
<script src="/static/cytoscape.min.js"></script>
<script src="/static/app.js"></script>
</body>
</html>
"""
    return HTMLResponse(body)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def accounts_page() -> HTMLResponse:
    """The accounts table: health band, trend, relationship and flags; sortable."""
    return _page("Accounts", "accounts")


@router.get("/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
def map_page(account_id: int) -> HTMLResponse:
    """One account's stakeholder map (the data comes from ``/v1/accounts/{id}/map``)."""
    return _page("Stakeholder map", "map", account_id=account_id)


@router.get("/web/accounts.json", include_in_schema=False, responses={401: Problem})
def accounts_json(
    session: SessionDep,
    caller: CallerDep,
    as_of: Annotated[
        date | None, Query(description="Show the snapshots of this day or before.")
    ] = None,
) -> dict[str, Any]:
    """The accounts page's data: every account with its latest snapshot (up to ``as_of``)."""
    return maps.accounts_overview(session=session, settings=caller.settings, as_of=as_of)


@router.get(
    "/v1/accounts/{account_id}/map",
    tags=["accounts"],
    responses={401: Problem, 404: Problem, 422: Problem},
)
def account_map(
    account_id: int,
    session: SessionDep,
    caller: CallerDep,
    as_of: Annotated[
        date | None, Query(description="Day to map (default: the latest snapshot's day).")
    ] = None,
) -> dict[str, Any]:
    """The account's stakeholder graph: people on both sides, their strength and influence,
    departed and dark people, and who talks to whom (edges weighted by messages)."""
    return maps.account_map(
        session=session, settings=caller.settings, account_id=account_id, as_of=as_of
    )
