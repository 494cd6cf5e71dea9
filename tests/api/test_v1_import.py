"""POST /v1/import/{revenue|surveys}: KPI inputs through the API, scoped to the key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import Api

REVENUE = (
    "Customer,Booked,Type,MRR\n"
    'acme-logistics.com,2026-09-01,new,"$1,000"\n'
    "acme-logistics.com,2026-10-15,expansion,250\n"
    "acme-logistics.com,2026-10-20,refund,10\n"
)


def _post(api: Api, kind: str, name: str, body: str, key: str | None = None, **form: str) -> Any:
    return api.client.post(
        f"/v1/import/{kind}",
        files={"file": (name, body.encode(), "text/csv")},
        data=form or None,
        headers={"X-API-Key": key or api.a.key},
    )


def test_revenue_with_a_column_map_feeds_the_kpis(api: Api) -> None:
    columns = {"account": "Customer", "date": "Booked", "kind": "Type", "amount": "MRR"}
    r = _post(api, "revenue", "billing.csv", REVENUE, map=json.dumps(columns))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["read"], report["new"], report["skipped"]) == (3, 2, 1)
    assert report["skipped_reasons"] and report["unmatched_accounts"] == []
    again = _post(api, "revenue", "billing.csv", REVENUE, map=json.dumps(columns)).json()
    assert (again["new"], again["duplicates"]) == (0, 2)  # re-importing adds nothing
    detail = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-20").json()
    assert detail["kpis"]["mrr"] == pytest.approx(1250.0)
    # Workspace B sees none of it.
    other = api.get(f"/v1/accounts/{api.b.account_id}", ws=api.b, as_of="2026-11-20").json()
    assert not other["kpis"]


def test_surveys_json_lines(api: Api) -> None:
    lines = "\n".join(
        json.dumps({"account": "acme-logistics.com", "date": "2026-10-02", "kind": "nps",
                    "score": s}) for s in (10, 9, 3)
    )  # fmt: skip
    r = _post(api, "surveys", "nps.jsonl", lines)
    assert r.status_code == 200, r.text
    assert r.json()["new"] == 3 and r.json()["kind"] == "surveys"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_import_errors_are_problems(api: Api) -> None:
    assert _post(api, "invoices", "x.csv", "a,b\n").status_code == 404
    bad_name = _post(api, "revenue", "billing.xlsx", REVENUE)
    assert bad_name.status_code == 422 and "file" in bad_name.json()["detail"]
    bad_map = _post(api, "revenue", "billing.csv", REVENUE, map="[1, 2]")
    assert bad_map.status_code == 422 and "map" in bad_map.json()["detail"]
    assert bad_map.headers["content-type"] == "application/problem+json"
    assert _post(api, "revenue", "billing.csv", REVENUE, key="tl_nope").status_code == 401


def test_metrics_through_the_api(api: Api) -> None:
    body = "account,date,metric,value\nacme-logistics.com,2026-10-01,active_users,42\n"
    r = _post(api, "metrics", "usage.csv", body)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "metrics" and r.json()["new"] == 1


def test_customer_list_import_and_candidates(api: Api) -> None:
    customers = (
        "Account ID,Account Name,Domains,CSM,Segment,ARR,Renewal\n"
        'SF-001,Acme Logistics,acme-logistics.com,sam@northwind.io,enterprise,"$48,000",'
        "2027-01-31\n"
        "SF-002,Initrode,initrode.com,,smb,,\n"
        "SF-003,,nowhere.com,,,,\n"
    )
    r = _post(api, "customers", "crm.csv", customers)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["kind"], report["read"], report["skipped"]) == ("customers", 3, 1)
    assert report["mode"] == "declared" and report["new"] + report["updated"] == 2
    names = {a["name"] for a in api.get("/v1/accounts", limit=100).json()["results"]}
    assert {"Acme Logistics", "Initrode"} <= names
    listed = api.get("/v1/candidates")
    assert listed.status_code == 200, listed.text
    assert listed.json()["mode"] == "declared"
    for c in listed.json()["candidates"]:
        assert c["two_way"] >= 1 and c["inbound"] >= 1 and c["outbound"] >= 1
    # Deciding: promote any domain, ignore it again; a listed customer cannot be ignored.
    key = {"X-API-Key": api.a.key}
    promoted = api.client.post("/v1/candidates/initech.io/promote", headers=key)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "promoted" and promoted.json()["account_id"]
    ignored = api.client.post("/v1/candidates/initech.io/ignore", headers=key).json()
    assert ignored == {"domain": "initech.io", "status": "ignored", "account_id": None,
                       "account": None}  # fmt: skip
    refused = api.client.post("/v1/candidates/acme-logistics.com/ignore", headers=key)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    decided = api.get("/v1/candidates", status="all").json()["candidates"]
    assert {"initech.io"} <= {c["domain"] for c in decided if c["status"] == "ignored"}
    # Workspace B has no list: still discovered.
    assert api.get("/v1/candidates", ws=api.b).json()["mode"] == "discovered"
