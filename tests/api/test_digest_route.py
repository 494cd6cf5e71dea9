"""``GET /v1/digests/weekly`` on the small scored mailbox, the router mounted by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import DATA
from tieline import service
from tieline.api import create_app
from tieline.config import load_settings
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import FakeModel
from tieline.store.db import make_engine, make_session_factory, migrate


@pytest.fixture
def client(db_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = load_settings(
        config_file=None, database_url=db_url, workspace="cs", internal_domains=["northwind.io"]
    )
    engine = make_engine(db_url)
    migrate(engine)
    with make_session_factory(engine)() as session:
        service.ingest_email(
            session=session, settings=settings, paths=[DATA / "email" / "signals.mbox"]
        )
        models = service.Models(sentiment=FakeModel(), split=SentenceSplitter())
        service.score(session=session, settings=settings, models=models)
        key, _ = service.create_api_key(session=session, settings=settings, name="test")
        session.commit()
    engine.dispose()
    app = create_app(settings.model_copy(update={"workspace": "default"}))  # mounts the router
    with TestClient(app) as c:
        yield c, {"X-API-Key": key}


URL = "/v1/digests/weekly"


def test_weekly_digest_json_md_html(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    r = c.get(URL, params={"week": "2026-W46"}, headers=auth)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["workspace"] == "cs" and d["week"] == "2026-W46"  # the key's workspace
    (acme,) = d["accounts"]
    assert any(i["kind"] == "churn_risk" for i in acme["items"])
    assert acme["link"].startswith("http://127.0.0.1:8000/accounts/")
    r = c.get(URL, params={"week": "2026-W46", "format": "md",
                           "base_url": "https://t.example"}, headers=auth)  # fmt: skip
    assert r.headers["content-type"].startswith("text/markdown")
    assert f"https://t.example/accounts/{acme['id']}" in r.text
    r = c.get(URL, params={"week": "2026-W46", "format": "html"}, headers=auth)
    assert r.headers["content-type"].startswith("text/html") and "<table" in r.text
    r = c.get(URL, params={"week": "2026-W46", "owner": "sam@northwind.io"}, headers=auth)
    assert [a["name"] for a in r.json()["accounts"]] == ["Acme Logistics"]


def test_weekly_digest_problems(client: tuple[TestClient, dict[str, str]]) -> None:
    c, auth = client
    r = c.get(URL, params={"week": "2026-W46"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    for week in ("2026-46", "2026-W60", "9999-W52", "0001-W01", "0000-W01"):  # no OverflowError
        r = c.get(URL, params={"week": week}, headers=auth)
        assert r.status_code == 422, week
        assert r.headers["content-type"] == "application/problem+json"
    r = c.get(URL, params={"week": "2026-W46", "format": "pdf"}, headers=auth)
    assert r.status_code == 422
    r = c.get(URL, params={"week": "2026-W46", "owner": "x@y.z"}, headers=auth)
    assert r.status_code == 404 and "owned by x@y.z" in r.json()["detail"]
    spec = c.get("/openapi.json").json()["paths"][URL]["get"]["responses"]
    assert {"200", "401", "404", "422"} <= set(spec)
