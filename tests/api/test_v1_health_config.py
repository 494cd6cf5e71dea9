"""/v1/health-config: read the weights in effect, replace them, validation, 413."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api


def _put(api: Api, body: object, key: str | None = None) -> object:
    return api.client.put("/v1/health-config", json=body,
                          headers={"X-API-Key": key or api.a.key})  # fmt: skip


def test_read_update_and_use(api: Api) -> None:
    r = api.get("/v1/health-config")
    assert r.status_code == 200, r.text
    default = r.json()
    assert default["overridden"] is False
    assert default["weights"] == {"sentiment": 20, "engagement": 20, "open_items": 15,
                                  "responsiveness": 15, "relationship": 30}  # fmt: skip
    assert default["bands"] == {"red_below": 40, "green_from": 70}

    before = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-12").json()
    body = {"weights": {"relationship": 1}, "bands": {"red_below": 90, "green_from": 95}}
    r = _put(api, body)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["weights"] == {"relationship": 1} and r.json()["overridden"]  # type: ignore[attr-defined]
    assert api.get("/v1/health-config").json()["bands"]["red_below"] == 90
    # Live health now weighs the relationship alone, and bands by the new cut-points.
    after = api.get(f"/v1/accounts/{api.a.account_id}", as_of="2026-11-12").json()
    assert set(after["health"]["components"]) == {"relationship"}
    assert after["health"]["band"] == "red" and after["health"] != before["health"]
    # Another workspace is untouched.
    assert api.get("/v1/health-config", ws=api.b).json()["overridden"] is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "weights"), ({"weights": {}}, "weights"), ({"weights": {"a": "x"}}, "weights.a"),
     ({"weights": {"a": 1}, "bands": {"red_below": 101, "green_from": 0}}, "bands.red_below"),
     ({"weights": {"a": 1}, "colour": "red"}, "colour")],
)  # fmt: skip
def test_invalid_bodies_name_the_field(api: Api, body: object, field: str) -> None:
    r = _put(api, body)
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert field in [e["field"] for e in r.json()["errors"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_rules_of_the_health_model_are_422(api: Api) -> None:
    r = _put(api, {"weights": {"a": 1}, "bands": {"red_below": 80, "green_from": 50}})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "red_below" in r.json()["detail"]  # type: ignore[attr-defined]
    assert api.get("/v1/health-config").json()["overridden"] is False  # nothing stored


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_oversized_body_is_413(api: Api) -> None:
    huge = {"weights": {f"c{i}": 1 for i in range(120_000)}}
    r = _put(api, huge)
    assert r.status_code == 413  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert r.json()["status"] == 413  # type: ignore[attr-defined]

    def chunks() -> object:  # no Content-Length: the stream itself is cut off
        for _ in range(1200):
            yield b"x" * 1024

    headers = {"X-API-Key": api.a.key, "Content-Type": "application/json"}
    r = api.client.put("/v1/health-config", content=chunks(), headers=headers)  # type: ignore[arg-type]
    assert r.status_code == 413


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_override_applies_to_snapshots_taken_outside_the_api(api: Api) -> None:
    """PUT /v1/health-config changes what `tieline snapshot` stores too."""
    from tieline import service
    from tieline.store.db import make_engine, make_session_factory

    headers = {"X-API-Key": api.a.key}
    put = api.client.put(
        "/v1/health-config", json={"weights": {"relationship": 1}}, headers=headers
    )
    assert put.status_code == 200, put.text
    engine = make_engine(api.settings.database_url)
    with make_session_factory(engine)() as session:
        settings = api.settings.model_copy(update={"workspace": api.a.name})
        result = service.take_snapshot(session=session, settings=settings)
        for health in result.health.values():
            assert set(health.components) - set(health.ignored) == {"relationship"}
    engine.dispose()
