"""Incremental Zendesk pull: the cursor-based ticket export plus each ticket's comments.

``GET /api/v2/incremental/tickets/cursor.json`` (``start_time`` the first time,
then ``cursor``) returns the tickets changed since the last run with
``after_cursor`` and ``end_of_stream``; users and organizations are sideloaded
(``include=users,organizations``). For each changed ticket
``GET /api/v2/tickets/{id}/comments.json`` (following ``next_page``) gives the
conversation, which goes through the same conversion as a JSON export, so a
ticket pulled live is the same Message set as the same ticket exported.

429 answers are retried after ``Retry-After`` seconds. The API token travels
only in the client's auth; it is never logged or put into an error or a repr.
Re-reading a changed ticket yields its old comments again: the store ignores
ids it already holds, so only new comments are added.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from tieline.domain import Record, Skipped
from tieline.errors import IngestError

# The export reader's conversion; shared so live and exported tickets are identical.
from tieline.ingest.tickets import _text, _zendesk_ticket

__all__ = ["ZendeskPull", "make_client"]

_EXPORT = "/api/v2/incremental/tickets/cursor.json"


def make_client(
    subdomain: str,
    *,
    email: str,
    token: str,
    base_url: str | None = None,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An API client for ``https://<subdomain>.zendesk.com`` with token authentication.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``).
    """
    return httpx.Client(
        base_url=base_url or f"https://{subdomain}.zendesk.com",
        auth=(f"{email}/token", token),
        timeout=timeout,
        headers={"Accept": "application/json"},
        transport=transport,
    )


class ZendeskPull:
    """Tickets changed since ``cursor`` (or since ``start_time``); ``cursor`` advances as read."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        subdomain: str,
        cursor: str | None = None,
        start_time: int = 0,
        max_retries: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self.subdomain = subdomain
        self.cursor = cursor
        self.start_time = start_time
        self._max_retries = max_retries
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ZendeskPull(subdomain={self.subdomain!r}, cursor={self.cursor!r})"

    def _get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        for _attempt in range(self._max_retries + 1):
            response = self._client.get(url, params=params)
            if response.status_code == 429:
                self._sleep(float(response.headers.get("Retry-After", "60")))
                continue
            if response.status_code in (401, 403):
                raise IngestError(f"Zendesk refused the credentials (HTTP {response.status_code})")
            if response.is_error:
                raise IngestError(f"Zendesk answered HTTP {response.status_code} for {url}")
            data = response.json()
            if not isinstance(data, dict):
                raise IngestError(f"Zendesk sent a non-object for {url}")
            return data
        raise IngestError(f"Zendesk kept rate-limiting {url} after {self._max_retries} retries")

    def _comments(self, ticket_id: str) -> list[Any]:
        comments: list[Any] = []
        url: str | None = f"/api/v2/tickets/{ticket_id}/comments.json"
        while url:
            page = self._get(url)
            comments.extend(page.get("comments") or [])
            url = page.get("next_page") or None
        return comments

    def records(self) -> Iterator[Record]:
        """Messages of every changed ticket, page by page; ``cursor`` moves after each page."""
        locator = Path(f"zendesk-api:{self.subdomain}")
        users: dict[str, Any] = {}
        orgs: dict[str, str] = {}
        while True:
            params: dict[str, Any] = {"include": "users,organizations"}
            if self.cursor:
                params["cursor"] = self.cursor
            else:
                params["start_time"] = self.start_time
            page = self._get(_EXPORT, params)
            for user in page.get("users") or []:
                users[_text(user.get("id"))] = user
            for org in page.get("organizations") or []:
                orgs[_text(org.get("id"))] = _text(org.get("name"))
            for ticket in page.get("tickets") or []:
                tid = _text(ticket.get("id"))
                if not tid:
                    yield Skipped(f"{locator}#ticket=?", "missing ticket id")
                    continue
                if ticket.get("status") == "deleted":
                    continue
                yield from _zendesk_ticket(
                    locator, ticket, self._comments(tid), users, orgs, self.subdomain
                )
            self.cursor = page.get("after_cursor") or self.cursor
            if page.get("end_of_stream", True):
                return
