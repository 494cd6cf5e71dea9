"""Auth, tenancy and rate limits on every /v1 resource; the problem+json error shape."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, Workspace
from tieline.api.ratelimit import RateLimiter


def _resources(ws: Workspace) -> list[str]:
    """Every URL that names one of the workspace's rows."""
    a = ws.account_id
    return [f"/v1/accounts/{a}", f"/v1/accounts/{a}/stakeholders", f"/v1/accounts/{a}/history",
            f"/v1/accounts/{a}/messages", f"/v1/people/{ws.person_id}",
            f"/v1/people?account_id={a}", f"/v1/open-items?account_id={a}"]  # fmt: skip


LISTS = ["/v1/accounts", "/v1/people", "/v1/open-items", "/v1/health-config"]


def _is_problem(r: object, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_resource_needs_a_live_key(api: Api) -> None:
    for url in [*_resources(api.a), *LISTS]:
        body = _is_problem(api.client.get(url), 401)
        assert "X-API-Key" in str(body["detail"])
        for key in ("tl_not-a-key", "garbage", api.revoked_key):
            body = _is_problem(api.client.get(url, headers={"X-API-Key": key}), 401)
            assert body["detail"] == "unknown or revoked API key"
    _is_problem(api.client.put("/v1/health-config", json={"weights": {"a": 1}}), 401)


def test_a_key_sees_only_its_workspace(api: Api) -> None:
    for url in _resources(api.a):
        assert api.get(url, ws=api.a).status_code == 200, url
        body = _is_problem(api.get(url, ws=api.b), 404)  # A's rows do not exist for B
        assert "no " in str(body["detail"])
    for url in _resources(api.b):
        assert api.get(url, ws=api.b).status_code == 200, url
        _is_problem(api.get(url, ws=api.a), 404)

    def ids(url: str, ws: Workspace) -> set[int]:
        return {row["id"] for row in api.get(url, ws=ws, limit=200).json()["results"]}

    for url in LISTS[:3]:
        a, b = ids(url, api.a), ids(url, api.b)
        assert a and b and not a & b, url
    b_accounts = api.get("/v1/accounts", ws=api.b).json()["results"]
    assert {x["id"] for x in b_accounts} == set(api.b.accounts.values())
    for row in api.get("/v1/open-items", ws=api.b, limit=200).json()["results"]:
        assert row["message"]["id"] not in ids(f"/v1/accounts/{api.a.account_id}/messages",
                                               api.a)  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rate_limit_per_key(limited: Api) -> None:
    for _ in range(3):
        assert limited.get("/v1/accounts").status_code == 200
    body = _is_problem(limited.get("/v1/accounts"), 429)
    r = limited.get("/v1/people")
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert "rate limit" in str(body["detail"])
    assert limited.get("/v1/accounts", ws=limited.b).status_code == 200  # another key


def test_the_window_slides() -> None:
    now = [1000.0]
    limiter = RateLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.hit(1) is None and limiter.hit(1) is None
    assert limiter.hit(1) == 60 and limiter.hit(2) is None
    now[0] += 59.5
    assert limiter.hit(1) == 1
    now[0] += 1
    assert limiter.hit(1) is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_openapi_documents_every_route(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    v1 = {p: ops for p, ops in spec["paths"].items() if p.startswith("/v1/")
          and not p.endswith("/map")}  # fmt: skip
    assert len(v1) >= 9
    for path, ops in v1.items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary") and op.get("description") and op.get("tags"), where
            ok = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert "$ref" in ok, where
            for status in ("401", "422", "429"):
                problem = op["responses"][status]["content"]["application/problem+json"]
                assert problem["example"]["status"] == int(status), where
            assert "Retry-After" in op["responses"]["429"]["headers"], where
            if "{" in path:
                assert "404" in op["responses"], where
    assert "413" in spec["paths"]["/v1/health-config"]["put"]["responses"]
    schemas = spec["components"]["schemas"]
    for name in ("AccountSummary", "AccountDetail", "PersonDetail", "MessageOut",
                 "OpenItemOut", "HistoryPoint", "HealthConfig", "HealthConfigUpdate"):  # fmt: skip
        assert schemas[name].get("examples"), name


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_key_revoked_while_serving_stops_working_once_its_cache_entry_expires(
    api: Api,
) -> None:
    from tieline import service
    from tieline.api.deps import KeyCache
    from tieline.store.db import make_engine, make_session_factory

    now = [1000.0]
    api.client.app.state.key_cache = KeyCache(seconds=5, clock=lambda: now[0])  # type: ignore[attr-defined]
    url = f"/v1/accounts/{api.a.account_id}"
    assert api.get(url).status_code == 200  # looked up, then cached
    engine = make_engine(api.settings.database_url)
    with make_session_factory(engine)() as session:
        for key in service.list_api_keys(session=session, settings=api.settings):
            service.revoke_api_key(session=session, settings=api.settings, key_id=key.id)
        session.commit()
    engine.dispose()
    now[0] += 4.9
    assert api.get(url).status_code == 200  # still inside the cache window
    now[0] += 0.2
    body = _is_problem(api.get(url), 401)
    assert body["detail"] == "unknown or revoked API key"
    now[0] += 10
    _is_problem(api.get(url), 401)  # a revoked key is never cached


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cached_key_still_only_sees_its_own_workspace(api: Api) -> None:
    for _ in range(2):  # the second round is served from the key cache
        assert api.get(f"/v1/accounts/{api.a.account_id}").status_code == 200
        _is_problem(api.get(f"/v1/accounts/{api.b.account_id}"), 404)
        _is_problem(api.get(f"/v1/accounts/{api.a.account_id}", ws=api.b), 404)


def test_an_expired_key_is_looked_up_by_one_caller_while_the_others_keep_it() -> None:
    from tieline.api.deps import KeyCache

    now = [0.0]
    cache = KeyCache(seconds=5, clock=lambda: now[0])
    cache.put("k", 1, 2, "ws")
    now[0] = 5.0
    assert cache.get("k") is None  # expired: this caller looks it up ...
    assert cache.get("k") == (1, 2, "ws")  # ... the others keep the entry meanwhile
    cache.put("k", 1, 2, "ws")  # looked up: still live
    now[0] = 9.9
    assert cache.get("k") == (1, 2, "ws")
    now[0] = 10.0
    assert cache.get("k") is None
    cache.forget("k")  # looked up: revoked
    assert cache.get("k") is None
    cache.put("k", 1, 2, "ws")
    now[0] = 15.0
    assert cache.get("k") is None  # a lookup that never comes back ...
    now[0] = 15.9
    assert cache.get("k") == (1, 2, "ws")
    now[0] = 16.0
    assert cache.get("k") is None  # ... holds the entry one second at most
    assert cache.get("k") is None
