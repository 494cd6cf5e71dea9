"""Relationship, flags and health on the bundled demo, scored with the real packaged model.

The demo's story pins each scenario: Acme Logistics is healthy and multi-threaded,
Globex is single-threaded and goes dark, Initech's champion departs, Umbrella Health
talks churn. Scoring runs once for the module (about 15 s on 2 cores).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import demo_copy
from tieline import service
from tieline.config import Settings, load_settings
from tieline.graph.health import blend
from tieline.store.db import make_engine, make_session_factory
from tieline.store.facts import snapshots

DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(
    scored_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Session, Settings]]:
    settings = demo_copy(scored_demo, tmp_path_factory.mktemp("demo") / "demo.db")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield session, settings
    engine.dispose()


def _accounts(demo: tuple[Session, Settings], day: date = DAY) -> dict[str, dict[str, Any]]:
    session, settings = demo
    _, assessed = service.accounts_with_health(
        session=session, settings=settings, as_of=service.end_of(day)
    )
    return assessed.accounts


def _raised(obj: dict[str, Any]) -> set[str]:
    return {name for name, flag in obj["flags"].items() if flag["raised"] and name != "ghosts"}


def test_each_demo_account_shows_its_story(demo: tuple[Session, Settings]) -> None:
    accounts = _accounts(demo)
    assert {name: _raised(obj) for name, obj in accounts.items()} == {
        "Acme Logistics": set(),
        "Globex": {"single_threaded", "gone_dark"},
        "Initech": {"departed_champion"},
        "Umbrella Health": {"churn_risk"},
    }
    acme, globex = accounts["Acme Logistics"], accounts["Globex"]
    scores = {name: obj["health"]["score"] for name, obj in accounts.items()}
    assert max(scores, key=lambda n: scores[n]) == "Acme Logistics"
    assert min(scores, key=lambda n: scores[n]) == "Globex"
    assert globex["health"]["band"] == "red"
    assert acme["relationship"]["breadth"] >= 3 and acme["relationship"]["executive_covered"]
    assert acme["relationship"]["score"] > globex["relationship"]["score"]
    # Why Globex is red: the reasons name the components that pull it down, with evidence.
    reasons = [r["text"] for r in globex["health"]["reasons"]]
    assert any("Engagement" in r and "0 inbound in the last 30 days" in r for r in reasons)
    assert globex["flags"]["gone_dark"]["evidence"]["outreach"] >= 2
    umbrella = accounts["Umbrella Health"]["flags"]["churn_risk"]["evidence"]["quotes"]
    assert umbrella and all(isinstance(q, str) and q for q in umbrella)
    # Issue 13: the healthy account is green, churn language makes Umbrella red with the
    # reason quoting the customer, Globex's dark spell is an event with the last message.
    bands = {name: obj["health"]["band"] for name, obj in accounts.items()}
    assert bands == {"Acme Logistics": "green", "Globex": "red", "Initech": "yellow",
                     "Umbrella Health": "red"}  # fmt: skip
    churn = accounts["Umbrella Health"]["health"]["reasons"][0]["text"]
    assert churn.startswith("Churn notice from ") and "renew" in churn
    dark = next(e for e in globex["health"]["events"] if e["rule"] == "gone_dark")
    assert "(last: " in dark["text"] and "Karen Mills" in dark["text"]


def test_point_in_time_before_the_trouble(demo: tuple[Session, Settings]) -> None:
    early = _accounts(demo, date(2026, 8, 31))
    assert not _raised(early["Globex"]) & {"gone_dark"}
    assert "departed_champion" not in _raised(early["Initech"])
    assert early["Globex"]["health"]["score"] > _accounts(demo)["Globex"]["health"]["score"]


def test_people_carry_role_strength_and_departure(demo: tuple[Session, Settings]) -> None:
    session, settings = demo
    people = {p.name: p for p in service.list_people(session=session, settings=settings)}
    scored = service.assess(session=session, settings=settings, as_of=service.end_of(DAY)).people
    laura = scored[people["Laura Benson"].id]  # Initech's champion, no longer with Initech
    assert laura["departed"] is not None and "no longer" in laura["departure_evidence"].lower()
    dana = scored[people["Dana Whitfield"].id]
    assert dana["engaged"] and 1 <= dana["relationship"]["score"] <= 5
    assert set(dana["relationship"]["components"]) <= {
        "frequency", "recency", "reciprocity", "channel_diversity", "sentiment",
        "responsiveness", "open_items", "duration",
    }  # fmt: skip
    assert all(0.0 <= v <= 1.0 for v in dana["relationship"]["components"].values())
    roles = {scored[people[n].id]["role"] for n in ("Dana Whitfield", "Rachel Kim", "Raj Patel")}
    assert "champion" in roles or "economic_buyer" in roles


def test_snapshots_give_the_trend(demo: tuple[Session, Settings]) -> None:
    session, settings = demo
    service.take_snapshot(
        session=session, settings=settings, as_of=service.end_of(date(2026, 11, 13))
    )
    later = service.take_snapshot(session=session, settings=settings, as_of=service.end_of(DAY))
    ws_snaps = snapshots(session, workspace_id=1, on=DAY)
    assert len(ws_snaps) == 4
    for name, health in later.health.items():
        before = snapshots(session, workspace_id=1, on=date(2026, 11, 13))[later.account_ids[name]]
        assert health.trend == pytest.approx(round(health.score - before.score, 1))  # type: ignore[operator]
    session.rollback()


SEED = """
[health]
points_max = 10
[health.weights]
setup_rate = 25
usage_rate = 25
nps = 25
csm_pulse = 25
[[health.points.setup_rate]]
min = 80
points = 10
[[health.points.setup_rate]]
min = 50
points = 5
[[health.points.usage_rate]]
min = 8
points = 10
[[health.points.usage_rate]]
min = 5
points = 5
[[health.points.nps]]
min = 50
points = 10
[[health.points.nps]]
min = 0
points = 5
[[health.points.csm_pulse]]
min = 8
points = 10
[[health.points.csm_pulse]]
min = 5
points = 5
[health.segments.usage_led.weights]
setup_rate = 20
usage_rate = 40
nps = 20
csm_pulse = 20
"""


def test_seed_health_example_through_the_workspace_config(tmp_path: Path) -> None:
    """Seed 002 "Customer Health Score Example": raw 7.5 and weighted 7.0 of 10."""
    config = tmp_path / "tieline.toml"
    config.write_text(SEED)
    settings = load_settings(config_file=config)
    assert settings.health == tomllib.loads(SEED)["health"]
    health = service.relationships.health_config(settings)
    inputs = {"setup_rate": 80.0, "usage_rate": 6.0, "nps": 32.0, "csm_pulse": 9.0}
    raw = blend(inputs, health.for_segment(None))
    weighted = blend(inputs, health.for_segment("usage_led"))
    assert [raw.components[k].points for k in inputs] == [10, 5, 5, 10]
    assert (raw.score, weighted.score) == (75.0, 70.0)
    assert raw.raw_mean == 75.0


def test_as_of_is_the_end_of_the_day() -> None:
    assert service.end_of(date(2026, 11, 1)) == datetime(2026, 11, 1, 23, 59, 59, 999999, UTC)
