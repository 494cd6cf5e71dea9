"""The web pages and their JSON: the accounts page, the stakeholder map of a demo account,
tenancy (another workspace's key sees no account), and assets that need no network.

The demo is ingested and scored once for the module with the real packaged models (about
15 s on 2 cores), then snapshotted as of 2026-11-20 like ``tieline demo``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from tests.conftest import demo_copy
from tieline import service
from tieline.api import create_app
from tieline.config import Settings
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store.db import make_engine, make_session_factory

DAY = date(2026, 11, 20)
# Links inside the vendored Cytoscape.js (licence and credits in comments): text, not loads.
VENDORED_TEXT_URLS = {
    "http://en.wikipedia.org/wiki/MIT_License",
    "http://engelschall.com",
    "http://opensource.org/licenses/MIT",
    "https://github.com/gre/bezier-easing",
}


def build_demo(scored: Path, db: Path) -> tuple[Settings, str, dict[str, int]]:
    """A copy of the scored demo at ``db``, snapshotted as of ``DAY``.

    Returns its settings, an API key of the workspace and the account ids by name.
    """
    settings = demo_copy(scored, db)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        service.take_snapshot(session=session, settings=settings, as_of=service.end_of(DAY))
        key, _ = service.create_api_key(session=session, settings=settings, name="web")
        ws = repo.get_workspace_id(session, settings.workspace)
        ids = {name: i for i, name in facts.account_names(session, workspace_id=ws).items()}
        session.commit()
    engine.dispose()
    return settings, key, ids


class Demo:
    def __init__(self, client: TestClient, key: str, other_key: str, ids: dict[str, int]):
        self.client, self.key, self.other_key, self.ids = client, key, other_key, ids

    def get(self, path: str, key: str | None = None, **params: Any) -> Any:
        headers = {"X-API-Key": key or self.key}
        return self.client.get(path, params=params, headers=headers)


@pytest.fixture(scope="module")
def demo(scored_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    settings, key, ids = build_demo(scored_demo, tmp_path_factory.mktemp("web") / "demo.db")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:  # a second tenant in the same database
        other = settings.model_copy(update={"workspace": "other"})
        other_key, _ = service.create_api_key(session=session, settings=other)
        session.commit()
    engine.dispose()
    with TestClient(create_app(settings)) as client:
        yield Demo(client, key, other_key, ids)


def test_pages_are_plain_html_that_load_without_a_key(demo: Demo) -> None:
    for path in ("/", f"/accounts/{demo.ids['Initech']}"):
        r = demo.client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert '<script src="/static/app.js">' in r.text
        assert '<script src="/static/cytoscape.min.js">' in r.text
    assert (
        f'data-account-id="{demo.ids["Initech"]}"'
        in demo.client.get(f"/accounts/{demo.ids['Initech']}").text
    )
    for asset, kind in (("app.js", "javascript"), ("style.css", "css"), ("cytoscape.min.js", "")):
        r = demo.client.get(f"/static/{asset}")
        assert r.status_code == 200 and kind in r.headers["content-type"]


def test_initech_map_draws_both_sides_and_the_departed_champion(demo: Demo) -> None:
    r = demo.get(f"/v1/accounts/{demo.ids['Initech']}/map")
    assert r.status_code == 200
    body = r.json()
    assert body["as_of"] == DAY.isoformat()  # the latest snapshot's day by default
    account = body["account"]
    assert account["id"] == demo.ids["Initech"] and account["name"] == "Initech"
    assert account["flags"] == ["departed_champion"]
    assert "Laura Benson" in account["flag_reasons"]["departed_champion"]
    # The header shows the stored snapshot, the same numbers as the accounts page.
    listed = {a["name"]: a for a in demo.get("/web/accounts.json").json()["accounts"]}
    assert account["health"]["score"] == listed["Initech"]["health"]["score"]
    assert account["health"]["band"] in ("green", "yellow", "red")

    nodes = {n["id"]: n for n in body["nodes"]}
    assert len(nodes) == len(body["nodes"])
    theirs = {n["name"]: n for n in nodes.values() if n["side"] == "them"}
    ours = {n["name"]: n for n in nodes.values() if n["side"] == "us"}
    assert {"Laura Benson", "Chloé Martin", "Greg Sawyer"} <= theirs.keys()
    assert ours and not ours.keys() & theirs.keys()
    laura = theirs["Laura Benson"]
    assert laura["departed"] and laura["former_champion"] and laura["departed_on"] < DAY.isoformat()
    assert not laura["dark"]  # departed is its own mark
    assert sum(n["former_champion"] for n in nodes.values()) == 1
    at = datetime.fromisoformat(f"{DAY.isoformat()}T23:59:59+00:00")
    for n in nodes.values():
        assert 0 <= n["influence"] <= 1
        if n["side"] == "us":
            assert n["strength"] is None and n["components"] == {}
            continue
        assert n["strength"] in (1, 2, 3, 4, 5)
        assert set(n["components"]) and all(0 <= v <= 1 for v in n["components"].values())
        assert n["reasons"] and isinstance(n["open_items"], int) and n["last_contact"]
        assert n["sentiment"] is None or -1 <= n["sentiment"] <= 1
        silent = n["last_inbound"] is None or at - datetime.fromisoformat(
            n["last_inbound"]
        ) > timedelta(days=30)
        assert n["dark"] == (silent and not n["departed"])
    # Their people are sorted by strength, strongest first (the right-hand column).
    strengths = [n["strength"] for n in body["nodes"] if n["side"] == "them"]
    assert strengths == sorted(strengths, reverse=True)
    # Edges join our people to theirs, weighted by the pair's strength and message count.
    assert body["edges"]
    for e in body["edges"]:
        assert nodes[e["source"]]["side"] == "us" and nodes[e["target"]]["side"] == "them"
        assert e["messages"] == e["messages_in"] + e["messages_out"] > 0
        assert 0 <= e["weight"] <= 1
    for n in ours.values():
        mine = [e for e in body["edges"] if e["source"] == n["id"]]
        assert n["messages"] == sum(e["messages"] for e in mine)
    assert max(n["influence"] for n in ours.values()) == 1.0


def test_the_map_as_of_an_earlier_day_is_before_the_departure(demo: Demo) -> None:
    body = demo.get(f"/v1/accounts/{demo.ids['Initech']}/map", as_of="2026-08-01").json()
    assert body["as_of"] == "2026-08-01"
    assert "departed_champion" not in body["account"]["flags"]
    laura = next(n for n in body["nodes"] if n["name"] == "Laura Benson")
    assert not laura["departed"] and not laura["former_champion"]


def test_accounts_json_lists_every_account_with_its_snapshot(demo: Demo) -> None:
    body = demo.get("/web/accounts.json").json()
    assert body["as_of"] == DAY.isoformat()
    accounts = {a["name"]: a for a in body["accounts"]}
    assert {n: a["flags"] for n, a in accounts.items()} == {
        "Acme Logistics": [],
        "Globex": ["gone_dark", "single_threaded"],
        "Initech": ["departed_champion"],
        "Umbrella Health": ["churn_risk"],
    }
    assert accounts["Globex"]["health"]["band"] == "red"
    assert accounts["Initech"]["id"] == demo.ids["Initech"]
    for a in accounts.values():
        assert set(a["health"]) == {"score", "band", "trend"}
        assert a["snapshot_on"] == DAY.isoformat() and 1 <= a["relationship"] <= 5


def test_json_needs_a_key_and_another_workspace_sees_nothing(demo: Demo) -> None:
    path = f"/v1/accounts/{demo.ids['Initech']}/map"
    for r in (
        demo.client.get(path),
        demo.get(path, key="tl_nope"),
        demo.client.get("/web/accounts.json"),
    ):
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
    r = demo.get(path, key=demo.other_key)
    assert r.status_code == 404 and r.json()["detail"] == f"no account {demo.ids['Initech']}"
    assert demo.get("/web/accounts.json", key=demo.other_key).json()["accounts"] == []
    assert demo.get("/v1/accounts/999999/map").status_code == 404
    r = demo.get(path, as_of="not-a-day")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "as_of"


def test_tenancy_on_both_backends(api: Api) -> None:
    """The same account id through each workspace's key (SQLite and PostgreSQL)."""
    own = api.get(f"/v1/accounts/{api.a.account_id}/map")
    assert own.status_code == 200 and own.json()["account"]["name"] == "Acme Logistics"
    assert any(n["side"] == "them" for n in own.json()["nodes"])
    assert api.get(f"/v1/accounts/{api.a.account_id}/map", ws=api.b).status_code == 404
    names = {a["name"] for a in api.get("/web/accounts.json", ws=api.b).json()["accounts"]}
    assert "Bluth Co" not in names  # workspace a's extra accounts stay in a


_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_URL = re.compile(r"""https?://[^\s"'`)<>\\]+""")


def test_served_assets_reference_nothing_outside_the_app(demo: Demo) -> None:
    pages = [demo.client.get("/").text, demo.client.get(f"/accounts/{demo.ids['Initech']}").text]
    refs = {ref for page in pages for ref in _REF.findall(page)}
    assert refs >= {"/static/app.js", "/static/style.css", "/static/cytoscape.min.js"}
    assert all(ref.startswith("/") or ref.startswith("data:") for ref in refs), refs
    ours = [
        *pages,
        demo.client.get("/static/app.js").text,
        demo.client.get("/static/style.css").text,
    ]
    for text in ours:
        assert not _URL.findall(text), _URL.findall(text)
        assert "//cdn" not in text and "@import" not in text
        assert re.search(r"url\(\s*['\"]?(?:https?:)?//", text) is None
    vendored = demo.client.get("/static/cytoscape.min.js").text
    assert set(_URL.findall(vendored)) <= VENDORED_TEXT_URLS
    licence = Path(__file__).parents[2] / "tieline" / "api" / "static" / "cytoscape.LICENSE"
    assert "Cytoscape Consortium" in licence.read_text()
