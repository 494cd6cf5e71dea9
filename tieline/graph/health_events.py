"""Lifecycle events as score effects, each with the evidence a CSM can check.

:func:`event_effects` finds, for one account as of ``T``, the events of
:data:`~tieline.graph.health_rules.DEFAULT_EVENT_RULES` and returns them as
:class:`~tieline.graph.health_rules.EventEffect` s for :func:`~tieline.graph.health.blend`:

- ``churn_notice`` — churn language from the customer in the last 90 days, until later
  evidence clears it: an expansion after it, or at least 2 later scored customer
  messages with a mean tone of +0.3 or better. The text quotes the message.
- ``departed_champion`` — the champion left (the account flag) and no one has taken
  over: nobody else at the account at strength 3 or more wrote to us since.
- ``gone_dark`` — the account flag (they wrote before; silent 30 days while we wrote).
- ``unanswered_escalation`` — a customer message in the last 90 days that escalates
  (tone -0.5 or worse, or an ``escalation`` event) and that we left unanswered for more
  than 2 days; at most 2 count.
- ``expansion`` — an ``expansion`` event from the customer in the last 90 days.
- ``executive_engagement`` — an executive of the account wrote to us in the last 90 days.

>>> from datetime import UTC, datetime
>>> from tieline.domain import Channel, EventFact, Interaction, Stakeholder
>>> from tieline.graph.accounts import account_relationships
>>> from tieline.graph.stakeholders import stakeholder_graph
>>> at = datetime(2026, 3, 1, tzinfo=UTC)
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme")]
>>> msgs = [Interaction(10, Channel.EMAIL, at, 2, to=(1,), subject="Renewal")]
>>> G = stakeholder_graph(people, msgs, as_of=at)
>>> rel = account_relationships(G)["Acme"]
>>> churn = EventFact("churn_risk", at, 10, 2, evidence="we will not renew")
>>> [e.text for e in event_effects(G, rel, inbound=msgs, events=[churn], strengths={})]
['Churn notice from Dana on 2026-03-01 ("Renewal"): "we will not renew"']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tieline.domain import EventFact, Interaction
from tieline.graph.health_rules import DEFAULT_EVENT_RULES, EventEffect, EventRule
from tieline.graph.stakeholders import person_label

if TYPE_CHECKING:
    import networkx as nx

    from tieline.graph.accounts import AccountRelationship
    from tieline.graph.strength import Strength

__all__ = ["describe", "event_effects"]

WINDOW = timedelta(days=90)
CLEAR_MESSAGES = 2  # later customer messages it takes to clear a churn notice ...
CLEAR_TONE = 0.3  # ... at this mean tone or better
ESCALATION_TONE = -0.5
ESCALATION_GRACE = timedelta(days=2)
ESCALATIONS_COUNTED = 2
SUCCESSOR_STRENGTH = 3


def describe(G: nx.DiGraph, m: Interaction) -> str:
    """A message as evidence names it: ``"Renewal" from Dana on 2026-03-01``."""
    who = person_label(G, m.author) if m.author in G else "someone"
    subject = f'"{m.subject}"' if m.subject else "a message"
    return f"{subject} from {who} on {m.sent_at:%Y-%m-%d}"


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _effect(rule: str, rules: Mapping[str, EventRule], text: str, **evidence: Any) -> EventEffect:
    r = rules[rule]
    return EventEffect(rule=rule, points=r.points, cap=r.cap, text=text, evidence=evidence)


def event_effects(
    G: nx.DiGraph,
    rel: AccountRelationship,
    *,
    inbound: Sequence[Interaction],
    events: Sequence[EventFact],
    strengths: Mapping[int, Strength],
    as_of: datetime | None = None,
    rules: Mapping[str, EventRule] = DEFAULT_EVENT_RULES,
) -> tuple[EventEffect, ...]:
    """The account's lifecycle effects as of ``as_of`` (default: the graph's date).

    ``inbound`` are the account's human messages to us, oldest first; ``events`` the
    lifecycle events of its people and messages. Anything after ``as_of`` is ignored.
    """
    T: datetime = as_of or G.graph["as_of"]
    if T.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    inbound = [m for m in inbound if m.sent_at <= T]
    events = [e for e in events if e.at <= T]
    by_id = {m.message_id: m for m in inbound}
    recent = [e for e in events if T - e.at <= WINDOW]
    out: list[EventEffect] = []
    if (churn := _churn(G, inbound, recent, by_id, rules)) is not None:
        out.append(churn)
    if rel.departed_champion.raised and (left := _no_successor(G, rel, strengths)) is not None:
        ev = dict(rel.departed_champion.evidence)
        out.append(_effect("departed_champion", rules, left, **ev))
    if rel.gone_dark.raised:
        last = inbound[-1] if inbound else None
        ev = dict(rel.gone_dark.evidence)
        since = f" since {ev['last_inbound']:%Y-%m-%d}" if ev.get("last_inbound") else ""
        text = f"Gone dark: nothing from them{since}" + (
            f" (last: {describe(G, last)})" if last else ""
        ) + f"; we sent {ev['outreach']} messages in the last 30 days"  # fmt: skip
        out.append(_effect("gone_dark", rules, text, **ev))
    if (esc := _escalations(G, inbound, recent, T, rules)) is not None:
        out.append(esc)
    expansions = [e for e in recent if e.kind == "expansion"]
    if expansions:
        e = expansions[-1]
        m = by_id.get(e.message_id)
        where = describe(G, m) if m else f"on {e.at:%Y-%m-%d}"
        out.append(
            _effect(
                "expansion",
                rules,
                f'Expansion: "{_quote(e.evidence)}" ({where})',
                message_id=e.message_id,
                at=e.at,
                count=len(expansions),
            )
        )
    execs = sorted(
        {
            person_label(G, m.author)
            for m in inbound
            if T - m.sent_at <= WINDOW
            and m.author in G
            and G.nodes[m.author]["executive"]
            and not G.nodes[m.author]["departed"]
        }
    )
    if execs:
        out.append(
            _effect(
                "executive_engagement",
                rules,
                f"Executive engagement: {', '.join(execs)} wrote to us in the last 90 days",
                people=execs,
            )
        )
    return tuple(e for e in out if e.points or e.cap is not None)


def _churn(
    G: nx.DiGraph,
    inbound: Sequence[Interaction],
    recent: Sequence[EventFact],
    by_id: Mapping[int, Interaction],
    rules: Mapping[str, EventRule],
) -> EventEffect | None:
    notices = [e for e in recent if e.kind == "churn_risk"]
    if not notices:
        return None
    last = notices[-1]
    if any(e.kind == "expansion" and e.at > last.at for e in recent):
        return None
    later = [m.sentiment for m in inbound if m.sent_at > last.at and m.sentiment is not None]
    if len(later) >= CLEAR_MESSAGES and sum(later) / len(later) >= CLEAR_TONE:
        return None
    m = by_id.get(last.message_id)
    who = person_label(G, last.author) if last.author in G else "the customer"
    subject = f' ("{m.subject}")' if m is not None and m.subject else ""
    return _effect(
        "churn_notice",
        rules,
        f'Churn notice from {who} on {last.at:%Y-%m-%d}{subject}: "{_quote(last.evidence)}"',
        message_id=last.message_id,
        person=last.author,
        name=who,
        subject=m.subject if m is not None else "",
        at=last.at,
        quote=last.evidence[:300],
        notices=len(notices),
    )


def _no_successor(
    G: nx.DiGraph, rel: AccountRelationship, strengths: Mapping[int, Strength]
) -> str | None:
    ev = rel.departed_champion.evidence
    gone: int = ev["person"]
    left: datetime = ev["departed_at"]
    index = G.graph["accounts"].get(rel.account, {"people": ()})
    for p in index["people"]:
        d = G.nodes[p] if p in G else None
        if p == gone or d is None or d["departed"] or d["automated"]:
            continue
        wrote_since = any(t > left.timestamp() for t in d["in_times"])
        if wrote_since and p in strengths and strengths[p].score >= SUCCESSOR_STRENGTH:
            return None
    why = f" ({_quote(ev['departure_evidence'], 100)})" if ev.get("departure_evidence") else ""
    return (
        f"Champion {person_label(G, gone)} left on {left:%Y-%m-%d}{why} and no one has "
        f"taken over: nobody else there at strength {SUCCESSOR_STRENGTH}+ has written since"
    )


def _escalations(
    G: nx.DiGraph,
    inbound: Sequence[Interaction],
    recent: Sequence[EventFact],
    T: datetime,
    rules: Mapping[str, EventRule],
) -> EventEffect | None:
    flagged = {e.message_id for e in recent if e.kind == "escalation"}
    found = []
    for m in inbound:
        if T - m.sent_at > WINDOW or T - m.sent_at < ESCALATION_GRACE:
            continue
        escalates = m.message_id in flagged or (
            m.sentiment is not None and m.sentiment <= ESCALATION_TONE
        )
        # Answered only after T is unanswered as of T.
        late = m.reply_seconds is not None and m.sent_at + timedelta(seconds=m.reply_seconds) > T
        if escalates and (m.answered is False or late):
            found.append(m)
    if not found:
        return None
    n = min(len(found), ESCALATIONS_COUNTED)
    r = rules["unanswered_escalation"]
    worst = found[-1]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return EventEffect(
        rule="unanswered_escalation",
        points=r.points * n,
        cap=r.cap,
        text=f"Unanswered escalation: {describe(G, worst)}, not answered within "
        f"{ESCALATION_GRACE.days} days{more}",
        evidence={
            "messages": [
                {
                    "message_id": m.message_id,
                    "subject": m.subject,
                    "at": m.sent_at,
                    "name": person_label(G, m.author) if m.author in G else None,
                }
                for m in found
            ],  # fmt: skip
        },
    )
