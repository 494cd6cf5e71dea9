"""Stakeholder roles: champion, economic buyer, power user, user.

Rules, in order (the first that applies wins):

1. ``role_override`` on the person (config or API).
2. **champion** — per account, the current (not departed) external person most engaged
   with us over the last 180 days: ``engagement = (in + out) * (0.5 + 0.5 * min/max)``
   with ``in`` their messages to us and ``out`` ours to them, so two-way traffic beats
   one-way blasts; it needs ``in >= 2`` and ``out >= 1``. An account whose override
   names a champion gets no inferred one.
3. **economic_buyer** — an executive: ``executive`` on the stakeholder (the caller's
   title classifier, e.g. ``tieline.nlp.titles``), else the coarse :func:`looks_executive`.
4. **power_user** — at least ``power_user_min`` messages to us over Slack and tickets.
5. **user** — everyone else.

>>> from datetime import UTC, datetime, timedelta
>>> from tieline.domain import Channel, Interaction, Stakeholder
>>> from tieline.graph.stakeholders import stakeholder_graph
>>> t0 = datetime(2026, 3, 1, tzinfo=UTC)
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme"),
...           Stakeholder(3, "Lee", False, "Acme", title="CFO")]
>>> msgs = [Interaction(i, Channel.EMAIL, t0 + timedelta(days=i), a, to=(b,))
...         for i, (a, b) in enumerate([(1, 2), (2, 1), (1, 2), (2, 1), (1, 3)])]
>>> infer_roles(stakeholder_graph(people, msgs, as_of=t0 + timedelta(days=9)))
{2: 'champion', 3: 'economic_buyer'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from tieline.graph.stakeholders import DAY, count_in, graph_as_of

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ROLES", "champion_at", "engagement", "infer_roles", "looks_executive"]

ROLES = ("champion", "economic_buyer", "power_user", "user")
ENGAGEMENT_WINDOW_DAYS = 180

# A fallback only: the service passes tieline.nlp.titles' verdict as Stakeholder.executive.
_EXEC = re.compile(
    r"\b(?:c[etofimrd]o|chief|president|[se]?vp|vice[- ]president|head of|(?:co-?)?founder"
    r"|owner|managing director|general manager)\b",
    re.IGNORECASE,
)
_NOT_EXEC = re.compile(
    r"\b(?:assistant|former|ex-|avp|chief of staff|(?:product|project|account) owner)\b",
    re.IGNORECASE,
)


def looks_executive(title: str) -> bool:
    """Coarse executive test of a job title (C-level, VP, head of, founder, owner).

    >>> [looks_executive(t) for t in ("VP Sales", "Executive Assistant to the CEO", "Analyst")]
    [True, False, False]
    """
    return bool(_EXEC.search(title)) and not _NOT_EXEC.search(title)


def engagement(G: nx.DiGraph, person: int, *, at: float) -> float:
    """Two-way message volume with us in the 180 days up to epoch ``at`` (see the module)."""
    data = G.nodes[person]
    start = at - ENGAGEMENT_WINDOW_DAYS * DAY
    n_in = count_in(data["in_times"], start, at)
    n_out = count_in(data["out_times"], start, at)
    if n_in < 2 or n_out < 1:
        return 0.0
    return (n_in + n_out) * (0.5 + 0.5 * min(n_in, n_out) / max(n_in, n_out))


def champion_at(
    G: nx.DiGraph, account: str, *, at: float, include: Iterable[int] = ()
) -> int | None:
    """The account's champion as of epoch ``at``: an override, else the most engaged person.

    People departed by ``at`` are out, except those listed in ``include`` (used to ask
    "was this person the champion when they left?").
    """
    people = G.graph["accounts"].get(account, {}).get("people", ())
    kept = set(include)
    alive: list[int] = [
        p
        for p in people
        if p in G
        and not G.nodes[p]["automated"]
        and (
            p in kept
            or G.nodes[p]["departed_at"] is None
            or G.nodes[p]["departed_at"].timestamp() > at
        )
    ]
    for p in alive:
        if G.nodes[p]["role_override"] == "champion":
            return p
    best, best_score = None, 0.0
    for p in sorted(alive):
        score = engagement(G, p, at=at)
        if score > best_score:
            best, best_score = p, score
    return best


def infer_roles(
    G: nx.DiGraph,
    *,
    as_of: datetime | None = None,
    accounts: Iterable[str] | None = None,
    power_user_min: int = 5,
) -> dict[int, str]:
    """Role of every external (non-automated) person, optionally of some accounts only."""
    T = graph_as_of(G, as_of)
    index: Mapping[str, Mapping[str, tuple[int, ...]]] = G.graph["accounts"]
    names = index.keys() if accounts is None else [a for a in accounts if a in index]
    champions = {champion_at(G, name, at=T) for name in names}
    if accounts is None:
        people: Iterable[int] = (
            p for p, d in G.nodes(data=True) if not d["internal"] and not d["automated"]
        )
    else:
        people = (p for name in names for p in index[name]["people"])
    roles: dict[int, str] = {}
    for p in sorted(people):
        d = G.nodes[p]
        if d["role_override"]:
            roles[p] = d["role_override"]
        elif p in champions:
            roles[p] = "champion"
        elif d["executive"]:
            roles[p] = "economic_buyer"
        elif d["inbound_slack"] + d["inbound_ticket"] >= power_user_min:
            roles[p] = "power_user"
        else:
            roles[p] = "user"
    return roles
