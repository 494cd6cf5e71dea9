"""The weekly digest on the bundled demo, scored with the real packaged model.

Week 2026-W46 is when Umbrella Health talks churn (a "if we do not renew" question,
negative messages about the export and audit logs); 2026-W38 is when Initech's champion
leaves. Scoring runs once for the module (about 15 s on 2 cores); each test rolls back.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.conftest import demo_copy
from tieline import service
from tieline.config import Settings
from tieline.errors import NotFound, TielineError
from tieline.service import digest_render, mailer
from tieline.service.digest import Week, build_digest, last_complete_week, parse_week
from tieline.store.db import make_engine, make_session_factory
from tieline.store.facts import snapshots
from tieline.store.models import AccountSnapshot, Message, RevenueMovement

NOW = datetime(2026, 11, 30, tzinfo=UTC)
W46 = Week(2026, 46)
BASE = "https://tieline.example.com"


@pytest.fixture(scope="module")
def demo_db(
    scored_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Session, Settings]]:
    settings = demo_copy(scored_demo, tmp_path_factory.mktemp("digest") / "demo.db")
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        yield session, settings
    engine.dispose()


@pytest.fixture
def demo(demo_db: tuple[Session, Settings]) -> Iterator[tuple[Session, Settings]]:
    yield demo_db
    demo_db[0].rollback()  # snapshots taken and rows added by a test go away


def _digest(demo: tuple[Session, Settings], week: Week = W46, **kw: Any) -> dict[str, Any]:
    session, settings = demo
    return build_digest(session=session, settings=settings, week=week, now=NOW, **kw)


def _items(acc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [i for i in acc["items"] if i["kind"] == kind]


def test_worst_first_with_quotes_and_links(demo: tuple[Session, Settings]) -> None:
    session, _ = demo
    d = _digest(demo, base_url=BASE + "/")
    assert (d["week"], d["start"], d["end"], d["previous_week"]) == (
        "2026-W46", "2026-11-09", "2026-11-15", "2026-W45",
    )  # fmt: skip
    names = [a["name"] for a in d["accounts"]]
    assert sorted(names) == ["Acme Logistics", "Globex", "Initech", "Umbrella Health"]
    assert names[0] == "Umbrella Health"  # the week's churn talk outranks everything
    severities = [a["severity"] for a in d["accounts"]]
    assert severities == sorted(severities, reverse=True)
    for acc in d["accounts"]:
        assert acc["link"] == f"{BASE}/accounts/{acc['id']}"
        assert all(i["link"] == acc["link"] for i in acc["items"])
        item_sev = [i["severity"] for i in acc["items"]]
        assert item_sev == sorted(item_sev, reverse=True)
    umbrella = d["accounts"][0]
    assert "churn_risk" in umbrella["flags"]["new"]
    churn = _items(umbrella, "churn_risk")
    assert churn and "not renew" in churn[0]["quote"]
    quotes = _items(umbrella, "negative_message")
    assert 1 <= len(quotes) <= 3
    assert [q["score"] for q in quotes] == sorted(q["score"] for q in quotes)
    for q in quotes:  # the worst sentence, cut from the stored body, from inside the week
        body = session.get(Message, q["message_id"])
        assert body is not None and q["quote"] in body.body and q["score"] < 0
        assert "2026-11-09" <= q["at"][:10] <= "2026-11-15"
    assert any("export" in q["quote"].lower() for q in quotes)
    # Issue 13: both weeks' snapshots were missing; the digest assessed them live and
    # stored nothing (a reading command never writes snapshots).
    ws = 1
    assert snapshots(session, workspace_id=ws, on=date(2026, 11, 15)) == {}
    assert snapshots(session, workspace_id=ws, on=date(2026, 11, 8)) == {}
    json.dumps(d)  # JSON-ready as it is


def test_aging_items_we_owe(demo: tuple[Session, Settings]) -> None:
    d = _digest(demo)
    end = datetime.fromisoformat(d["as_of"])
    aging = [i for a in d["accounts"] for i in _items(a, "aging_item")]
    assert aging and d["summary"]["aging_items"] == len(aging)
    for it in aging:
        asked = datetime.fromisoformat(it["asked_at"])
        assert it["age_days"] >= 7 and end - asked >= timedelta(days=7)
        assert end - asked <= timedelta(days=90)
        assert it["overdue"] == (it["due"] is not None and it["due"] < d["as_of"])
    assert any(it["overdue"] for it in aging) and any("overdue" in it["text"] for it in aging)


def test_reads_stored_snapshots(demo: tuple[Session, Settings]) -> None:
    session, settings = demo
    service.take_snapshot(session=session, settings=settings,
                          as_of=service.end_of(date(2026, 11, 8)))  # fmt: skip
    acme = 1
    session.execute(
        update(AccountSnapshot)
        .where(AccountSnapshot.account_id == acme, AccountSnapshot.on == date(2026, 11, 8))
        .values(score=99.0, band="green")
    )
    acc = next(a for a in _digest(demo)["accounts"] if a["id"] == acme)
    assert acc["health"]["previous_score"] == 99.0 and acc["health"]["previous_band"] == "green"
    drop = _items(acc, "health_drop")[0]
    assert "99 →" in drop["text"] and drop["severity"] == pytest.approx(-acc["health"]["change"])
    assert _items(acc, "band_change")[0]["text"] == "Band green → yellow"


def test_departures_of_the_week(demo: tuple[Session, Settings]) -> None:
    d = _digest(demo, week=Week(2026, 38))
    initech = next(a for a in d["accounts"] if a["name"] == "Initech")
    departed = _items(initech, "departure")
    assert departed and departed[0]["person"] == "Laura Benson"
    assert "no longer" in departed[0]["quote"].lower()
    assert d["summary"]["departures"] >= 1


def test_owner_filter_and_revenue_owner(demo: tuple[Session, Settings]) -> None:
    session, _ = demo
    d = _digest(demo, owner="Sam.Ortiz@northwind.io")
    assert {a["name"] for a in d["accounts"]} == {"Acme Logistics", "Globex"}
    assert all(a["owner"]["email"] == "sam.ortiz@northwind.io" for a in d["accounts"])
    assert d["owner"] == "Sam.Ortiz@northwind.io"
    everyone = _digest(demo)
    assert {o["email"] for o in everyone["owners"]} == {
        "sam.ortiz@northwind.io", "priya.natarajan@northwind.io",
    }  # fmt: skip
    with pytest.raises(NotFound):
        _digest(demo, owner="nobody@northwind.io")
    # An imported revenue owner beats "who writes most"; its MRR change is reported.
    for day, kind, amount in ((date(2026, 10, 1), "new", 1000.0),
                              (date(2026, 11, 12), "expansion", 200.0)):  # fmt: skip
        session.add(RevenueMovement(workspace_id=1, account="Globex", account_id=2, on=day,
                                    kind=kind, amount=amount, owner="jo@northwind.io",
                                    row_key=f"k{day}"))  # fmt: skip
    session.flush()
    jo = _digest(demo, owner="jo@northwind.io")
    (globex,) = jo["accounts"]
    assert globex["name"] == "Globex" and globex["owner"]["source"] == "revenue"
    assert globex["kpis"]["mrr"]["change"] == pytest.approx(200.0)


def test_formats(demo: tuple[Session, Settings]) -> None:
    d = _digest(demo, base_url=BASE)
    md = digest_render.render(d, "md")
    assert md.startswith("# Weekly digest 2026-W46 — demo")
    assert md.index("## [Umbrella Health]") < md.index("## [Acme Logistics]")
    assert f"({BASE}/accounts/4)" in md and "not renew" in md
    html = digest_render.render(d, "html")
    assert html.count("<table") >= 2 and 'style="' in html and "<td" in html
    assert "<style" not in html and "<link" not in html and "<script" not in html
    assert "src=" not in html  # no external assets
    assert f'href="{BASE}/accounts/4"' in html
    assert "“" in html and "&lt;" not in md  # quotes kept, text escaped only in HTML
    text = digest_render.render(d, "text")
    assert not re.search(r"<(table|td|a|div)\b", text) and f"{BASE}/accounts/4" in text
    assert "Umbrella Health" in text and "not renew" in text
    assert "2026-W46" in digest_render.subject(d)
    with pytest.raises(ValueError):
        digest_render.render(d, "pdf")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_send_to_a_local_smtp_server(demo: tuple[Session, Settings]) -> None:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    d = _digest(demo)
    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mailer.send(
            host="127.0.0.1", port=port, sender="digest@northwind.io",
            to=["sam.ortiz@northwind.io"], subject=digest_render.subject(d),
            text=digest_render.render_text(d), html=digest_render.render_html(d),
        )  # fmt: skip
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["sam.ortiz@northwind.io"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"].startswith("Tieline weekly digest 2026-W46")
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    assert list(parts) == ["text/plain", "text/html"]
    assert "Umbrella Health" in parts["text/plain"] and "<table" in parts["text/html"]
    with pytest.raises(TielineError, match="could not send"):
        mailer.send(host="127.0.0.1", port=_free_port(), sender="a@b.c", to=["x@y.z"],
                    subject="s", text="t", html="<p>h</p>", timeout=2)  # fmt: skip


def test_weeks() -> None:
    assert parse_week("2026-W05") == Week(2026, 5) and str(Week(2026, 5)) == "2026-W05"
    assert Week(2026, 1).previous == Week(2025, 52)
    assert (W46.monday, W46.sunday) == (date(2026, 11, 9), date(2026, 11, 15))
    assert last_complete_week(date(2026, 11, 20)) == Week(2026, 46)
    for bad in ("2026-W54", "2026-47", "W46", ""):
        with pytest.raises(TielineError) as info:
            parse_week(bad)
        assert info.value.status_code == 422
