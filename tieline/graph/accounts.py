"""Account relationships: how well, how widely and how safely we are connected.

Components (0-1, higher is better; weights in :data:`ACCOUNT_WEIGHTS`):

- ``depth`` — mean strength value of the account's best three people.
- ``breadth`` — people at strength >= 3, divided by 3 (capped at 1).
- ``executive_coverage`` — 1 if an executive (or economic buyer) is at >= 3, 0.5 if one
  has written to us at all, else 0.
- ``threading`` — ``(1 - top share) / 0.5`` capped at 1: the top person's share of the
  account's person-messages (in + out, last 90 days, all time if none) — 50% or less is 1;
  0 while the account never wrote to us.
- ``recency`` — ``0.5 ** (days since the account's last message to us / 14)``.

``score`` maps ``value`` through the same cut-points as person strength. Flags (each
with its evidence; none changes the score, the health blend decides what they cost):

- ``single_threaded`` — one person carries >= ``single_thread_share`` (60%) of the
  account's person-messages, fewer than 2 people are at >= 3, and there are at least 4.
- ``gone_dark`` — the account wrote to us before, then nothing for ``dark_days`` (30)
  while we sent at least ``min_outreach`` (2) messages to it in those days.
- ``departed_champion`` — someone who departed at or before the scoring date, within
  ``champion_memory_days`` (180), was the account's champion when they left.
- ``ghosts`` — people *we* addressed (To/Cc) at least ``ghost_min`` (3) times who never
  wrote anything.

Single-threaded, gone dark and ghosts need two-way conversation: the account wrote to
us at least once and we to it. An account that only ever received a mass mailing
raises none of them. Evidence names people (display name, else address), not ids.

Accounts are independent: ``accounts=[...]`` scores only those (say the ones new
messages touched) with the same result as scoring them all.

>>> from datetime import UTC, datetime, timedelta
>>> from tieline.domain import Channel, Interaction, Stakeholder
>>> from tieline.graph.stakeholders import stakeholder_graph
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Globex")]
>>> msgs = [Interaction(1, Channel.EMAIL, t0, 2, to=(1,))] + [
...     Interaction(i, Channel.EMAIL, t0 + timedelta(days=10 * i), 1, to=(2,)) for i in (2, 3, 4)]
>>> r = account_relationships(stakeholder_graph(people, msgs, as_of=t0 + timedelta(days=45)))
>>> r["Globex"].gone_dark.raised, r["Globex"].gone_dark.evidence["outreach"]
(True, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tieline.graph.roles import champion_at, infer_roles
from tieline.graph.stakeholders import DAY, count_in, graph_as_of, person_label
from tieline.graph.strength import WINDOW_DAYS, Strength, person_strength, score_of

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ACCOUNT_WEIGHTS", "AccountRelationship", "Flag", "account_relationships"]

ACCOUNT_WEIGHTS: Mapping[str, float] = {
    "depth": 0.35,
    "breadth": 0.20,
    "executive_coverage": 0.15,
    "threading": 0.15,
    "recency": 0.15,
}


@dataclass(frozen=True, slots=True)
class Flag:
    """A warning about an account: whether it is raised, why, and the facts behind it."""

    raised: bool
    reason: str
    evidence: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AccountRelationship:
    """An account's relationship score, its components and its warning flags."""

    account: str
    score: int
    value: float
    components: Mapping[str, float]
    weights: Mapping[str, float]
    people: int  # external people at the account (machines excluded)
    breadth: int  # people at strength >= 3
    executive_covered: bool
    champion: int | None
    single_threaded: Flag
    gone_dark: Flag
    departed_champion: Flag
    ghosts: Flag
    evidence: Mapping[str, Any]


