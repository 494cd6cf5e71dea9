"""Webhooks: alerts from hand-built snapshots, idempotent queueing, signed delivery with
retries, and one delivery to a real HTTP server on a free local port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tieline.config import Settings, load_settings
from tieline.service import webhooks as wh
from tieline.service.outbound import guarded_client
from tieline.service.relationships import Assessment
from tieline.store import digest_queries as dq
from tieline.store import repository as repo
from tieline.store.models import WebhookDelivery

AS_OF = datetime(2026, 11, 19, 23, 59, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def verify(secret: str, headers: Any, body: bytes) -> bool:
    """Standard Webhooks verification, written out independently of the code under test."""
    key = base64.b64decode(secret[len("whsec_") :])
    content = b".".join(
        [headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body]
    )
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    given = [
        s.partition(",")[2] for s in headers["webhook-signature"].split(" ") if s.startswith("v1,")
    ]
    return any(hmac.compare_digest(expected, g) for g in given)


def account(band: str | None, *, departed: bool = False) -> dict[str, Any]:
    return {
        "health": {"score": 30.0 if band == "red" else 60.0, "band": band,
                   "reasons": [{"component": "sentiment", "pull": -9.0, "text": "Sentiment low"}]},
        "flags": {"departed_champion": {"raised": departed, "reason": "champion left" if departed
                                        else "", "evidence": {"person": 7}}},
    }  # fmt: skip


def assessment(**accounts: dict[str, Any]) -> Assessment:
    ids = {name: i for i, name in enumerate(sorted(accounts), start=1)}
    return Assessment(as_of=AS_OF, accounts=accounts, account_ids=ids)


def message(
    mid: int, score: float, body: str = "Fine. This is unacceptable."
) -> dq.CustomerMessage:
    return dq.CustomerMessage(
        id=mid, account_id=1, author="Pat", sent_at=AS_OF - timedelta(days=1), subject="Re: x",
        body=body, score=score, label="negative" if score < 0 else "positive",
        sentences=((0, 5, "neutral", 0.0, 0.9), (6, 27, "negative", -0.9, 0.9)),
    )  # fmt: skip


def item(iid: int, *, asked_days: int, due_days: int | None = None) -> dq.OwedItem:
    return dq.OwedItem(
        id=iid, message_id=100 + iid, account_id=1, kind="request", span="send the report",
        sentence="Could you send the report?", asked_at=AS_OF - timedelta(days=asked_days),
        due_at=AS_OF - timedelta(days=due_days) if due_days is not None else None,
    )  # fmt: skip


# --------------------------------------------------------------------------- signing


def test_signature_verifies_independently_and_secret_format() -> None:
    secret = wh.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    body = b'{"type":"item.overdue","data":{}}'
    headers = {"webhook-id": "msg_abc", "webhook-timestamp": "1700000000",
               "webhook-signature": wh.sign(secret, "msg_abc", 1700000000, body)}  # fmt: skip
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify(wh.new_secret(), headers, body)
    assert not verify(secret, {**headers, "webhook-timestamp": "1700000001"}, body)


# --------------------------------------------------------------------------- events


def test_turned_red_and_champion_departed_against_previous_snapshot() -> None:
    a = assessment(Globex=account("red", departed=True), Initech=account("red"),
                   Umbrella=account("red", departed=True), Hooli=account("yellow"))  # fmt: skip
    ids = a.account_ids
    previous = {
        ids["Globex"]: wh.Previous(date(2026, 11, 12), "yellow"),
        ids["Initech"]: wh.Previous(date(2026, 11, 12), "red"),  # was red already
        ids["Hooli"]: wh.Previous(date(2026, 11, 12), "green"),
        # Umbrella: first snapshot, only a baseline
    }
    events = wh.alerts_from_snapshot(previous, a)
    assert [(e.type, e.data["account"]) for e in events] == [
        ("account.turned_red", "Globex"), ("account.champion_departed", "Globex")]  # fmt: skip
    red = events[0]
    assert red.data["previous_band"] == "yellow" and red.data["reasons"] == ["Sentiment low"]
    assert red.data["link"].endswith(f"/accounts/{ids['Globex']}")
    assert red.id.startswith("msg_") and red.timestamp == AS_OF
    assert events[1].data["evidence"] == {"person": 7}
    # The same snapshot computed again yields the same ids.
    assert [e.id for e in wh.alerts_from_snapshot(previous, a)] == [e.id for e in events]
    # A flag already raised in the previous snapshot is not news.
    previous[ids["Globex"]] = wh.Previous(
        date(2026, 11, 12), "red", frozenset({"departed_champion"})
    )
    assert wh.alerts_from_snapshot(previous, a) == []


def test_extremely_negative_messages_reach_the_threshold() -> None:
    a = assessment(Globex=account("yellow"))
    msgs = [message(1, -0.85), message(2, -0.55), message(3, 0.4)]
    medium = wh.alerts_from_snapshot({}, a, messages=msgs, threshold=0.6)
    assert [e.data["message_id"] for e in medium] == [1]
    e = medium[0]
    assert e.type == "message.extremely_negative"
    assert e.data["quote"] == "This is unacceptable." and e.data["account"] == "Globex"
    assert e.id == wh.event_id("message.extremely_negative", 1)
    loose = wh.alerts_from_snapshot({}, a, messages=msgs, threshold=0.5)
    assert [e.data["message_id"] for e in loose] == [1, 2]


def test_overdue_items_past_due_or_older_than_14_days() -> None:
    a = assessment(Globex=account("yellow"))
    items = [item(1, asked_days=3, due_days=1), item(2, asked_days=20), item(3, asked_days=5),
             item(4, asked_days=10, due_days=-2)]  # fmt: skip
    events = wh.alerts_from_snapshot({}, a, items=items)
    assert [(e.data["item_id"], e.data["reason"]) for e in events] == [
        (1, "past its due date"), (2, "open over 14 days")]  # fmt: skip
    assert all(e.type == "item.overdue" for e in events)
    assert events[1].data["age_days"] == 20 and events[0].data["due_at"] is not None


# --------------------------------------------------------------------------- queue


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The receivers of these tests listen on 127.0.0.1.
    return load_settings(
        config_file=None, database_url=db_url, workspace="w",
        webhooks={"allow_private_networks": True},
    )  # fmt: skip


def _subscribe(session: Session, settings: Settings, url: str, *events: str) -> dict[str, Any]:
    repo.ensure_workspace(session, settings.workspace)
    return wh.create_webhook(session=session, settings=settings, url=url, events=events)


def _event(kind: str = "account.turned_red", n: int = 1) -> wh.Event:
    return wh.Event(wh.event_id(kind, n), kind, AS_OF, {"account_id": n, "account": "Globex"})


def test_enqueue_is_idempotent_and_follows_subscribed_types(
    session: Session, settings: Settings
) -> None:
    red = _subscribe(session, settings, "https://a.example/hook", "account.turned_red")
    both = _subscribe(session, settings, "https://b.example/hook", "account.turned_red",
                      "item.overdue")  # fmt: skip
    events = [_event(), _event("item.overdue", 2)]
    assert wh.emit(session=session, settings=settings, events=events, now=NOW) == 3
    assert wh.emit(session=session, settings=settings, events=events, now=NOW) == 0
    assert wh.emit(session=session, settings=settings, events=[*events, events[0]]) == 0
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(r.subscription_id, r.event_type) for r in rows] == [
        (red["id"], "account.turned_red"), (both["id"], "account.turned_red"),
        (both["id"], "item.overdue")]  # fmt: skip
    assert rows[0].payload == events[0].payload() and rows[0].status == "pending"
    wh.delete_webhook(session=session, settings=settings, subscription_id=red["id"])
    assert len(session.scalars(select(WebhookDelivery)).all()) == 2


def _mock(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_delivery_is_signed_and_marked_delivered(session: Session, settings: Settings) -> None:
    sub = _subscribe(session, settings, "https://a.example/hook", "account.turned_red")
    wh.emit(session=session, settings=settings, events=[_event()], now=NOW)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    report = wh.deliver_due(session, client=_mock(handler), now=NOW)
    assert report.as_dict() | {"errors": []} == {"attempted": 1, "delivered": 1, "retrying": 0,
                                                   "failed": 0, "errors": []}  # fmt: skip
    (request,) = seen
    assert str(request.url) == "https://a.example/hook"
    assert request.headers["webhook-id"] == _event().id
    assert request.headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert verify(sub["secret"], request.headers, request.content)
    assert json.loads(request.content) == _event().payload()
    log = wh.webhook_deliveries(session=session, settings=settings, subscription_id=sub["id"])
    assert log[0]["status"] == "delivered" and log[0]["last_status_code"] == 204
    assert (
        wh.deliver_due(session, client=_mock(handler), now=NOW + timedelta(days=1)).attempted == 0
    )


def test_failures_back_off_then_fail_after_the_last_attempt(
    session: Session, settings: Settings
) -> None:
    sub = _subscribe(session, settings, "https://a.example/hook", "account.turned_red")
    wh.emit(session=session, settings=settings, events=[_event()], now=NOW)
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(503, text="unavailable")

    client, now, waits = _mock(handler), NOW, []
    for attempt in range(1, wh.MAX_ATTEMPTS + 1):
        if attempt > 1:  # not due a second early
            assert (
                wh.deliver_due(session, client=client, now=now - timedelta(seconds=1)).attempted
                == 0
            )
        assert wh.deliver_due(session, client=client, now=now).attempted == 1
        (d,) = session.scalars(select(WebhookDelivery)).all()
        assert d.attempts == attempt
        if attempt == 3:
            assert d.last_status_code is None and "ConnectError" in (d.last_error or "")
        else:
            assert d.last_status_code == 503 and d.last_error == "HTTP 503: unavailable"
        if d.next_attempt_at is not None:
            assert d.status == "pending"
            waits.append(d.next_attempt_at - now)
            now = d.next_attempt_at
    assert waits == list(wh.BACKOFF)
    assert d.status == "failed" and d.next_attempt_at is None and calls == wh.MAX_ATTEMPTS
    assert wh.deliver_due(session, client=client, now=now + timedelta(days=2)).attempted == 0
    log = wh.webhook_deliveries(session=session, settings=settings, subscription_id=sub["id"])
    assert log[0]["status"] == "failed" and log[0]["attempts"] == 6


# --------------------------------------------------------------------------- real server


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Recorder,), {"received": received})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", received
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_delivers_to_a_real_local_server(
    session: Session, settings: Settings, server: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = server
    sub = _subscribe(session, settings, url, "item.overdue", "message.extremely_negative")
    events = [_event("item.overdue", 1), _event("message.extremely_negative", 2)]
    wh.emit(session=session, settings=settings, events=events, now=NOW)
    with guarded_client(timeout=5, allow_private=True) as client:
        report = wh.deliver_due(session, client=client, now=NOW)
    assert (report.delivered, report.failed, report.retrying) == (2, 0, 0)
    assert sorted(json.loads(b)["type"] for _, b in received) == [
        "item.overdue", "message.extremely_negative"]  # fmt: skip
    for headers, body in received:
        assert headers["content-type"] == "application/json"
        assert verify(sub["secret"], headers, body)
