"""The stakeholder map of one account and the accounts overview, as the web page draws them.

:func:`account_map` scores one account (:func:`~tieline.service.relationships.assess`
with its (our person, their person) pairs) and returns a graph: our people and theirs
as nodes, each pair that exchanged messages as an edge. Node fields:

- ``strength`` — their relationship strength 1-5 with its ``components`` and ``reasons``
  (``None`` for our people: strength is a property of a customer relationship).
- ``influence`` 0-1 — for their people ``0.6 * role weight + 0.4 * volume share``
  (:data:`ROLE_WEIGHT`; volume share = their messages in + out over the busiest
  person of the account's), halved for people who have left; for ours
  ``0.3 + 0.7 * volume share`` among our people on this account.
- ``former_champion`` — the departed champion the account's flag names.
- ``dark`` — one of theirs, still there, who has not written to us for
  :data:`DARK_DAYS` days (or never).
- ``open_items`` — items we owe them that are still open; ``sentiment`` — the decayed
  (30-day half-life) mean score of their messages to us.

The map defaults to the day of the workspace's latest snapshot so that it shows the same
moment as the accounts page; ``as_of`` asks for another day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tieline import service
from tieline.config import Settings
from tieline.errors import NotFound
from tieline.service.relationships import assess, end_of
from tieline.store import facts
from tieline.store import repository as repo

__all__ = ["DARK_DAYS", "ROLE_WEIGHT", "account_map", "accounts_overview", "default_day"]

DARK_DAYS = 30
ROLE_WEIGHT = {"economic_buyer": 1.0, "champion": 0.85, "power_user": 0.55, "user": 0.3}
FLAGS = ("single_threaded", "gone_dark", "departed_champion", "churn_risk")


def default_day(session: Session, *, workspace_id: int) -> date:
    """The day of the workspace's latest snapshot, else today (UTC)."""
    latest = facts.snapshots(session, workspace_id=workspace_id, before=date.max)
    return max((s.on for s in latest.values()), default=datetime.now(UTC).date())


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def accounts_overview(
    *, session: Session, settings: Settings, as_of: date | None = None
) -> dict[str, Any]:
    """Every account with its latest snapshot (on or before ``as_of``): health score, band,
    trend, relationship, flags; the activity counts stop at the day shown."""
    ws = repo.get_workspace_id(session, settings.workspace)
    latest = facts.snapshots(
        session, workspace_id=ws, before=as_of + timedelta(days=1) if as_of else date.max
    )
    days = [s.on for s in latest.values()]
    shown = max(days) if days else as_of
    accounts = service.list_accounts(
        session=session, settings=settings, as_of=end_of(shown) if shown else None
    )
    rows = []
    for a in accounts:
        snap = latest.get(a.id)
        health = (snap.payload.get("health") or {}) if snap is not None else {}
        rows.append(
            {
                "id": a.id,
                "name": a.name,
                "domains": list(a.domains),
                "people": a.people,
                "messages": a.messages,
                "last_message": _iso(a.last_message_at),
                "snapshot_on": _iso(snap.on) if snap is not None else None,
                "health": {
                    "score": snap.score if snap is not None else None,
                    "band": snap.band if snap is not None else None,
                    "trend": health.get("trend"),
                },
                "relationship": snap.relationship if snap is not None else None,
                "flags": [f for f in snap.flags if f in FLAGS] if snap is not None else [],
            }
        )
    return {"as_of": _iso(shown), "requested": _iso(as_of), "accounts": rows}


def _kpis(session: Session, settings: Settings, day: date) -> dict[str, dict[str, float | None]]:
    # The same KPI inputs as take_snapshot, so the map's health equals the stored one.
    period = service.last_complete_month(day)
    accounts = service.list_accounts(session=session, settings=settings, kpi_period=period)
    return {a.name: dict(a.kpis) for a in accounts if a.kpis}


