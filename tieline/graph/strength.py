"""Relationship strength 1-5: per external person and per (our person, their person) pair.

Every component is normalised to 0-1 (higher is better); ``T`` is the scoring date,
"in" means their messages to us and "out" ours to them:

- ``frequency`` — ``r / (r + 4)`` with ``r`` the in + out messages per 30 days over the
  last 90 days (4 a month gives 0.5, 12 a month 0.75).
- ``recency`` — ``0.5 ** (days since their last message to us / 14)``; 0 if they never
  wrote. Our own outreach does not keep a relationship fresh.
- ``reciprocity`` — ``min(in, out) / (max(in, out) + 1)`` over the last 90 days (all
  time when the window is empty): two-way scores high, one-way 0, and the ``+ 1`` keeps a
  single exchange (0.5) from passing for a proven two-way relationship (9 and 9: 0.9).
- ``channel_diversity`` — channels used either way (email, Slack, tickets) / 3.
- ``sentiment`` — ``(m + 1) / 2`` where ``m`` is the mean score of their messages to us,
  weighted by a 30-day half-life decay.
- ``responsiveness`` — ``answer rate * speed`` over our messages addressed To them: the
  answer rate counts a message left unanswered for over 3 days as a miss, speed is
  ``1 - log1p(median hours) / log1p(168)`` (instant 1, a week or more 0).
- ``open_items`` — ``1 / (1 + open + overdue)`` items we owe them (overdue: past the due
  date or open for 14 days).
- ``duration`` — months since first contact / 12, capped at 1.

``value`` is the weighted mean (:data:`DEFAULT_WEIGHTS`) of the components that have
data: without scored messages there is no ``sentiment``, without any of our messages
To them with answer data no ``responsiveness``, without item data no ``open_items``;
their weight is spread over the others in proportion and they are listed in
``missing``. ``score`` maps ``value`` through :data:`CUT_POINTS`: below 0.2 → 1,
below 0.4 → 2, below 0.6 → 3, below 0.8 → 4, else 5.

Three limits then apply to a person (not to a pair's own score, which keeps its
components, but a pair with a departed or Cc-only person is capped the same way):

- **silence decays**: ``value × 0.5 ** (max(0, days since they last wrote − 30) / 60)``
  — a month of quiet is normal, three months halve the value;
- **departed**: from the departure date on, at most 2 (``value`` < 0.4);
- **never wrote**: someone who never wrote to us (only ever addressed or copied, as
  on a mass mailing) stays at 1 — there is no relationship yet.

>>> from datetime import UTC, datetime, timedelta
>>> from tieline.domain import Channel, Interaction, Stakeholder
>>> from tieline.graph.stakeholders import stakeholder_graph
>>> t0 = datetime(2026, 1, 1, tzinfo=UTC)
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme")]
>>> msgs = [Interaction(i, Channel.EMAIL, t0 + timedelta(days=3 * i), *ab)
...         for i, ab in enumerate([(1, (2,)), (2, (1,))] * 10)]
>>> s = person_strength(stakeholder_graph(people, msgs, as_of=t0 + timedelta(days=60)))[2]
>>> s.score, s.evidence["messages_in"], s.evidence["messages_out"], s.missing
(4, 10, 10, ('sentiment', 'responsiveness', 'open_items'))
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tieline.graph.stakeholders import DAY, channels_of, count_in, graph_as_of

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "CUT_POINTS",
    "DEFAULT_WEIGHTS",
    "Strength",
    "pair_strength",
    "person_strength",
    "score_of",
]

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "frequency": 0.20,
    "recency": 0.20,
    "reciprocity": 0.15,
    "channel_diversity": 0.05,
    "sentiment": 0.15,
    "responsiveness": 0.10,
    "open_items": 0.10,
    "duration": 0.05,
}
CUT_POINTS = (0.2, 0.4, 0.6, 0.8)
WINDOW_DAYS = 90
RECENCY_HALF_LIFE_DAYS = 14
SILENCE_GRACE_DAYS = 30
SILENCE_HALF_LIFE_DAYS = 60
DEPARTED_MAX = 2
_BELOW = {1: 0.1999, 2: 0.3999}  # the highest value that still maps to that score
_BITS = {"email": 1, "slack": 2, "ticket": 4}


@dataclass(frozen=True, slots=True)
class Strength:
    """A relationship score that explains itself.

    ``weights`` are the weights actually applied (renormalised over the components
    present); ``missing`` names components without data; ``evidence`` holds the counts
    and dates behind the components; ``reasons`` are short sentences for the weakest and
    strongest components.
    """

    score: int
    value: float
    components: Mapping[str, float]
    weights: Mapping[str, float]
    missing: tuple[str, ...]
    evidence: Mapping[str, Any]
    reasons: tuple[str, ...]


def score_of(value: float) -> int:
    """Map a 0-1 value to 1-5 through :data:`CUT_POINTS`.

    >>> [score_of(v) for v in (0.0, 0.2, 0.59, 0.8, 1.0)]
    [1, 2, 3, 5, 5]
    """
    return 1 + sum(value >= cut for cut in CUT_POINTS)


def _when(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def _strength(
    *,
    T: float,
    in_times: Sequence[float],
    out_times: Sequence[float],
    channels: Iterable[str],
    data: Sequence[Mapping[str, Any]],
    sentiment: Mapping[str, Any],
    replies: Mapping[str, Any],
    items_known: bool,
    weights: Mapping[str, float],
    examples: tuple[int, ...],
    departed_at: datetime | None = None,
    silent_only: bool = False,
) -> Strength:
    """Components, score and evidence from the raw aggregates of a person or pair."""
    start = T - WINDOW_DAYS * DAY
    n_in, n_out = count_in(in_times, start, T), count_in(out_times, start, T)
    rate = (n_in + n_out) / (WINDOW_DAYS / 30)
    last_in = in_times[-1] if in_times else None
    firsts = [ts[0] for ts in (in_times, out_times) if ts]
    first = min(firsts) if firsts else None
    last = max(ts[-1] for ts in (in_times, out_times) if ts) if firsts else None
    rin, rout = (n_in, n_out) if n_in + n_out else (len(in_times), len(out_times))
    mask = 0
    for ch in channels:
        mask |= _BITS[ch]
    c: dict[str, float] = {
        "frequency": rate / (rate + 4),
        "recency": 0.0
        if last_in is None
        else 0.5 ** ((T - last_in) / DAY / RECENCY_HALF_LIFE_DAYS),
        "reciprocity": min(rin, rout) / (max(rin, rout) + 1),
        "channel_diversity": len(channels_of(mask)) / 3,
        "duration": 0.0 if first is None else min(1.0, (T - first) / (30.44 * DAY) / 12),
    }
    mean = None
    if sentiment.get("sentiment_n"):
        w = sentiment["sentiment_w"]
        mean = sentiment["sentiment_ws"] / w if w > 0 else 0.0
        c["sentiment"] = min(1.0, max(0.0, (mean + 1) / 2))
    answered, unanswered = replies.get("answered", 0), replies.get("unanswered", 0)
    lat = replies.get("reply_seconds") or ()
    median_h = statistics.median(lat) / 3600 if lat else None
    if answered + unanswered:
        speed = 1.0 if median_h is None else 1 - math.log1p(median_h) / math.log1p(168)
        c["responsiveness"] = answered / (answered + unanswered) * min(1.0, max(0.0, speed))
    open_us = sum(d.get("open_owed_by_us", 0) for d in data)
    overdue = sum(d.get("overdue_owed_by_us", 0) for d in data)
    if items_known:
        c["open_items"] = 1 / (1 + open_us + overdue)
    components = {k: c[k] for k in weights if k in c}
    total = sum(weights[k] for k in components)
    used = {k: weights[k] / total for k in components} if total else {}
    value = sum(used[k] * components[k] for k in used)
    limits: list[str] = []
    silent = None if last_in is None else (T - last_in) / DAY
    factor = 1.0
    if silent is not None and silent > SILENCE_GRACE_DAYS:
        factor = 0.5 ** ((silent - SILENCE_GRACE_DAYS) / SILENCE_HALF_LIFE_DAYS)
        value *= factor
        if factor < 0.95:
            limits.append(f"silent for {silent:.0f} days: strength decays (× {factor:.2f})")
    if departed_at is not None and value > _BELOW[DEPARTED_MAX]:
        value = _BELOW[DEPARTED_MAX]
        limits.append(f"departed on {departed_at:%Y-%m-%d}: at most {DEPARTED_MAX}")
    if silent_only and value > _BELOW[1]:
        value = _BELOW[1]
        limits.append("never wrote to us: 1")
    evidence: dict[str, Any] = {
        "messages_in": len(in_times),
        "messages_out": len(out_times),
        f"messages_in_{WINDOW_DAYS}d": n_in,
        f"messages_out_{WINDOW_DAYS}d": n_out,
        "first_contact": _when(first),
        "last_contact": _when(last),
        "last_inbound": _when(last_in),
        "channels": channels_of(mask),
        "mean_sentiment": mean,
        "answered": answered,
        "unanswered": unanswered,
        "median_reply_hours": median_h,
        "open_owed_by_us": open_us,
        "overdue_owed_by_us": overdue,
        "open_owed_by_them": sum(d.get("open_owed_by_them", 0) for d in data),
        "example_message_ids": examples,
        "days_silent": silent,
        "silence_factor": round(factor, 4),
        "departed_at": departed_at,
        "never_wrote": silent_only,
    }
    return Strength(
        score=score_of(value),
        value=value,
        components=components,
        weights=used,
        missing=tuple(k for k in weights if k not in components),
        evidence=evidence,
        reasons=(*limits, *_reasons(components, evidence, T)),
    )


def _describe(name: str, ev: Mapping[str, Any], T: float) -> str:
    n_in, n_out = ev[f"messages_in_{WINDOW_DAYS}d"], ev[f"messages_out_{WINDOW_DAYS}d"]
    if name == "frequency":
        return f"{n_in + n_out} messages in the last {WINDOW_DAYS} days"
    if name == "recency":
        last = ev["last_inbound"]
        return "never wrote to us" if last is None else (
            f"last wrote to us {(T - last.timestamp()) / DAY:.0f} days ago"
        )  # fmt: skip
    if name == "reciprocity":
        return f"{n_in} messages in, {n_out} out in the last {WINDOW_DAYS} days"
    if name == "channel_diversity":
        return f"talks over {', '.join(ev['channels']) or 'no channel'}"
    if name == "sentiment":
        return f"tone {ev['mean_sentiment']:+.2f} (-1..1, recent messages weigh more)"
    if name == "responsiveness":
        median = ev["median_reply_hours"]
        speed = "" if median is None else f", median {median:.1f} h"
        return f"answered {ev['answered']} of {ev['answered'] + ev['unanswered']}{speed}"
    if name == "open_items":
        return f"{ev['open_owed_by_us']} open items we owe ({ev['overdue_owed_by_us']} overdue)"
    first = ev["first_contact"]
    months = 0.0 if first is None else (T - first.timestamp()) / (30.44 * DAY)
    return f"in contact for {months:.0f} months"


def _reasons(components: Mapping[str, float], ev: Mapping[str, Any], T: float) -> tuple[str, ...]:
    ranked = sorted(components, key=lambda k: (components[k], k))
    weak = [f"weak {k}: {_describe(k, ev, T)}" for k in ranked[:2] if components[k] < 0.4]
    strong = [
        f"strong {k}: {_describe(k, ev, T)}" for k in ranked[::-1][:2] if components[k] >= 0.7
    ]
    return tuple(weak + strong)


def _externals(G: nx.DiGraph, accounts: Iterable[str] | None) -> list[int]:
    if accounts is None:
        return sorted(p for p, d in G.nodes(data=True) if not d["internal"] and not d["automated"])
    index = G.graph["accounts"]
    return sorted(p for a in accounts if a in index for p in index[a]["people"] if p in G)


def _never_wrote(d: Mapping[str, Any]) -> bool:
    return bool(d["sent"] == 0)


def person_strength(
    G: nx.DiGraph,
    *,
    as_of: datetime | None = None,
    weights: Mapping[str, float] | None = None,
    accounts: Iterable[str] | None = None,
) -> dict[int, Strength]:
    """Strength of each external person's relationship with our company (see the module)."""
    T = graph_as_of(G, as_of)
    w = DEFAULT_WEIGHTS if weights is None else weights
    known = bool(G.graph["items_known"])
    out: dict[int, Strength] = {}
    for p in _externals(G, accounts):
        d = G.nodes[p]
        out[p] = _strength(
            T=T,
            in_times=d["in_times"],
            out_times=d["out_times"],
            channels=d["channels"],
            data=(d,),
            sentiment=d,
            replies=d,
            items_known=known,
            weights=w,
            examples=d["examples_in"] + d["examples_out"],
            departed_at=d["departed_at"],
            silent_only=_never_wrote(d),
        )
    return out


