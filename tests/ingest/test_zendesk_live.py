"""Incremental Zendesk pull against an httpx mock transport serving the API's JSON."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tieline.domain import Message
from tieline.errors import IngestError
from tieline.ingest.zendesk_live import ZendeskPull, make_client

TOKEN = "zd-secret-token"
USERS = [
    {"id": 1, "name": "Dana Whitfield", "email": "dana@acme-logistics.com", "role": "end-user"},
    {"id": 2, "name": "Priya Natarajan", "email": "priya@northwind.io", "role": "agent"},
]


def ticket(tid: int, status: str = "open") -> dict[str, Any]:
    return {"id": tid, "subject": f"Ticket {tid}", "status": status, "priority": "high",
            "requester_id": 1, "assignee_id": 2, "created_at": "2026-03-02T09:00:00Z",
            "url": f"https://northwind.zendesk.com/api/v2/tickets/{tid}.json"}  # fmt: skip


def comment(cid: int, author: int, at: str, body: str, public: bool = True) -> dict[str, Any]:
    return {"id": cid, "author_id": author, "created_at": at, "plain_body": body,
            "public": public}  # fmt: skip


def export_page(tickets: list[dict[str, Any]], cursor: str, *, end: bool) -> httpx.Response:
    body = {"tickets": tickets, "users": USERS, "after_cursor": cursor, "end_of_stream": end}
    return httpx.Response(200, json=body)


class FakeZendesk:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.limited = False
        self.new_comment = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        expected = base64.b64encode(f"bot@northwind.io/token:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return httpx.Response(401, json={"error": "Couldn't authenticate you"})
        path, params = request.url.path, request.url.params
        if path == "/api/v2/incremental/tickets/cursor.json":
            assert params["include"] == "users,organizations"
            if params.get("cursor") == "c1" and not self.limited:
                self.limited = True
                return httpx.Response(429, headers={"Retry-After": "2"})
            if "start_time" in params:
                return export_page([ticket(1)], "c1", end=False)
            if params["cursor"] == "c1":
                return export_page([ticket(2, "solved"), ticket(3, "deleted")], "c2", end=True)
            changed = [ticket(2, "open")] if self.new_comment else []
            return export_page(changed, "c3", end=True)
        if path == "/api/v2/tickets/1/comments.json":
            if params.get("page") == "2":
                return httpx.Response(200, json={"comments": [
                    comment(12, 2, "2026-03-02T10:00:00Z", "Looking into it now.")],
                    "next_page": None})  # fmt: skip
            return httpx.Response(200, json={"comments": [
                comment(11, 1, "2026-03-02T09:00:00Z", "Export fails."),
                comment(13, 2, "2026-03-02T09:30:00Z", "internal: check the pool", public=False)],
                "next_page": "https://northwind.zendesk.com/api/v2/tickets/1/comments.json?page=2",
            })  # fmt: skip
        if path == "/api/v2/tickets/2/comments.json":
            comments = [comment(21, 1, "2026-03-05T09:00:00Z", "SSO question.")]
            if self.new_comment:
                comments.append(comment(22, 2, "2026-03-06T09:00:00Z", "Answered in the docs."))
            return httpx.Response(200, json={"comments": comments, "next_page": None})
        return httpx.Response(404)


def pull_with(fake: FakeZendesk, slept: list[float], cursor: str | None = None) -> ZendeskPull:
    # The real client over a fake network.
    client = make_client(
        "northwind", email="bot@northwind.io", token=TOKEN, transport=httpx.MockTransport(fake)
    )
    return ZendeskPull(client, subdomain="northwind", cursor=cursor, sleep=slept.append)


def test_incremental_pull_pages_retries_and_resumes() -> None:
    fake, slept = FakeZendesk(), list[float]()
    pull = pull_with(fake, slept)
    got = {r.external_id: r for r in pull.records() if isinstance(r, Message)}
    assert list(got) == ["zendesk:1:11", "zendesk:1:12", "zendesk:2:21"]  # no internal note
    assert got["zendesk:1:12"].in_reply_to == "zendesk:1:11"
    assert got["zendesk:1:12"].author.email == "priya@northwind.io"
    assert got["zendesk:2:21"].attributes["status"] == "solved"
    assert slept == [2.0] and pull.cursor == "c2"
    assert TOKEN not in repr(pull)

    fake.new_comment = True
    again = pull_with(fake, slept, cursor=pull.cursor)
    ids = [r.external_id for r in again.records() if isinstance(r, Message)]
    assert ids == ["zendesk:2:21", "zendesk:2:22"]  # the store keeps 21 once
    assert fake.calls[-2].url.params["cursor"] == "c2" and again.cursor == "c3"


def test_bad_credentials_raise_without_the_token() -> None:
    fake = FakeZendesk()
    client = make_client(
        "northwind", email="bot@northwind.io", token="wrong", transport=httpx.MockTransport(fake)
    )
    with pytest.raises(IngestError, match="credentials") as exc:
        list(ZendeskPull(client, subdomain="northwind").records())
    assert "wrong" not in str(exc.value)


def test_service_pull_keeps_the_cursor_and_feeds_csat(
    session: Any, make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tieline import service
    from tieline.ingest import zendesk_live

    fake = FakeZendesk()
    real = zendesk_live.make_client

    def client(*args: Any, **kwargs: Any) -> httpx.Client:
        return real(*args, **kwargs, transport=httpx.MockTransport(fake))

    monkeypatch.setattr(zendesk_live, "make_client", client)
    monkeypatch.setattr("tieline.ingest.zendesk_live.time.sleep", lambda _s: None)
    settings = make_settings(zendesk_email="bot@northwind.io", zendesk_token=TOKEN)
    first = service.ingest_zendesk_live(session=session, settings=settings, subdomain="northwind")
    assert first.new_messages == 3
    fake.new_comment = True
    second = service.ingest_zendesk_live(session=session, settings=settings, subdomain="northwind")
    assert (second.new_messages, second.duplicates) == (1, 1)
    assert fake.calls[-2].url.params["cursor"] == "c2"
    people = service.list_people(session=session, settings=settings, account="Acme Logistics")
    assert [p.name for p in people] == ["Dana Whitfield"]


def test_missing_credentials_is_a_config_error(session: Any, make_settings: Any) -> None:
    from tieline import service
    from tieline.errors import ConfigError

    with pytest.raises(ConfigError, match="TIELINE_ZENDESK_TOKEN"):
        service.ingest_zendesk_live(session=session, settings=make_settings(), subdomain="x")
