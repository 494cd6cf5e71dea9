"""The stakeholder graph: people and who talks to whom, as of a date.

:func:`stakeholder_graph` reads :class:`~tieline.domain.Stakeholder`,
:class:`~tieline.domain.Interaction` and :class:`~tieline.domain.ItemFact` values and
keeps only what happened at or before ``as_of``: a message sent later does not exist, a
departure, an answer or a resolution that comes later has not happened yet. Automated
messages and automated people (machines) never count as engagement.

One pass over the interactions aggregates into plain dicts, then the ``DiGraph`` is
built in one go. An edge ``u -> v`` means "u wrote to v" (To or Cc). Directions on a
person are from our company's point of view: ``inbound`` counts an external person's
messages that reached at least one of our people, ``outbound`` counts our messages that
named them (To or Cc), each message once however many people it names.

Node attributes: ``name, email, internal, account, title, executive, departed, departed_at,
departure_evidence, role_override, automated, first_seen, last_seen, sent, received,
cc_received, inbound, outbound, in_times, out_times`` (sorted epoch seconds),
``channels``, ``inbound_email/_slack/_ticket``, ``examples_in/_out`` (latest message
ids), and where there is data ``sentiment_n/_w/_ws`` (sums of the author's message
scores, weighted by a 30-day half-life decay relative to ``as_of``), ``reply_seconds``
(how fast they answered our messages addressed To them), ``answered``, ``unanswered``
(our To messages left unanswered for more than 3 days), ``open_owed_by_us``,
``overdue_owed_by_us`` (due date passed or older than 14 days), ``open_owed_by_them``,
``open_item_ids``. Edge attributes: ``messages, to, cc, first, last, times, channels,
last_message`` and, where there is data, the same sentiment, reply and open-item keys
for that pair (replies of ``v`` answering ``u``; items raised in ``u``'s messages to
``v``). ``G.graph`` holds ``as_of``, ``items_known``, ``automated_skipped`` and
``accounts``: per account its ``people`` and the ``inbound_times``/``outbound_times``
of its messages (each message once).

>>> from datetime import UTC, datetime
>>> from tieline.domain import Channel, Interaction, Stakeholder
>>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme")]
>>> at = datetime(2026, 3, 1, tzinfo=UTC)
>>> G = stakeholder_graph(
...     people, [Interaction(10, Channel.EMAIL, at, 1, to=(2,))], as_of=at
... )
>>> G.nodes[2]["outbound"], G[1][2]["messages"], G.graph["accounts"]["Acme"]["people"]
(1, 1, (2,))
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tieline.domain import Channel, Interaction, ItemFact, Side, Stakeholder

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "account_subgraph",
    "channels_of",
    "count_in",
    "graph_as_of",
    "person_label",
    "stakeholder_graph",
]

DAY = 86_400.0
UNANSWERED_GRACE_S = 3 * DAY  # a fresher unanswered message is not yet a non-answer
OVERDUE_AGE_S = 14 * DAY  # an open item this old counts as overdue even without a due date
SENTIMENT_HALF_LIFE_S = 30 * DAY
EXAMPLES = 3

_BITS = {Channel.EMAIL: 1, Channel.SLACK: 2, Channel.TICKET: 4}
_CHANNELS = {
    mask: tuple(c.value for c, bit in _BITS.items() if mask & bit) for mask in range(8)
}  # shared tuples: no per-edge objects


def channels_of(mask: int) -> tuple[str, ...]:
    """Channel names of a channel bit mask (1 email, 2 slack, 4 ticket)."""
    return _CHANNELS[mask & 7]


def count_in(times: Sequence[float], start: float, end: float) -> int:
    """How many sorted epoch ``times`` fall in ``(start, end]``."""
    return bisect_right(times, end) - bisect_right(times, start)


def person_label(G: nx.DiGraph, p: int) -> str:
    """How evidence names a person: the display name, else the address, never an id."""
    d = G.nodes[p]
    return str(d.get("name") or d.get("email") or "someone without a name or address")


def graph_as_of(G: nx.DiGraph, as_of: datetime | None) -> float:
    """The epoch seconds to score ``G`` at: ``as_of``, or the date it was built as of.

    Scoring later than the build date is fine (nothing happened since, time passed);
    earlier is not, because the graph already contains what came after.
    """
    built: datetime = G.graph["as_of"]
    if as_of is None:
        return built.timestamp()
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    if as_of < built:
        raise ValueError(f"graph was built as of {built.isoformat()}; rebuild it for {as_of}")
    return as_of.timestamp()


def _new_node() -> dict[str, Any]:
    return {
        "sent": 0, "received": 0, "cc_received": 0, "inbound": 0, "outbound": 0,
        "in_times": array("d"), "out_times": array("d"), "mask": 0, "first": None,
        "last": None, "inbound_email": 0, "inbound_slack": 0, "inbound_ticket": 0,
        "examples_in": [], "examples_out": [],
    }  # fmt: skip


def _new_edge(t: float) -> dict[str, Any]:
    return {"messages": 0, "to": 0, "cc": 0, "first": t, "last": t, "times": array("d"), "mask": 0}


def _first(pair: tuple[float, Interaction]) -> float:
    return pair[0]


def _bump(d: dict[str, Any], key: str, by: float = 1) -> None:
    d[key] = d.get(key, 0) + by


def _example(ids: list[int], message_id: int) -> None:
    ids.append(message_id)
    if len(ids) > EXAMPLES:
        del ids[0]


def stakeholder_graph(
    people: Iterable[Stakeholder],
    interactions: Iterable[Interaction],
    items: Iterable[ItemFact] = (),
    *,
    as_of: datetime,
) -> nx.DiGraph:
    """Build the stakeholder graph of everything at or before ``as_of`` (see the module)."""
    import networkx as nx

    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    T = as_of.timestamp()
    roster = {p.id: p for p in people}
    internal = {i for i, p in roster.items() if p.internal}
    machines = {i for i, p in roster.items() if p.automated}
    account_of = {i: p.account for i, p in roster.items() if not p.internal and p.account}
    facts = [it for it in items if it.asked_at <= as_of]
    wanted = {it.message_id for it in facts}
    seen_msgs: dict[int, tuple[int, tuple[int, ...]]] = {}
    nodes: dict[int, dict[str, Any]] = {}
    edges: dict[tuple[int, int], dict[str, Any]] = {}
    acc: dict[str, tuple[array[float], array[float]]] = {}
    skipped = 0

    def node(i: int) -> dict[str, Any]:
        n = nodes.get(i)
        if n is None:
            n = nodes[i] = _new_node()
        return n

    timed = sorted(
        ((m.sent_at.timestamp(), m) for m in interactions if m.sent_at <= as_of), key=_first
    )
    for t, m in timed:
        a = m.author
        if m.automated or a in machines:
            skipped += 1
            continue
        bit = _BITS[m.channel]
        to = [v for v in dict.fromkeys(m.to) if v != a and v not in machines]
        cc = [v for v in dict.fromkeys(m.cc) if v != a and v not in machines and v not in to]
        an = node(a)
        an["sent"] += 1
        an["first"] = an["first"] or t
        an["last"] = t
        a_int = a in internal
        w = 2.0 ** ((t - T) / SENTIMENT_HALF_LIFE_S) if m.sentiment is not None else 0.0
        reaches_us = False
        accounts_named: set[str] = set()
        ext_to: list[int] = []
        for kind, group in (("to", to), ("cc", cc)):
            for v in group:
                e = edges.get((a, v))
                if e is None:
                    e = edges[(a, v)] = _new_edge(t)
                e["messages"] += 1
                e[kind] += 1
                e["last"] = t
                e["last_message"] = m.message_id
                e["times"].append(t)
                e["mask"] |= bit
                if m.sentiment is not None:
                    _bump(e, "sentiment_n")
                    _bump(e, "sentiment_w", w)
                    _bump(e, "sentiment_ws", w * m.sentiment)
                vn = node(v)
                vn["received" if kind == "to" else "cc_received"] += 1
                vn["first"] = vn["first"] or t
                vn["last"] = t
                v_int = v in internal
                reaches_us = reaches_us or v_int
                if a_int and not v_int:
                    vn["outbound"] += 1
                    vn["out_times"].append(t)
                    vn["mask"] |= bit
                    _example(vn["examples_out"], m.message_id)
                    if v in account_of:
                        accounts_named.add(account_of[v])
                    if kind == "to":
                        ext_to.append(v)
        if m.message_id in wanted:
            seen_msgs[m.message_id] = (a, tuple(to + cc))
        if not a_int and reaches_us:
            an["inbound"] += 1
            an["in_times"].append(t)
            an["mask"] |= bit
            _bump(an, f"inbound_{m.channel.value}")
            _example(an["examples_in"], m.message_id)
            if m.sentiment is not None:
                _bump(an, "sentiment_n")
                _bump(an, "sentiment_w", w)
                _bump(an, "sentiment_ws", w * m.sentiment)
            if a in account_of:
                acc.setdefault(account_of[a], (array("d"), array("d")))[0].append(t)
        for name in accounts_named:
            acc.setdefault(name, (array("d"), array("d")))[1].append(t)
        if ext_to and (m.answered is not None or m.reply_seconds is not None):
            _replies(nodes, edges, a, ext_to, m, t, T)

    if facts:
        _items(nodes, edges, facts, seen_msgs, internal, T)
    G = nx.DiGraph(as_of=as_of, items_known=bool(facts), automated_skipped=skipped)
    G.graph["accounts"] = _account_index(roster, acc)
    G.add_nodes_from(_node_rows(roster, nodes, as_of))
    G.add_edges_from(_edge_rows(edges))
    return G


def _replies(
    nodes: dict[int, dict[str, Any]],
    edges: dict[tuple[int, int], dict[str, Any]],
    a: int,
    ext_to: list[int],
    m: Interaction,
    t: float,
    T: float,
) -> None:
    """Credit an answer (or a non-answer) of our message to the people it was addressed to."""
    seconds = m.reply_seconds
    answered_by_now = m.answered is not False and (seconds is None or t + seconds <= T)
    if answered_by_now:
        if m.answered_by is None:
            targets = ext_to
        else:
            targets = [m.answered_by] if m.answered_by in ext_to else []
        for p in targets:
            for d in (nodes[p], edges[(a, p)]):
                _bump(d, "answered")
                if seconds is not None:
                    d.setdefault("reply_seconds", array("d")).append(seconds)
    elif T - t >= UNANSWERED_GRACE_S:
        for p in ext_to:
            _bump(nodes[p], "unanswered")
            _bump(edges[(a, p)], "unanswered")


def _items(
    nodes: dict[int, dict[str, Any]],
    edges: dict[tuple[int, int], dict[str, Any]],
    facts: list[ItemFact],
    seen_msgs: dict[int, tuple[int, tuple[int, ...]]],
    internal: set[int],
    T: float,
) -> None:
    """Count open items on the external people and the pair edges they concern."""
    for it in facts:
        if it.message_id not in seen_msgs or it.owed_by is None:
            continue
        if it.resolved_at is not None and it.resolved_at.timestamp() <= T:
            continue
        author, recipients = seen_msgs[it.message_id]
        asked = it.asked_at.timestamp()
        overdue = (it.due is not None and it.due.timestamp() < T) or T - asked >= OVERDUE_AGE_S
        key = "open_owed_by_us" if it.owed_by is Side.US else "open_owed_by_them"
        if author in internal:
            externals = [v for v in recipients if v not in internal]
            pairs = [(author, v) for v in externals]
        else:
            externals = [author] if any(v in internal for v in recipients) else []
            pairs = [(author, v) for v in recipients if v in internal]
        for p in externals:
            n = nodes[p]
            _bump(n, key)
            n.setdefault("open_item_ids", []).append(it.id)
            if overdue and it.owed_by is Side.US:
                _bump(n, "overdue_owed_by_us")
        for pair in pairs:
            _bump(edges[pair], key)
            if overdue and it.owed_by is Side.US:
                _bump(edges[pair], "overdue_owed_by_us")


def _when(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, UTC)


def _node_rows(
    roster: dict[int, Stakeholder], nodes: dict[int, dict[str, Any]], as_of: datetime
) -> Iterable[tuple[int, dict[str, Any]]]:
    from tieline.graph.roles import looks_executive

    for i in roster.keys() | nodes.keys():
        p = roster.get(i) or Stakeholder(i, "", False)
        n = nodes.get(i) or _new_node()
        departed_at = p.departed_at if p.departed_at and p.departed_at <= as_of else None
        n.update(
            name=p.name,
            email=p.email,
            internal=p.internal,
            account=p.account,
            title=p.title,
            executive=looks_executive(p.title) if p.executive is None else p.executive,
            departed=departed_at is not None,
            departed_at=departed_at,
            departure_evidence=p.departure_evidence if departed_at else "",
            role_override=p.role_override,
            automated=p.automated,
            first_seen=_when(n.pop("first")),
            last_seen=_when(n.pop("last")),
            channels=channels_of(n.pop("mask")),
            examples_in=tuple(n["examples_in"]),
            examples_out=tuple(n["examples_out"]),
        )
        if "open_item_ids" in n:
            n["open_item_ids"] = tuple(n["open_item_ids"])
        yield i, n


def _edge_rows(
    edges: dict[tuple[int, int], dict[str, Any]],
) -> Iterable[tuple[int, int, dict[str, Any]]]:
    for (u, v), e in edges.items():
        e["first"] = _when(e["first"])
        e["last"] = _when(e["last"])
        e["channels"] = channels_of(e.pop("mask"))
        yield u, v, e


def _account_index(
    roster: dict[int, Stakeholder], acc: dict[str, tuple[array[float], array[float]]]
) -> dict[str, dict[str, Any]]:
    people: dict[str, list[int]] = {}
    for i, p in roster.items():
        if not p.internal and p.account and not p.automated:
            people.setdefault(p.account, []).append(i)
    empty = (array("d"), array("d"))
    return {
        name: {
            "people": tuple(sorted(people.get(name, ()))),
            "inbound_times": acc.get(name, empty)[0],
            "outbound_times": acc.get(name, empty)[1],
        }
        for name in sorted(people.keys() | acc.keys())
    }


def account_subgraph(G: nx.DiGraph, account: str) -> nx.DiGraph:
    """The part of ``G`` about one account: its people and our people who talk with them.

    Scores computed on it equal the scores on ``G`` for that account, so a caller can
    re-score only the accounts that new messages touched (or build the account's graph
    straight from the interactions that involve its people).

    >>> from datetime import UTC, datetime
    >>> from tieline.domain import Channel, Interaction, Stakeholder
    >>> at = datetime(2026, 3, 1, tzinfo=UTC)
    >>> people = [Stakeholder(1, "Cam", True), Stakeholder(2, "Dana", False, "Acme"),
    ...           Stakeholder(3, "Eve", False, "Globex")]
    >>> msgs = [Interaction(10, Channel.EMAIL, at, 1, to=(2,)),
    ...         Interaction(11, Channel.EMAIL, at, 1, to=(3,))]
    >>> sorted(account_subgraph(stakeholder_graph(people, msgs, as_of=at), "Acme"))
    [1, 2]
    """
    index = G.graph["accounts"].get(account)
    members = set(index["people"]) if index else set()
    keep = set(members)
    for p in members:
        keep.update(u for u in G.predecessors(p) if G.nodes[u]["internal"])
        keep.update(u for u in G.successors(p) if G.nodes[u]["internal"])
    H = G.subgraph(keep).copy()
    H.graph = {**G.graph, "accounts": {account: index} if index else {}}
    return H
