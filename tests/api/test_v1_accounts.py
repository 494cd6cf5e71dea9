"""/v1/accounts: list (filters, sorts, cursor pages), detail, stakeholders, history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import EXTRA, Api


def _walk(api: Api, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        r = api.get("/v1/accounts", **params, **({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["results"]) <= params.get("limit", 50)
        rows += body["results"]
        cursor = body["next"]
        if cursor is None:
            return rows
    raise AssertionError("pagination never ended")


def test_list_accounts_latest_snapshot(api: Api) -> None:
    r = api.get("/v1/accounts")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["next"] is None
    by_name = {a["name"]: a for a in body["results"]}
    assert set(by_name) == {"Acme Logistics", *(e[0] for e in EXTRA)}
    acme = by_name["Acme Logistics"]
    assert acme["snapshot_on"] == "2026-11-12"  # the latest of the two snapshots
    assert acme["health"]["band"] in {"red", "yellow", "green"}
    assert acme["health"]["trend"] is not None  # against the 2026-11-05 snapshot
    assert 1 <= acme["relationship"] <= 5 and "churn_risk" in acme["flags"]
    assert by_name["Gringotts"]["health"] is None  # never snapshotted
    scores = [a["health"]["score"] for a in body["results"] if a["health"]]
    assert scores == sorted(scores)  # default: weakest first
    assert body["results"][-1]["name"] == "Gringotts"  # no health sorts last


@pytest.mark.parametrize(
    "sort", ["health", "-health", "name", "-name", "relationship", "-relationship"]
)
def test_pages_walk_every_account_once_in_order(api: Api, sort: str) -> None:
    everything = api.get("/v1/accounts", sort=sort).json()["results"]
    paged = _walk(api, sort=sort, limit=2)
    assert [a["id"] for a in paged] == [a["id"] for a in everything]
    assert len({a["id"] for a in paged}) == len(everything) == len(EXTRA) + 1
    if sort.lstrip("-") == "name":
        names = [a["name"] for a in paged]
        assert names == sorted(names, reverse=sort.startswith("-"))
    # Ties (Cyberdyne and Dunder Mifflin both score 55.5) break by id.
    if sort == "health":
        tied = [a["id"] for a in paged if a["health"] and a["health"]["score"] == 55.5]
        assert tied == sorted(tied) and len(tied) == 2


def test_filters(api: Api) -> None:
    red = api.get("/v1/accounts", band="red").json()["results"]
    # Issue 13: Acme's churn-risk language (a churn notice) caps it in the red.
    assert {a["name"] for a in red} == {"Acme Logistics", "Bluth Co", "Frobozz"}
    dark = api.get("/v1/accounts", flag="gone_dark", sort="name").json()["results"]
    assert [a["name"] for a in dark] == ["Bluth Co", "Frobozz"]
    both = api.get("/v1/accounts", flag="gone_dark", band="red", limit=1).json()
    assert len(both["results"]) == 1 and both["next"]
    churn = {a["name"] for a in api.get("/v1/accounts", flag="churn_risk").json()["results"]}
    assert churn == {"Acme Logistics", "Frobozz"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"band": "purple"}, "band"),
     ({"flag": "sad"}, "flag"), ({"sort": "mood"}, "sort"), ({"cursor": "nope"}, "cursor")],
)  # fmt: skip
def test_validation_errors_name_the_field(api: Api, params: dict[str, Any], field: str) -> None:
    r = api.get("/v1/accounts", **params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 422 and field in body["detail"]
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cursor_belongs_to_its_sort(api: Api) -> None:
    cursor = api.get("/v1/accounts", sort="name", limit=1).json()["next"]
    assert api.get("/v1/accounts", sort="name", cursor=cursor).status_code == 200
    r = api.get("/v1/accounts", sort="health", cursor=cursor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"


def test_account_detail_from_the_snapshot(api: Api) -> None:
    r = api.get(f"/v1/accounts/{api.a.account_id}")
    assert r.status_code == 200, r.text
    acme = r.json()
    assert acme["name"] == "Acme Logistics" and acme["source"] == "snapshot"
    assert acme["as_of"] == "2026-11-12" and acme["domains"] == ["acme-logistics.com"]
    assert acme["messages"] >= 5 and acme["people"] >= 2 and acme["threads"] >= 1
    assert acme["last_message_at"].startswith("2026-11")
    health = acme["health"]
    # Issue 13: two scored customer messages are too few for sentiment (left out, why).
    assert {"open_items", "relationship"} <= set(health["components"])
    assert health["left_out"]["sentiment"].startswith("insufficient data")
    assert health["reasons"] and health["reasons"][0]["text"]
    assert acme["flags"]["churn_risk"]["raised"] is True and acme["churn_risk"] is True
    assert acme["flags"]["churn_risk"]["evidence"]["quotes"]
    assert 1 <= acme["relationship"]["score"] <= 5


def test_account_detail_live_as_of(api: Api) -> None:
    r = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-20")
    assert r.status_code == 200, r.text
    live = r.json()
    assert live["source"] == "live" and live["as_of"] == "2026-11-20"
    assert live["health"]["score"] is not None
    assert live["health"]["trend"] is not None  # against the stored 2026-11-12 snapshot
    # Issue 13: the activity counts stop at as_of as well (the mail runs 2-10 November).
    early = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-03").json()
    assert 0 < early["messages"] < live["messages"]
    assert early["last_message_at"] < "2026-11-04"
    r = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-02-30")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of"


def test_account_without_snapshot(api: Api) -> None:
    r = api.get(f"/v1/accounts/{api.a.accounts['Gringotts']}")
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "none" and body["health"] is None and body["flags"] == {}
    assert body["messages"] == 0 and body["last_message_at"] is None


def test_stakeholders(api: Api) -> None:
    r = api.get(f"/v1/accounts/{api.a.account_id}/stakeholders", as_of="2026-11-12")
    assert r.status_code == 200, r.text
    people = {p["name"]: p for p in r.json()["results"]}
    dana = people["Dana Whitfield"]
    assert dana["account"]["id"] == api.a.account_id and dana["engaged"] is True
    assert dana["role"] in {"champion", "economic_buyer", "power_user", "user"}
    assert 1 <= dana["relationship"]["score"] <= 5 and dana["relationship"]["components"]
    assert dana["relationships"] and "with" in dana["relationships"][0]
    assert dana["departed"] is None
    assert all(p["account"]["id"] == api.a.account_id for p in people.values())


def test_history_oldest_first(api: Api) -> None:
    r = api.get(f"/v1/accounts/{api.a.account_id}/history")
    assert r.status_code == 200
    points = r.json()["results"]
    assert [p["on"] for p in points] == ["2026-11-05", "2026-11-12"]
    assert points[1]["trend"] is not None and points[1]["band"] in {"red", "yellow", "green"}
    assert "churn_risk" in points[1]["flags"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("suffix", ["", "/stakeholders", "/history", "/messages"])
def test_unknown_account_is_a_404_problem(api: Api, suffix: str) -> None:
    r = api.get(f"/v1/accounts/999999{suffix}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                        "detail": "no account 999999"}  # fmt: skip
    r = api.get(f"/v1/accounts/0{suffix}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account_id"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_account_detail_carries_the_kpis(api: Api, tmp_path: Path) -> None:
    """Issue 7: KPI results appear on account objects through the API too."""
    from datetime import date

    from tieline import service
    from tieline.store.db import make_engine, make_session_factory

    surveys = tmp_path / "nps.csv"
    surveys.write_text("account,date,kind,score\nacme-logistics.com,2026-10-02,nps,10\n")
    settings = api.settings.model_copy(update={"workspace": api.a.name})
    engine = make_engine(api.settings.database_url)
    with make_session_factory(engine)() as session:
        service.import_surveys(session=session, settings=settings, path=surveys)
        service.take_snapshot(
            session=session, settings=settings, as_of=service.end_of(date(2026, 11, 25))
        )
        session.commit()
    engine.dispose()
    body = api.get(f"/v1/accounts/{api.a.account_id}").json()
    assert body["kpis"]["nps"] == 100.0
    live = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-25").json()
    assert live["kpis"]["nps"] == 100.0


def test_list_pages_are_exactly_the_documented_model(api: Api) -> None:
    """The list writes its JSON itself (rows encoded once per listing): it must be what
    ``AccountPage`` would give, on the first request and from the memo after it."""
    from tieline.api.schemas import AccountPage

    for params in ({}, {"sort": "-health", "limit": 2}, {"sort": "name", "band": "red"}):
        bodies = [api.get("/v1/accounts", **params) for _ in range(2)]
        assert bodies[0].content == bodies[1].content
        model = AccountPage.model_validate_json(bodies[0].content)
        assert bodies[0].json() == model.model_dump(mode="json")
        assert bodies[0].json()["results"]
