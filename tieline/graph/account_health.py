"""Account health from typed inputs: the one scoring path the service and the tests share.

:func:`score_accounts` takes people, messages, open items and lifecycle events as
domain values and returns, per account, the relationship, the health blend and the
evidence behind each component. Nothing after ``as_of`` counts. The rules (minimum
evidence, components, events) are in ``docs/health.md``.

Components and their evidence (``T`` the scoring date; "inbound" the account's human
messages to us, "outbound" ours to its people):

- ``sentiment`` — decayed mean tone of the scored inbound of the last 90 days; needs
  ``minimums.sentiment`` (3) of them.
- ``engagement`` — inbound of the last 30 days against the 180 before (and the median
  account with conversation); needs ``minimums.engagement_days`` (60) of history.
- ``open_items`` — items we owe from the last 90 days; owing nothing is neutral
  (left out), so the component only ever pulls down.
- ``responsiveness`` — median reply times both ways over the last 90 days; needs
  ``minimums.replies`` (2) measured replies.
- ``relationship`` — :func:`~tieline.graph.accounts.account_relationships`.

An account without two-way conversation (``minimums.inbound`` messages from them and
``minimums.outbound`` from us), or with fewer than ``minimums.components`` (2)
weighted components with data and no lifecycle event, gets band ``unknown`` and
the reason, never red.

>>> from datetime import UTC, datetime, timedelta
>>> from tieline.domain import Channel, Interaction, Stakeholder
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme")]
>>> blast = [Interaction(i, Channel.EMAIL, t0 + timedelta(days=i), 1, to=(2,)) for i in (1, 2)]
>>> h = score_accounts(people, blast, as_of=t0 + timedelta(days=30)).health["Acme"]
>>> h.band.value, h.reasons[0].text[:64]
('unknown', 'Not enough conversation to score: 0 messages from them, 2 from us')
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tieline.domain import EventFact, Interaction, ItemFact, Side, Stakeholder
from tieline.graph.accounts import AccountRelationship, account_relationships
from tieline.graph.health import Health, HealthConfig, HealthModel, blend, unknown
from tieline.graph.health_events import event_effects
from tieline.graph.health_rules import Evidence
from tieline.graph.health_signals import (
    decayed_mean,
    engagement,
    open_items_component,
    responsiveness_component,
    sentiment_component,
)
from tieline.graph.roles import infer_roles
from tieline.graph.stakeholders import stakeholder_graph
from tieline.graph.strength import Strength, person_strength

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Conversation", "Scored", "account_health", "score_accounts", "two_way"]

DAY = timedelta(days=1)
RECENT = 30 * DAY  # engagement: inbound of the last 30 days ...
BASELINE = 180 * DAY  # ... against the account's own 30-day average over the 180 before
WINDOW = 90 * DAY  # sentiment, open items, responsiveness and events look back this far


@dataclass(frozen=True, slots=True)
class Conversation:
    """An account's messages as of a date: its human messages to us and ours to it."""

    inbound: tuple[Interaction, ...]
    outbound: tuple[Interaction, ...]
    owed: tuple[ItemFact, ...]  # open items owed by us, raised in its messages
    events: tuple[EventFact, ...]  # lifecycle events of its people and messages


@dataclass(frozen=True, slots=True)
class Scored:
    """Everything :func:`score_accounts` computed, for the caller to render."""

    as_of: datetime
    graph: nx.DiGraph
    strengths: Mapping[int, Strength]
    roles: Mapping[int, str]
    relationships: Mapping[str, AccountRelationship]
    conversations: Mapping[str, Conversation]
    health: Mapping[str, Health]


def _evidence(msgs: Sequence[Interaction]) -> Evidence:
    if not msgs:
        return Evidence(messages=0, people=0, days=0.0)
    times = [m.sent_at for m in msgs]
    return Evidence(
        messages=len(msgs),
        people=len({m.author for m in msgs}),
        days=(max(times) - min(times)) / DAY,
    )


