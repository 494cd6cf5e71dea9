"""/v1/open-items: filters by who owes, status, age and account; cursor pages."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def test_open_items(api: Api) -> None:
    r = api.get("/v1/open-items", limit=200)
    assert r.status_code == 200, r.text
    items = r.json()["results"]
    assert items
    assert [i["asked_at"] for i in items] == sorted(i["asked_at"] for i in items)
    first = items[0]
    assert first["message"]["id"] and first["message"]["author"]["name"]
    assert first["account"] == {"id": api.a.account_id, "name": "Acme Logistics"}
    assert first["age_days"] > 0

    ours = api.get("/v1/open-items", owed_by="us").json()["results"]
    assert ours and all(i["owed_by"] == "us" for i in ours)
    theirs = api.get("/v1/open-items", owed_by="them").json()["results"]
    assert all(i["owed_by"] == "them" for i in theirs)
    assert len(ours) + len(theirs) <= len(items)
    for status in ("open", "resolved"):
        assert all(i["status"] == status
                   for i in api.get("/v1/open-items", status=status).json()["results"])  # fmt: skip
    assert api.get("/v1/open-items", min_age_days=36_000).json()["results"] == []
    old = api.get("/v1/open-items", min_age_days=1).json()["results"]
    assert len(old) == len(items)  # the mailbox is from 2026-11
    acme = api.get("/v1/open-items", account_id=api.a.account_id, limit=200).json()["results"]
    assert [i["id"] for i in acme] == [i["id"] for i in items]
    empty = api.get("/v1/open-items", account_id=api.a.accounts["Gringotts"]).json()
    assert empty == {"results": [], "next": None}

    paged, cursor = [], None
    while True:
        body = api.get("/v1/open-items", limit=1, **({"cursor": cursor} if cursor else {}))
        paged += body.json()["results"]
        cursor = body.json()["next"]
        if not cursor:
            break
    assert [i["id"] for i in paged] == [i["id"] for i in items]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_open_item_validation(api: Api) -> None:
    for params, field in (({"owed_by": "nobody"}, "owed_by"), ({"status": "x"}, "status"),
                          ({"min_age_days": -1}, "min_age_days")):  # fmt: skip
        r = api.get("/v1/open-items", **params)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    r = api.get("/v1/open-items", account_id=999999)
    assert r.status_code == 404