def pair_strength(
    G: nx.DiGraph,
    *,
    as_of: datetime | None = None,
    weights: Mapping[str, float] | None = None,
    accounts: Iterable[str] | None = None,
) -> dict[tuple[int, int], Strength]:
    """Strength of each (our person, their person) pair that exchanged messages.

    The same components as :func:`person_strength`, from the two edges between them.
    """
    T = graph_as_of(G, as_of)
    w = DEFAULT_WEIGHTS if weights is None else weights
    known = bool(G.graph["items_known"])
    empty: dict[str, Any] = {"times": (), "channels": ()}
    out: dict[tuple[int, int], Strength] = {}
    for p in _externals(G, accounts):
        ours = {u for u in G.predecessors(p) if G.nodes[u]["internal"]}
        ours.update(u for u in G.successors(p) if G.nodes[u]["internal"])
        for u in sorted(ours):
            e_out = G.edges[u, p] if G.has_edge(u, p) else empty
            e_in = G.edges[p, u] if G.has_edge(p, u) else empty
            out[(u, p)] = _strength(
                T=T,
                in_times=e_in["times"],
                out_times=e_out["times"],
                channels=(*e_in["channels"], *e_out["channels"]),
                data=(e_in, e_out),
                sentiment=e_in,
                replies=e_out,
                items_known=known,
                weights=w,
                examples=tuple(e["last_message"] for e in (e_in, e_out) if "last_message" in e),
                departed_at=G.nodes[p]["departed_at"],
                silent_only=_never_wrote(G.nodes[p]),
            )
    return out
