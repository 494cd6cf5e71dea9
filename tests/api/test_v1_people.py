"""/v1/people: the list (cursor pages, account filter) and one person."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api


def _walk(api: Api, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = api.get("/v1/people", **params, **({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        rows += r.json()["results"]
        cursor = r.json()["next"]
        if cursor is None:
            return rows


def test_people_pages(api: Api) -> None:
    everyone = api.get("/v1/people", limit=200).json()["results"]
    assert {p["name"] for p in everyone} >= {"Dana Whitfield", "Sam Ortiz"}
    paged = _walk(api, limit=2)
    assert [p["id"] for p in paged] == sorted(p["id"] for p in everyone)
    sam = next(p for p in everyone if p["name"] == "Sam Ortiz")
    assert sam["internal"] is True and sam["account"] is None
    assert sam["emails"] and sam["identities"][0]["kind"] == "email"


def test_people_of_one_account(api: Api) -> None:
    acme = api.get("/v1/people", account_id=api.a.account_id).json()["results"]
    assert acme and all(p["account"]["id"] == api.a.account_id for p in acme)
    r = api.get("/v1/people", account_id=999999)
    assert r.status_code == 404 and r.json()["detail"] == "no account 999999"


def test_person_detail(api: Api) -> None:
    r = api.get(f"/v1/people/{api.a.person_id}", as_of="2026-11-12")
    assert r.status_code == 200, r.text
    person = r.json()
    assert person["account"]["name"] == "Acme Logistics" and not person["internal"]
    assert person["role"] in {"champion", "economic_buyer", "power_user", "user"}
    assert person["relationship"] is None or 1 <= person["relationship"]["score"] <= 5
    sam_id = next(p["id"] for p in api.get("/v1/people").json()["results"]
                  if p["name"] == "Sam Ortiz")  # fmt: skip
    sam = api.get(f"/v1/people/{sam_id}").json()
    assert sam["relationship"] is None and sam["role"] is None and sam["relationships"] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_person_errors(api: Api) -> None:
    r = api.get("/v1/people/999999")
    assert r.status_code == 404 and r.json()["detail"] == "no person 999999"
    r = api.get("/v1/people/abc")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "person_id"
    r = api.get("/v1/people", cursor=api.get("/v1/accounts", limit=1).json()["next"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
