"""Roles: overrides, the most engaged two-way contact, executives, power users."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta

from tieline.domain import Channel, Interaction, Stakeholder
from tieline.graph import roles
from tieline.graph.roles import champion_at, infer_roles, looks_executive
from tieline.graph.stakeholders import stakeholder_graph

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US = 1


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def talk(first_id: int, them: int, n: int, *, start: float = 0, channel: Channel = Channel.EMAIL,
         answers: bool = True) -> list[Interaction]:  # fmt: skip
    """``n`` of our messages to ``them``, each answered the next hour when ``answers``."""
    out = []
    for k in range(n):
        mid = first_id + 2 * k
        out.append(Interaction(mid, channel, day(start + k), US, to=(them,)))
        if answers:
            out.append(Interaction(mid + 1, channel, day(start + k + 0.04), them, to=(US,)))
    return out


def people(**extra: Stakeholder) -> list[Stakeholder]:
    base = {
        "us": Stakeholder(US, "Cam", True),
        "dana": Stakeholder(10, "Dana", False, "Acme", title="Ops Manager"),
        "lee": Stakeholder(11, "Lee", False, "Acme", title="VP Finance"),
        "sam": Stakeholder(12, "Sam", False, "Acme"),
        "pat": Stakeholder(13, "Pat", False, "Acme"),
    }
    base.update(extra)
    return list(base.values())


MSGS = (
    talk(100, 10, 6)  # Dana: six two-way exchanges
    + talk(200, 11, 2)  # Lee, the VP
    + talk(300, 13, 20, answers=False)  # Pat: we write a lot, Pat never answers
    + [Interaction(400 + k, Channel.TICKET, day(k), 12, to=(US,)) for k in range(5)]
)


def test_champion_executive_power_user_user() -> None:
    G = stakeholder_graph(people(), MSGS, as_of=day(30))
    assert infer_roles(G) == {10: "champion", 11: "economic_buyer", 12: "power_user", 13: "user"}


def test_one_way_volume_does_not_make_a_champion() -> None:
    G = stakeholder_graph(people(), talk(300, 13, 20, answers=False), as_of=day(30))
    assert champion_at(G, "Acme", at=day(30).timestamp()) is None


def test_override_wins_and_replaces_the_inferred_champion() -> None:
    sam = Stakeholder(12, "Sam", False, "Acme", role_override="champion")
    G = stakeholder_graph(people(sam=sam), MSGS, as_of=day(30))
    got = infer_roles(G)
    assert got[12] == "champion" and got[10] == "user"


def test_departed_people_are_not_the_current_champion() -> None:
    dana = Stakeholder(10, "Dana", False, "Acme", departed_at=day(20))
    G = stakeholder_graph(people(dana=dana), MSGS, as_of=day(30))
    assert infer_roles(G)[10] == "user"
    assert infer_roles(G)[11] == "champion"  # the VP is the most engaged one left
    assert champion_at(G, "Acme", at=day(19).timestamp(), include=(10,)) == 10


def test_executive_flag_from_caller_beats_the_title_rules() -> None:
    lee = Stakeholder(11, "Lee", False, "Acme", title="VP Finance", executive=False)
    G = stakeholder_graph(people(lee=lee), MSGS, as_of=day(30))
    assert infer_roles(G)[11] == "user"


def test_accounts_filter() -> None:
    G = stakeholder_graph(people(), MSGS, as_of=day(30))
    assert infer_roles(G, accounts=["Acme", "Nowhere"]) == infer_roles(G)
    assert infer_roles(G, accounts=[]) == {}


def test_looks_executive() -> None:
    yes = ["CEO", "Chief Revenue Officer", "SVP Sales", "Head of Support", "Co-founder"]
    no = ["Executive Assistant", "Account Executive", "Product Owner", "Chief of Staff", ""]
    assert all(looks_executive(t) for t in yes)
    assert not any(looks_executive(t) for t in no)


def test_docstring_examples() -> None:
    assert doctest.testmod(roles, optionflags=doctest.ELLIPSIS).failed == 0
