"""The stakeholder graph keeps exactly what happened by ``as_of`` and counts it once."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

import pytest

from tieline.domain import Channel, Interaction, ItemFact, ItemKind, Side, Stakeholder
from tieline.graph import stakeholders
from tieline.graph.stakeholders import account_subgraph, count_in, stakeholder_graph
from tieline.graph.strength import person_strength

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US, AE, DANA, LEE, BOT, EVE = 1, 2, 10, 11, 90, 20
PEOPLE = [
    Stakeholder(US, "Cam", True),
    Stakeholder(AE, "Ana", True),
    Stakeholder(DANA, "Dana", False, "Acme", departed_at=T0 + timedelta(days=50)),
    Stakeholder(LEE, "Lee", False, "Acme", title="Chief Financial Officer"),
    Stakeholder(BOT, "noreply", False, "Acme", automated=True),
    Stakeholder(EVE, "Eve", False, "Globex"),
]


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def msg(mid: int, d: float, author: int, to: tuple[int, ...], **kw: object) -> Interaction:
    channel = kw.pop("channel", Channel.EMAIL)
    return Interaction(mid, channel, day(d), author, to=to, **kw)  # type: ignore[arg-type]


MSGS = [
    msg(1, 1, US, (DANA,), cc=(LEE, AE), sentiment=0.5, reply_seconds=3600.0, answered_by=DANA),
    msg(2, 1.1, DANA, (US,), cc=(LEE,), sentiment=0.8, channel=Channel.SLACK),
    msg(3, 2, US, (DANA, LEE), answered=False),
    msg(4, 3, BOT, (US,)),  # a machine sender
    msg(5, 3, DANA, (US,), automated=True),  # an auto-reply
    msg(6, 4, US, (BOT, EVE)),  # the machine recipient is dropped
    msg(7, 5, US, (DANA,), reply_seconds=40 * 86400.0),  # answered only on day 45
    msg(8, 60, DANA, (US,)),  # after the first as_of
]


def test_counts_directions_and_edges_exactly() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    dana, lee = G.nodes[DANA], G.nodes[LEE]
    assert (dana["inbound"], dana["outbound"], dana["sent"]) == (1, 3, 1)
    assert (lee["inbound"], lee["outbound"], lee["received"], lee["cc_received"]) == (0, 2, 1, 2)
    assert dana["channels"] == ("email", "slack")
    assert dana["examples_in"] == (2,) and dana["examples_out"] == (1, 3, 7)
    e = G.edges[US, DANA]
    assert (e["messages"], e["to"], e["cc"], e["last_message"]) == (3, 3, 0, 7)
    assert e["first"] == day(1) and e["last"] == day(5)
    assert G.edges[US, LEE]["cc"] == 1 and G.edges[DANA, LEE]["messages"] == 1
    assert G.edges[US, AE]["messages"] == 1  # internal edges are kept too
    assert dana["sentiment_n"] == 1 and G.edges[US, DANA]["sentiment_n"] == 1


def test_account_index_counts_each_message_once() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    acme = G.graph["accounts"]["Acme"]
    assert acme["people"] == (DANA, LEE)  # the machine is not a stakeholder
    assert list(acme["outbound_times"]) == [day(n).timestamp() for n in (1, 2, 5)]
    assert list(acme["inbound_times"]) == [day(1.1).timestamp()]
    assert count_in(acme["outbound_times"], day(1).timestamp(), day(5).timestamp()) == 2


def test_automated_senders_and_recipients_never_count() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    assert G.graph["automated_skipped"] == 2
    assert G.nodes[BOT]["sent"] == 0 and G.nodes[BOT]["received"] == 0
    assert not G.has_edge(US, BOT) and not G.has_edge(BOT, US)
    assert G.nodes[DANA]["inbound"] == 1  # her auto-reply is not engagement
    assert G.nodes[EVE]["outbound"] == 1


def test_point_in_time() -> None:
    early = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    late = stakeholder_graph(PEOPLE, MSGS, as_of=day(70))
    assert not early.nodes[DANA]["departed"] and early.nodes[DANA]["departed_at"] is None
    assert late.nodes[DANA]["departed"] and late.nodes[DANA]["departed_at"] == day(50)
    assert early.nodes[DANA]["inbound"] == 1 and late.nodes[DANA]["inbound"] == 2
    # Message 7 was answered on day 45: not yet by day 30, so it counts as unanswered.
    assert early.nodes[DANA]["answered"] == 1 and early.nodes[DANA]["unanswered"] == 2
    assert late.nodes[DANA]["answered"] == 2 and late.nodes[DANA]["unanswered"] == 1
    assert list(early.nodes[DANA]["reply_seconds"]) == [3600.0]


def test_reply_credit_goes_to_who_answered() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    assert G.nodes[LEE].get("answered", 0) == 0  # Dana answered message 1, not Lee
    assert G.nodes[LEE]["unanswered"] == 1  # message 3 was To both, nobody answered
    assert G.edges[US, DANA]["answered"] == 1


def test_open_items_as_of() -> None:
    items = [
        ItemFact(1, 2, DANA, ItemKind.REQUEST, Side.US, day(1.1), resolved_at=day(40)),
        ItemFact(2, 3, US, ItemKind.QUESTION, Side.THEM, day(2)),
        ItemFact(3, 1, US, ItemKind.COMMITMENT, Side.US, day(1), due=day(29)),
        ItemFact(4, 4, BOT, ItemKind.REQUEST, Side.US, day(3)),  # automated message
        ItemFact(5, 2, DANA, ItemKind.REQUEST, Side.US, day(1.1), resolved_at=day(10)),
    ]
    G = stakeholder_graph(PEOPLE, MSGS, items, as_of=day(30))
    dana, lee = G.nodes[DANA], G.nodes[LEE]
    assert G.graph["items_known"]
    assert (dana["open_owed_by_us"], dana["overdue_owed_by_us"]) == (2, 2)
    assert dana["open_owed_by_them"] == 1 and sorted(dana["open_item_ids"]) == [1, 2, 3]
    assert lee["open_owed_by_us"] == 1 and lee["open_owed_by_them"] == 1
    assert G.edges[DANA, US]["open_owed_by_us"] == 1 and G.edges[US, DANA]["open_owed_by_us"] == 1
    later = stakeholder_graph(PEOPLE, MSGS, items, as_of=day(45))
    assert later.nodes[DANA]["open_owed_by_us"] == 1


def test_account_subgraph_scores_like_the_whole_graph() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=day(30))
    H = account_subgraph(G, "Acme")
    assert set(H) == {US, DANA, LEE}  # Ana never wrote with Acme
    assert set(H.graph["accounts"]) == {"Acme"}
    assert person_strength(H) == person_strength(G, accounts=["Acme"])
    assert len(account_subgraph(G, "Nowhere")) == 0


def test_unknown_people_and_naive_dates() -> None:
    G = stakeholder_graph(PEOPLE, [msg(1, 1, US, (77,))], as_of=day(2))
    assert G.nodes[77]["outbound"] == 1 and G.nodes[77]["account"] is None
    with pytest.raises(ValueError):
        stakeholder_graph(PEOPLE, MSGS, as_of=datetime(2026, 1, 30))


def test_docstring_examples() -> None:
    assert doctest.testmod(stakeholders, optionflags=doctest.ELLIPSIS).failed == 0
