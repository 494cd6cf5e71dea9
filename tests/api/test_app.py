from __future__ import annotations

from fastapi.testclient import TestClient

from tieline.api import create_app
from tieline.config import load_settings


def test_healthz_and_problem_json(db_url: str) -> None:
    app = create_app(load_settings(database_url=db_url))

    @app.get("/boom")
    def boom() -> None:
        from tieline.errors import NotFound

        raise NotFound("no such account")

    with TestClient(app) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        r = client.get("/boom")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "no such account"