def _when(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def account_relationships(
    G: nx.DiGraph,
    strengths: Mapping[int, Strength] | None = None,
    *,
    as_of: datetime | None = None,
    accounts: Iterable[str] | None = None,
    dark_days: int = 30,
    min_outreach: int = 2,
    ghost_min: int = 3,
    single_thread_share: float = 0.6,
    champion_memory_days: int = 180,
    weights: Mapping[str, float] | None = None,
) -> dict[str, AccountRelationship]:
    """Score each account of ``G`` (or those in ``accounts``); see the module for the rules.

    ``strengths`` are :func:`person_strength` results (computed when not given).
    """
    T = graph_as_of(G, as_of)
    index: Mapping[str, Mapping[str, Any]] = G.graph["accounts"]
    names = sorted(index if accounts is None else [a for a in accounts if a in index])
    if strengths is None:
        strengths = person_strength(G, as_of=as_of, accounts=names)
    roles = infer_roles(G, as_of=as_of, accounts=names)
    w = ACCOUNT_WEIGHTS if weights is None else weights
    out: dict[str, AccountRelationship] = {}
    for name in names:
        people = [p for p in index[name]["people"] if p in G and not G.nodes[p]["automated"]]
        out[name] = _account(
            G,
            name,
            people,
            strengths,
            roles,
            T=T,
            dark_days=dark_days,
            min_outreach=min_outreach,
            ghost_min=ghost_min,
            share=single_thread_share,
            memory=champion_memory_days,
            weights=w,
        )
    return out


def _account(
    G: nx.DiGraph,
    name: str,
    people: list[int],
    strengths: Mapping[int, Strength],
    roles: Mapping[int, str],
    *,
    T: float,
    dark_days: int,
    min_outreach: int,
    ghost_min: int,
    share: float,
    memory: int,
    weights: Mapping[str, float],
) -> AccountRelationship:
    index = G.graph["accounts"][name]
    nodes = G.nodes
    values = {p: strengths[p].value for p in people if p in strengths}
    scores = {p: strengths[p].score for p in people if p in strengths}
    top = sorted(values.values(), reverse=True)[:3]
    strong = sorted(p for p, s in scores.items() if s >= 3)
    execs = [p for p in people if nodes[p]["executive"] or roles.get(p) == "economic_buyer"]
    exec_strong = [p for p in execs if p in strong]
    start = T - WINDOW_DAYS * DAY
    load = {
        p: count_in(nodes[p]["in_times"], start, T) + count_in(nodes[p]["out_times"], start, T)
        for p in people
    }
    if not any(load.values()):
        load = {p: len(nodes[p]["in_times"]) + len(nodes[p]["out_times"]) for p in people}
    total = sum(load.values())
    top_person = max(sorted(load), key=lambda p: load[p]) if total else None
    top_share = load[top_person] / total if top_person is not None else 0.0
    inbound, outbound = index["inbound_times"], index["outbound_times"]
    last_in = inbound[-1] if inbound else None
    components = {
        "depth": sum(top) / len(top) if top else 0.0,
        "breadth": min(1.0, len(strong) / 3),
        "executive_coverage": 1.0
        if exec_strong
        else (0.5 if any(nodes[p]["inbound"] for p in execs) else 0.0),
        # Spread means nothing until they talk: recipients of a mailing are no threads.
        "threading": min(1.0, (1 - top_share) / 0.5) if total and inbound else 0.0,
        "recency": 0.0 if last_in is None else 0.5 ** ((T - last_in) / DAY / 14),
    }
    components = {k: components[k] for k in weights if k in components}
    wsum = sum(weights[k] for k in components)
    used = {k: weights[k] / wsum for k in components} if wsum else {}
    value = sum(used[k] * components[k] for k in used)

    two_way = bool(inbound) and bool(outbound)
    top_name = person_label(G, top_person) if top_person is not None else None
    single = Flag(
        raised=two_way and total >= 4 and top_share >= share and len(strong) < 2,
        reason=f"{top_name} carries {top_share:.0%} of the conversation"
        if top_person is not None
        else "no conversation",
        evidence={
            "person": top_person,
            "name": top_name,
            "share": top_share,
            "messages": total,
            "strong": [person_label(G, p) for p in strong],
        },
    )
    silent_days = None if last_in is None else (T - last_in) / DAY
    outreach = count_in(outbound, T - dark_days * DAY, T)
    dark = Flag(
        raised=two_way
        and silent_days is not None
        and silent_days >= dark_days
        and outreach >= min_outreach,
        reason="never wrote to us"
        if silent_days is None
        else f"nothing from them for {silent_days:.0f} days; we sent {outreach} in {dark_days}",
        evidence={
            "last_inbound": _when(last_in),
            "days_silent": silent_days,
            "outreach": outreach,
            "last_outbound": _when(outbound[-1] if outbound else None),
        },
    )
    return AccountRelationship(
        account=name,
        score=score_of(value),
        value=value,
        components=components,
        weights=used,
        people=len(people),
        breadth=len(strong),
        executive_covered=bool(exec_strong),
        champion=next((p for p in people if roles.get(p) == "champion"), None),
        single_threaded=single,
        gone_dark=dark,
        departed_champion=_departed_champion(G, name, people, T=T, memory=memory),
        ghosts=_ghosts(G, people, ghost_min) if two_way else _NO_GHOSTS,
        evidence={
            "strengths": scores,
            "executives": execs,
            "executives_strong": exec_strong,
            "messages_in": len(inbound),
            "messages_out": len(outbound),
            "last_inbound": _when(last_in),
        },
    )


def _departed_champion(
    G: nx.DiGraph, name: str, people: list[int], *, T: float, memory: int
) -> Flag:
    """Was someone who left (recently enough) the champion at the moment they left?"""
    gone = []
    for p in people:
        left = G.nodes[p]["departed_at"]
        if left is not None and 0 <= T - left.timestamp() <= memory * DAY:
            gone.append((left.timestamp(), p))
    for left, p in sorted(gone, reverse=True):
        if champion_at(G, name, at=left, include=(p,)) == p:
            d = G.nodes[p]
            return Flag(
                raised=True,
                reason=f"champion {person_label(G, p)} left on {_when(left):%Y-%m-%d}",
                evidence={
                    "person": p,
                    "name": person_label(G, p),
                    "departed_at": d["departed_at"],
                    "departure_evidence": d["departure_evidence"],
                    "last_inbound": _when(d["in_times"][-1]) if d["in_times"] else None,
                },
            )
    return Flag(raised=False, reason="", evidence={"departed": [p for _, p in gone]})


_NO_GHOSTS = Flag(raised=False, reason="", evidence={"people": []})


def _ghosts(G: nx.DiGraph, people: list[int], ghost_min: int) -> Flag:
    """People we addressed ``ghost_min`` times or more who never wrote anything."""
    found: list[dict[str, Any]] = []
    for p in people:
        d = G.nodes[p]
        if d["sent"] == 0 and d["outbound"] >= ghost_min:
            found.append(
                {
                    "person": p,
                    "name": person_label(G, p),
                    "email": d.get("email") or None,
                    "addressed_by_us": d["outbound"],
                    "to": d["received"],
                    "cc": d["cc_received"],
                    "last": d["last_seen"],
                }
            )
    names = ", ".join(g["name"] for g in found[:3]) + (" …" if len(found) > 3 else "")
    return Flag(
        raised=bool(found),
        reason=f"{len(found)} people we wrote to never wrote back: {names}" if found else "",
        evidence={"people": found},
    )