def account_map(
    *, session: Session, settings: Settings, account_id: int, as_of: date | None = None
) -> dict[str, Any]:
    """The stakeholder graph of one account of the settings' workspace (see the module)."""
    ws = repo.get_workspace_id(session, settings.workspace)
    names = facts.account_names(session, workspace_id=ws)
    if account_id not in names:
        raise NotFound(f"no account {account_id}")
    name = names[account_id]
    day = as_of or default_day(session, workspace_id=ws)
    at = end_of(day)
    result = assess(
        session=session,
        settings=settings,
        as_of=at,
        account_ids=[account_id],
        kpis=_kpis(session, settings, day),
        pairs=True,
    )
    rows = {r.id: r for r in facts.people(session, workspace_id=ws, account_ids=[account_id])}
    # The day's stored snapshot, when there is one, is what the accounts page shows; scoring
    # one account alone can move its health a little (engagement is judged against the
    # median account), so the header reads the snapshot and the people the fresh scores.
    snap = facts.snapshots(session, workspace_id=ws, on=day).get(account_id)
    obj = snap.payload if snap is not None and snap.payload else result.accounts.get(name)
    flags = obj["flags"] if obj else {}
    raised = [f for f in FLAGS if flags.get(f, {}).get("raised")]
    health = obj["health"] if obj else {}

    theirs = {
        pid: p
        for pid, p in result.people.items()
        if pid in rows and rows[pid].account_id == account_id
    }
    edges: list[dict[str, Any]] = []
    ours_volume: dict[int, int] = {}
    for pid, p in theirs.items():
        for pair in p.get("relationships", ()):
            ev = pair["evidence"]
            messages = int(ev["messages_in"]) + int(ev["messages_out"])
            ours_volume[pair["with"]] = ours_volume.get(pair["with"], 0) + messages
            edges.append(
                {
                    "source": pair["with"],
                    "target": pid,
                    "weight": pair["value"],
                    "strength": pair["score"],
                    "messages": messages,
                    "messages_in": ev["messages_in"],
                    "messages_out": ev["messages_out"],
                    "last_contact": _iso(ev["last_contact"]),
                    "open_items": int(ev["open_owed_by_us"]),
                }
            )

    def volume(p: dict[str, Any]) -> int:
        rel = p["relationship"]
        return int(rel["evidence"]["messages_in"] + rel["evidence"]["messages_out"]) if rel else 0

    busiest = max((volume(p) for p in theirs.values()), default=0) or 1
    gone = flags.get("departed_champion", {})
    champion = gone.get("evidence", {}).get("person") if gone.get("raised") else None
    nodes = [
        _their_node(rows[pid], p, share=volume(p) / busiest, at=at, champion=pid == champion)
        for pid, p in theirs.items()
    ]
    nodes.sort(key=lambda n: (-(n["strength"] or 0), -n["influence"], n["name"]))
    ours_max = max(ours_volume.values(), default=0) or 1
    ours = [
        _our_node(rows[pid], messages=n, share=n / ours_max, edges=edges)
        for pid, n in ours_volume.items()
        if pid in rows
    ]
    ours.sort(key=lambda n: (-n["messages"], n["name"]))
    return {
        "as_of": day.isoformat(),
        "account": {
            "id": account_id,
            "name": name,
            "health": {
                "score": health.get("score"),
                "band": health.get("band"),
                "trend": health.get("trend"),
                "reasons": [r["text"] for r in health.get("reasons", ())],
            },
            "relationship": obj["relationship"]["score"] if obj else None,
            "flags": raised,
            "flag_reasons": {f: flags[f]["reason"] for f in raised},
        },
        "nodes": ours + nodes,
        "edges": edges,
    }


def _their_node(
    row: facts.PersonRow, p: dict[str, Any], *, share: float, at: datetime, champion: bool
) -> dict[str, Any]:
    rel = p["relationship"]
    ev = rel["evidence"] if rel else {}
    departed = p["departed"] is not None
    last_in = _when(ev.get("last_inbound"))
    dark = not departed and (last_in is None or at - last_in > timedelta(days=DARK_DAYS))
    influence = 0.6 * ROLE_WEIGHT.get(p["role"], 0.3) + 0.4 * share
    if departed:
        influence /= 2
    return {
        "id": row.id,
        "name": row.name,
        "side": "them",
        "title": row.title,
        "role": p["role"],
        "strength": rel["score"] if rel else None,
        "value": rel["value"] if rel else None,
        "influence": round(influence, 3),
        "departed": departed,
        "departed_on": p["departed"],
        "departure_evidence": p["departure_evidence"],
        "former_champion": champion,
        "dark": dark,
        "last_contact": _iso(ev.get("last_contact")),
        "last_inbound": _iso(last_in),
        "messages": int(ev.get("messages_in", 0)) + int(ev.get("messages_out", 0)),
        "messages_in": ev.get("messages_in", 0),
        "messages_out": ev.get("messages_out", 0),
        "components": dict(rel["components"]) if rel else {},
        "missing": list(rel["missing"]) if rel else [],
        "reasons": list(rel["reasons"]) if rel else [],
        "open_items": int(ev.get("open_owed_by_us", 0)),
        "overdue_items": int(ev.get("overdue_owed_by_us", 0)),
        "sentiment": _round(ev.get("mean_sentiment")),
    }


def _our_node(
    row: facts.PersonRow, *, messages: int, share: float, edges: list[dict[str, Any]]
) -> dict[str, Any]:
    mine = [e for e in edges if e["source"] == row.id]
    last = max((e["last_contact"] for e in mine if e["last_contact"]), default=None)
    return {
        "id": row.id,
        "name": row.name,
        "side": "us",
        "title": row.title,
        "role": None,
        "strength": None,
        "value": None,
        "influence": round(0.3 + 0.7 * share, 3),
        "departed": False,
        "departed_on": None,
        "departure_evidence": None,
        "former_champion": False,
        "dark": False,
        "last_contact": last,
        "last_inbound": None,
        "messages": messages,
        "messages_in": sum(int(e["messages_in"]) for e in mine),
        "messages_out": sum(int(e["messages_out"]) for e in mine),
        "components": {},
        "missing": [],
        "reasons": [],
        "open_items": sum(e["open_items"] for e in mine),
        "overdue_items": 0,
        "sentiment": None,
    }