def _n(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


def two_way(c: Conversation, model: HealthModel) -> str | None:
    """Why the account has too little conversation to score, or ``None`` when it has."""
    m = model.minimums
    n_in, n_out = len(c.inbound), len(c.outbound)
    if n_in >= m.inbound and n_out >= m.outbound:
        return None
    return (
        f"{_n(n_in, 'message')} from them, {n_out} from us "
        f"(needs {m.inbound} and {m.outbound}, both ways)"
    )


def account_health(
    G: nx.DiGraph,
    rel: AccountRelationship,
    c: Conversation,
    model: HealthModel,
    *,
    strengths: Mapping[int, Strength],
    as_of: datetime,
    segment_recent: float | None = None,
    kpis: Mapping[str, float | None] | None = None,
) -> Health:
    """One account's health: gate on two-way conversation, components, events, blend."""
    if (short := two_way(c, model)) is not None:
        return unknown(short)
    mins = model.minimums
    inputs: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    evidence: dict[str, Evidence] = {}
    left_out: dict[str, str] = {}

    window = [m for m in c.inbound if as_of - m.sent_at <= WINDOW]
    scored = [m for m in window if m.sentiment is not None]
    if len(scored) >= mins.sentiment:
        mean = decayed_mean([(m.sent_at, m.sentiment or 0.0) for m in scored], as_of=as_of)
        inputs["sentiment"] = sentiment_component(mean)
        notes["sentiment"] = f"{_n(len(scored), 'scored customer message')} in 90 days, " + (
            "decayed mean —" if mean is None else f"decayed mean {mean:+.2f}"
        )
        evidence["sentiment"] = _evidence(scored)
    else:
        left_out["sentiment"] = (
            f"insufficient data: {_n(len(scored), 'scored customer message')} in 90 days "
            f"(needs {mins.sentiment})"
        )

    history = (as_of - c.inbound[0].sent_at) / DAY
    recent = [m for m in c.inbound if as_of - m.sent_at <= RECENT]
    before = [m for m in c.inbound if RECENT < as_of - m.sent_at <= RECENT + BASELINE]
    baseline = len(before) / (BASELINE / RECENT)
    value = engagement(len(recent), baseline, segment_recent)
    if history < mins.engagement_days:
        left_out["engagement"] = (
            f"insufficient data: first wrote {history:.0f} days ago "
            f"(needs {mins.engagement_days} days of history)"
        )
    elif value is None:
        left_out["engagement"] = (
            "insufficient data: nothing from them in the 210 days to compare with, "
            "and no other account to compare with"
        )
    else:
        inputs["engagement"] = value
        notes["engagement"] = f"{len(recent)} inbound in the last 30 days vs {baseline:.1f} usual"
        evidence["engagement"] = _evidence(recent + before)

    open_now = [
        i
        for i in c.owed
        if (i.resolved_at is None or i.resolved_at > as_of) and as_of - i.asked_at <= WINDOW
    ]
    ages = [(as_of - i.asked_at).total_seconds() / 86400 for i in open_now]
    overdue = sum(1 for i in open_now if i.due is not None and i.due < as_of)
    items = open_items_component(ages, overdue=overdue)
    if items is None:
        left_out["open_items"] = (
            "neutral: nothing open that we owe them"
            if G.graph["items_known"]
            else "no open-item data yet (messages not scored)"
        )
    else:
        inputs["open_items"] = items
        notes["open_items"] = f"{len(open_now)} open owed by us, oldest {max(ages):.0f} days" + (
            f", {overdue} overdue" if overdue else ""
        )
        asked = {i.message_id for i in open_now}
        evidence["open_items"] = _evidence([m for m in c.inbound if m.message_id in asked])

    def replied(ms: Iterable[Interaction]) -> list[Interaction]:
        return [
            m
            for m in ms
            if m.reply_seconds is not None
            and as_of - m.sent_at <= WINDOW
            and m.sent_at + timedelta(seconds=m.reply_seconds) <= as_of
        ]

    ours, theirs = replied(c.inbound), replied(c.outbound)
    if len(ours) + len(theirs) >= mins.replies:
        ours_m = statistics.median(m.reply_seconds or 0.0 for m in ours) if ours else None
        theirs_m = statistics.median(m.reply_seconds or 0.0 for m in theirs) if theirs else None
        inputs["responsiveness"] = responsiveness_component(ours_m, theirs_m)
        notes["responsiveness"] = (
            f"we answer in {_hours(ours_m)} (median of {len(ours)}), "
            f"they answer in {_hours(theirs_m)} (median of {len(theirs)})"
        )
        evidence["responsiveness"] = _evidence(ours + theirs)
    else:
        left_out["responsiveness"] = (
            "insufficient data: "
            + _n(len(ours) + len(theirs), "measured reply", "measured replies")
            + f" in 90 days (needs {mins.replies})"
        )

    inputs["relationship"] = rel.value
    notes["relationship"] = f"{rel.score}/5, {rel.breadth} people at 3 or more"
    evidence["relationship"] = _evidence([*c.inbound, *c.outbound])
    for name, raw in (kpis or {}).items():
        if raw is not None:
            inputs[name] = raw
    effects = event_effects(
        G, rel, inbound=c.inbound, events=c.events, strengths=strengths, as_of=as_of,
        rules=model.events,
    )  # fmt: skip
    # One component alone is no evidence of health, unless an event speaks for itself;
    # a weighted metric the team imported (NPS, usage …) is evidence too.
    talked = [k for k, v in inputs.items() if v is not None and model.weights.get(k, 0) > 0]
    if len(talked) < mins.components and not effects:
        return unknown(
            f"only {' and '.join(talked) or 'no component'} has data "
            f"(needs {mins.components}); " + "; ".join(f"{k}: {v}" for k, v in left_out.items()),
            left_out=left_out,
        )
    return blend(inputs, model, notes=notes, evidence=evidence, left_out=left_out, events=effects)


def _conversations(
    people: Mapping[int, Stakeholder],
    interactions: Sequence[Interaction],
    items: Sequence[ItemFact],
    events: Sequence[EventFact],
    as_of: datetime,
) -> dict[str, Conversation]:
    account_of = {i: p.account for i, p in people.items() if not p.internal and p.account}
    inbound: dict[str, list[Interaction]] = defaultdict(list)
    outbound: dict[str, list[Interaction]] = defaultdict(list)
    message_account: dict[int, str] = {}
    for m in sorted(interactions, key=lambda m: (m.sent_at, m.message_id)):
        author = people.get(m.author)
        if m.sent_at > as_of or m.automated or author is None or author.automated:
            continue
        if author.internal:
            named = {
                account_of.get(p) for p in (*m.to, *m.cc) if p in people and not people[p].automated
            }
            for acc in sorted(a for a in named if a is not None):
                outbound[acc].append(m)
                message_account.setdefault(m.message_id, acc)
        elif m.author in account_of and any(
            p in people and people[p].internal for p in (*m.to, *m.cc)
        ):
            inbound[account_of[m.author]].append(m)
            message_account[m.message_id] = account_of[m.author]
    owed: dict[str, list[ItemFact]] = defaultdict(list)
    for it in items:
        owner = message_account.get(it.message_id)
        if owner is not None and it.owed_by is Side.US and it.asked_at <= as_of:
            owed[owner].append(it)
    happened: dict[str, list[EventFact]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.at):
        who = e.person if e.person is not None else e.author
        about = account_of.get(who) or message_account.get(e.message_id)
        if about is not None and e.at <= as_of:
            happened[about].append(e)
    names = set(inbound) | set(outbound) | set(account_of.values())
    return {
        a: Conversation(
            inbound=tuple(inbound[a]),
            outbound=tuple(outbound[a]),
            owed=tuple(owed[a]),
            events=tuple(happened[a]),
        )
        for a in sorted(names)
    }


def score_accounts(
    people: Iterable[Stakeholder],
    interactions: Iterable[Interaction],
    items: Iterable[ItemFact] = (),
    events: Iterable[EventFact] = (),
    *,
    as_of: datetime,
    config: HealthConfig | None = None,
    segments: Mapping[str, str] | None = None,
    kpis: Mapping[str, Mapping[str, float | None]] | None = None,
    accounts: Sequence[str] | None = None,
) -> Scored:
    """Score people, relationships and health of every account (or ``accounts``)."""
    config = config or HealthConfig()
    roster = {p.id: p for p in people}
    msgs = [m for m in interactions if m.sent_at <= as_of]
    facts = [i for i in items if i.asked_at <= as_of]
    G = stakeholder_graph(roster.values(), msgs, facts, as_of=as_of)
    strengths = person_strength(G, as_of=as_of, accounts=accounts)
    roles = infer_roles(G, as_of=as_of, accounts=accounts)
    relationships = account_relationships(G, strengths, as_of=as_of, accounts=accounts)
    talks = _conversations(roster, msgs, facts, list(events), as_of)
    empty = Conversation((), (), (), ())
    segments = segments or {}
    # The segment reference is the median account that has a conversation at all.
    recents = [
        sum(1 for m in talks[a].inbound if as_of - m.sent_at <= RECENT)
        for a in relationships
        if a in talks and two_way(talks[a], config.for_segment(segments.get(a))) is None
    ]
    segment_recent = statistics.median(recents) if recents else None
    health = {
        name: account_health(
            G,
            rel,
            talks.get(name, empty),
            config.for_segment(segments.get(name)),
            strengths=strengths,
            as_of=as_of,
            segment_recent=segment_recent or None,
            kpis=(kpis or {}).get(name),
        )
        for name, rel in relationships.items()
    }
    return Scored(
        as_of=as_of,
        graph=G,
        strengths=strengths,
        roles=roles,
        relationships=relationships,
        conversations={a: talks.get(a, empty) for a in relationships},
        health=health,
    )
