"""``/v1/webhooks``: subscriptions (secret shown once), tenancy, delivery log, deliver now;
a snapshot taken after subscribing queues its alerts once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.conftest import Api, Workspace, _settings
from tieline import service
from tieline.store.db import make_engine, make_session_factory

URL = "https://hooks.example.com/tieline"


def _post(api: Api, path: str, ws: Workspace | None = None, body: Any = None) -> Any:
    return api.client.post(path, json=body, headers={"X-API-Key": (ws or api.a).key})


def _delete(api: Api, path: str, ws: Workspace | None = None) -> Any:
    return api.client.delete(path, headers={"X-API-Key": (ws or api.a).key})


def test_create_list_delete(api: Api) -> None:
    r = _post(api, "/v1/webhooks", body={"url": URL, "events": ["account.turned_red"]})
    assert r.status_code == 200, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["events"] == ["account.turned_red"]
    listed = api.get("/v1/webhooks").json()["results"]
    assert [w["id"] for w in listed] == [created["id"]] and "secret" not in listed[0]
    assert api.get("/v1/webhooks", ws=api.b).json()["results"] == []
    assert _delete(api, f"/v1/webhooks/{created['id']}").json()["id"] == created["id"]
    assert api.get("/v1/webhooks").json()["results"] == []
    assert _delete(api, f"/v1/webhooks/{created['id']}").status_code == 404


def test_other_workspace_gets_404(api: Api) -> None:
    created = _post(api, "/v1/webhooks", body={"url": URL, "events": ["item.overdue"]}).json()
    path = f"/v1/webhooks/{created['id']}"
    assert api.get(path + "/deliveries", ws=api.b).status_code == 404
    r = _delete(api, path, ws=api.b)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert api.get(path + "/deliveries").status_code == 200


def test_invalid_subscriptions_are_422(api: Api) -> None:
    for body in ({"url": "ftp://x.example", "events": ["item.overdue"]},
                 {"url": URL, "events": []}, {"url": URL, "events": ["account.exploded"]},
                 {"url": URL, "events": ["item.overdue"], "secret": "mine"}):  # fmt: skip
        assert _post(api, "/v1/webhooks", body=body).status_code == 422, body
    assert api.client.post("/v1/webhooks", json={"url": URL, "events": []}).status_code == 401


def test_snapshot_queues_alerts_once_and_deliver_posts_them(api: Api) -> None:
    everything = ["account.turned_red", "account.champion_departed",
                  "message.extremely_negative", "item.overdue"]  # fmt: skip
    sub = _post(api, "/v1/webhooks", body={"url": URL, "events": everything}).json()
    engine = make_engine(api.settings.database_url)
    settings = _settings(api.settings.database_url, "a")
    as_of = datetime(2026, 11, 26, 23, 59, tzinfo=UTC)  # item 4 (asked 11-10) is 16 days open
    for _ in range(2):  # the same snapshot again queues nothing new
        with make_session_factory(engine)() as session:
            service.take_snapshot(session=session, settings=settings, as_of=as_of)
            session.commit()
    engine.dispose()
    log = api.get(f"/v1/webhooks/{sub['id']}/deliveries", limit=200).json()["results"]
    assert "item.overdue" in {d["event_type"] for d in log}
    ids = [d["event_id"] for d in log]
    assert len(ids) == len(set(ids))
    assert {d["event_type"] for d in log} <= set(everything)
    assert all(d["status"] == "pending" and d["attempts"] == 0 for d in log)
    assert all(d["payload"]["data"]["link"].startswith("http") for d in log)

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    app = api.client.app
    app.state.webhook_client = httpx.Client(transport=httpx.MockTransport(handler))  # type: ignore[attr-defined]
    assert _post(api, "/v1/webhooks/deliver", ws=api.b).json()["attempted"] == 0  # not B's
    report = _post(api, "/v1/webhooks/deliver").json()
    assert report["delivered"] == min(len(log), 20) and report["failed"] == 0
    assert {r.headers["webhook-id"] for r in seen} <= set(ids)
    log = api.get(f"/v1/webhooks/{sub['id']}/deliveries", limit=200).json()["results"]
    assert sum(d["status"] == "delivered" for d in log) == report["delivered"]


def test_webhooks_into_our_own_network_are_refused(api: Api) -> None:
    for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/",
                "http://localhost:8000/v1/accounts", "https://[::1]/hook"):  # fmt: skip
        r = _post(api, "/v1/webhooks", body={"url": url, "events": ["item.overdue"]})
        assert r.status_code == 422, (url, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert "public internet" in r.json()["detail"]
    assert api.get("/v1/webhooks").json()["results"] == []
