"""Relationship strength, account flags and customer health, as of a date.

Reads the scored conversations (``tieline score``) as domain values, builds the
stakeholder graph (:mod:`tieline.graph`), scores people and accounts and blends each
account's health from its signals. ``assess`` returns JSON-ready objects for the CLI
and the API; ``snapshot`` stores them per account and date so trends and digests read
them back instead of recomputing. Re-scoring only some accounts (``account_ids``) loads
and scores just their people and messages.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from tieline import domain
from tieline.config import Settings
from tieline.graph.account_health import WINDOW, score_accounts
from tieline.graph.accounts import Flag
from tieline.graph.health import Health, HealthConfig
from tieline.graph.health_config import config_from_mapping
from tieline.graph.stakeholders import person_label
from tieline.graph.strength import Strength, pair_strength
from tieline.nlp.titles import executive_title
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store import views as store_views

__all__ = ["Assessment", "assess", "end_of", "health_config", "snapshot"]

HEALTH_EVENTS = ("churn_risk", "expansion", "escalation")
DEPARTURE_CONFIDENCE = 0.6
BOUNCE_DEPARTURE_CONFIDENCE = 0.9  # a permanent "user unknown" bounce: the mailbox is gone


def end_of(day: date) -> datetime:
    """The last instant of ``day`` in UTC: ``--as-of 2026-11-01`` includes that day."""
    return datetime.combine(day, time.max, UTC)


def health_config(settings: Settings) -> HealthConfig:
    try:
        return config_from_mapping(settings.health)
    except ValueError as exc:
        from tieline.errors import ConfigError

        raise ConfigError(f"invalid [health] configuration: {exc}") from exc


def _stakeholders(
    session: Session,
    ws: int,
    *,
    as_of: datetime,
    account_ids: Sequence[int] | None,
    roles: Mapping[str, str],
) -> tuple[list[domain.Stakeholder], dict[int, facts.PersonRow]]:
    rows = facts.people(session, workspace_id=ws, account_ids=account_ids)
    override = {r.id: roles[e] for r in rows for e in r.emails if e in roles}
    departed: dict[int, tuple[datetime, str]] = {}
    executives: set[int] = set()
    kinds = ("departure", "bounce", "executive")
    for person, author, kind, evidence, at, confidence, _ in facts.events(
        session, workspace_id=ws, kinds=kinds, until=as_of
    ):
        if kind == "executive":
            executives.add(person if person is not None else author)
        elif person is not None and person not in departed:
            if (kind == "departure" and confidence >= DEPARTURE_CONFIDENCE) or (
                kind == "bounce" and confidence >= BOUNCE_DEPARTURE_CONFIDENCE
            ):
                departed[person] = (at, f"{kind}: {evidence[:300]}")
    people = [
        domain.Stakeholder(
            id=r.id,
            name=r.name,
            internal=r.internal,
            account=r.account,
            title=r.title,
            executive=executive_title(r.title) or r.id in executives,
            departed_at=departed[r.id][0] if r.id in departed else None,
            departure_evidence=departed[r.id][1] if r.id in departed else "",
            role_override=override.get(r.id),
            automated=r.automated,
            email=r.emails[0] if r.emails else "",
        )
        for r in rows
    ]
    return people, {r.id: r for r in rows}


@dataclass
class Assessment:
    """Everything scored as of one date; JSON-ready per account and per person."""

    as_of: datetime
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by account name
    people: dict[int, dict[str, Any]] = field(default_factory=dict)  # external people
    health: dict[str, Health] = field(default_factory=dict)
    account_ids: dict[str, int] = field(default_factory=dict)


def _strength_json(s: Strength) -> dict[str, Any]:
    return {
        "score": s.score,
        "value": round(s.value, 4),
        "components": {k: round(v, 4) for k, v in s.components.items()},
        "weights": {k: round(v, 4) for k, v in s.weights.items()},
        "missing": list(s.missing),
        "evidence": dict(s.evidence),
        "reasons": list(s.reasons),
    }


def _flag_json(f: Flag) -> dict[str, Any]:
    return {"raised": f.raised, "reason": f.reason, "evidence": dict(f.evidence)}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


def _event_facts(session: Session, ws: int, as_of: datetime) -> list[domain.EventFact]:
    """The lifecycle events health reads (churn, expansion, escalation) up to ``as_of``."""
    return [
        domain.EventFact(
            kind=kind,
            at=at,
            message_id=message,
            author=author,
            person=person,
            evidence=evidence,
            confidence=confidence,
        )  # fmt: skip
        for person, author, kind, evidence, at, confidence, message in facts.events(
            session, workspace_id=ws, kinds=HEALTH_EVENTS, until=as_of
        )
    ]


def assess(
    *,
    session: Session,
    settings: Settings,
    as_of: datetime | None = None,
    account_ids: Sequence[int] | None = None,
    kpis: Mapping[str, Mapping[str, float | None]] | None = None,
    trend: bool = True,
    pairs: bool = False,
) -> Assessment:
    """Score people and accounts as of ``as_of`` (default: now); some accounts only.

    Nothing after ``as_of`` counts. With ``pairs``, each external person also gets
    ``relationships``: the strength of each (our person, them) pair, strongest first.
    """
    as_of = as_of or datetime.now(UTC)
    ws = repo.get_workspace_id(session, settings.workspace)
    roles_by_email = {e.lower(): role for e, role in settings.roles.items()}
    people, rows = _stakeholders(
        session, ws, as_of=as_of, account_ids=account_ids, roles=roles_by_email
    )
    interactions = facts.interactions(
        session, workspace_id=ws, until=as_of, account_ids=account_ids
    )
    item_facts = facts.items(session, workspace_id=ws, until=as_of, account_ids=account_ids)
    names = facts.account_names(session, workspace_id=ws)
    wanted = sorted(names[a] for a in account_ids) if account_ids is not None else None
    # The workspace's override set through the API applies over the [health] file.
    override = store_views.load_health_config(session, workspace_id=ws)
    config = health_config(
        settings.model_copy(update={"health": {**settings.health, **override}})
        if override
        else settings
    )
    scored = score_accounts(
        people,
        interactions,
        item_facts,
        _event_facts(session, ws, as_of),
        as_of=as_of,
        config=config,
        segments={a.name: a.segment for a in settings.accounts if a.segment},
        kpis=kpis,
        accounts=wanted,
    )
    G, strengths, roles = scored.graph, scored.strengths, scored.roles
    by_id = {p.id: p for p in people}
    previous: dict[int, float | None] = {}
    if trend:
        previous = facts.previous_scores(
            session, workspace_id=ws, before=as_of.date(), account_ids=account_ids
        )
    result = Assessment(as_of=as_of, account_ids={v: k for k, v in names.items()})
    for name, rel in scored.relationships.items():
        health = scored.health[name]
        before = previous.get(result.account_ids.get(name, -1))
        if before is not None and health.score is not None:
            health = replace(health, trend=round(health.score - before, 1))
        result.health[name] = health
        talk = scored.conversations[name]
        churn = [e for e in talk.events if e.kind == "churn_risk" and as_of - e.at <= WINDOW]
        by_message = {m.message_id: m for m in talk.inbound}
        flags = {
            "single_threaded": _flag_json(rel.single_threaded),
            "gone_dark": _flag_json(rel.gone_dark),
            "departed_champion": _flag_json(rel.departed_champion),
            "churn_risk": {
                "raised": bool(churn),
                "reason": "churn-risk language in the last 90 days" if churn else "",
                "evidence": {
                    "quotes": [e.evidence[:300] for e in churn[-3:]],
                    "messages": [
                        _message_json(G, by_message.get(e.message_id), e) for e in churn[-3:]
                    ],
                },
            },
            "ghosts": _flag_json(rel.ghosts),
        }
        result.accounts[name] = {
            "health": health.to_dict(),
            "relationship": {
                "score": rel.score,
                "value": round(rel.value, 4),
                "components": {k: round(v, 4) for k, v in rel.components.items()},
                "weights": dict(rel.weights),
                "people": rel.people,
                "breadth": rel.breadth,
                "executive_covered": rel.executive_covered,
                "champion": rel.champion,
                "champion_name": person_label(G, rel.champion) if rel.champion else None,
                "evidence": dict(rel.evidence),
            },
            "flags": flags,
            **{k: v["raised"] for k, v in flags.items() if k != "ghosts"},
        }
    for pid, strength in strengths.items():
        d = G.nodes[pid]
        p = by_id[pid]
        result.people[pid] = {
            "relationship": _strength_json(strength),
            "role": roles.get(pid, "user"),
            "departed": p.departed_at.date().isoformat() if p.departed_at else None,
            "departure_evidence": p.departure_evidence or None,
            "engaged": bool(d.get("sent", 0)),
        }
    if pairs:
        for (ours, theirs), st in sorted(
            pair_strength(G, as_of=as_of, accounts=wanted).items(), key=lambda kv: -kv[1].value
        ):
            if theirs in result.people:
                result.people[theirs].setdefault("relationships", []).append(
                    {"with": ours, "name": by_id[ours].name, **_strength_json(st)}
                )
    for pid, row in rows.items():  # people the graph never saw (no messages yet)
        if not row.internal and pid not in result.people and not row.automated:
            result.people[pid] = {"relationship": None, "role": "user", "departed": None,
                                  "departure_evidence": None, "engaged": False}  # fmt: skip
    return result


def _message_json(G: Any, m: domain.Interaction | None, e: domain.EventFact) -> dict[str, Any]:
    return {
        "message_id": e.message_id,
        "at": e.at,
        "from": person_label(G, e.author) if e.author in G else None,
        "subject": m.subject if m is not None else None,
    }


def snapshot(
    *,
    session: Session,
    settings: Settings,
    as_of: datetime | None = None,
    kpis: Mapping[str, Mapping[str, float | None]] | None = None,
) -> Assessment:
    """Assess every account as of ``as_of`` and store it as that day's snapshot."""
    result = assess(session=session, settings=settings, as_of=as_of, kpis=kpis)
    ws = repo.get_workspace_id(session, settings.workspace)
    rows = []
    for name, obj in result.accounts.items():
        health = result.health[name]
        rows.append(
            {
                "account_id": result.account_ids[name],
                "score": health.score,
                "band": health.band.value if health.band else None,
                "relationship": obj["relationship"]["score"],
                "flags": sorted(k for k, v in obj["flags"].items() if v["raised"]),
                "trend": health.trend,
                # The account object as `accounts --format json` gives it, with its KPIs.
                "payload": _jsonable({**obj, "kpis": dict((kpis or {}).get(name, {}))}),
            }
        )
    facts.save_snapshots(session, workspace_id=ws, on=result.as_of.date(), rows=rows)
    return result


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
