"""Account relationships on four hand-built customers, each with one story to tell."""

from __future__ import annotations

import doctest
import math
from datetime import UTC, datetime, timedelta

from tieline.domain import Channel, Interaction, Stakeholder
from tieline.graph import accounts
from tieline.graph.accounts import account_relationships
from tieline.graph.stakeholders import account_subgraph, stakeholder_graph

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US, AE = 1, 2
DANA, LEE, SAM = 10, 11, 12  # Acme: healthy, multi-threaded, the VP engaged
PRIYA, RAJ = 20, 21  # Initech: champion Priya leaves on day 340
MAX, KIM = 30, 31  # Umbrella: all through Max
GIA, GUS = 40, 41  # Globex: Gia goes quiet after day 294, Gus is only ever copied


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


PEOPLE = [
    Stakeholder(US, "Cam", True),
    Stakeholder(AE, "Ana", True),
    Stakeholder(DANA, "Dana", False, "Acme", title="Operations Manager"),
    Stakeholder(LEE, "Lee", False, "Acme", title="VP Finance"),
    Stakeholder(SAM, "Sam", False, "Acme"),
    Stakeholder(
        PRIYA,
        "Priya",
        False,
        "Initech",
        departed_at=day(340),
        departure_evidence="Priya is no longer with Initech",
    ),  # fmt: skip
    Stakeholder(RAJ, "Raj", False, "Initech"),
    Stakeholder(MAX, "Max", False, "Umbrella"),
    Stakeholder(KIM, "Kim", False, "Umbrella"),
    Stakeholder(GIA, "Gia", False, "Globex"),
    Stakeholder(GUS, "Gus", False, "Globex"),
]
_ids = iter(range(1, 10_000))


def exchanges(them: int, start: int, stop: int, every: int, *, us: int = US,
              channel: Channel = Channel.EMAIL) -> list[Interaction]:  # fmt: skip
    """A two-way exchange every ``every`` days from ``start`` to ``stop``, answered in 2 h."""
    out = []
    for d in range(start, stop + 1, every):
        out.append(Interaction(next(_ids), channel, day(d), us, to=(them,), reply_seconds=7200.0,
                               answered_by=them, sentiment=0.3))  # fmt: skip
        out.append(Interaction(next(_ids), channel, day(d) + timedelta(hours=2), them, to=(us,),
                               sentiment=0.5))  # fmt: skip
    return out


MSGS = (
    exchanges(DANA, 0, 360, 7)
    + exchanges(LEE, 5, 360, 14, us=AE)
    + exchanges(SAM, 2, 358, 10, channel=Channel.SLACK)
    + exchanges(PRIYA, 0, 335, 5)
    + exchanges(RAJ, 30, 330, 60)
    + exchanges(MAX, 0, 362, 4)
    + exchanges(KIM, 200, 200, 1)
    + exchanges(GIA, 0, 300, 7)
    + [
        Interaction(next(_ids), Channel.EMAIL, day(d), US, to=(GIA,), cc=(GUS,), answered=False)
        for d in (310, 340, 350, 360)
    ]
)
AS_OF = day(365)


def score_all(as_of: datetime = AS_OF) -> dict[str, accounts.AccountRelationship]:
    return account_relationships(stakeholder_graph(PEOPLE, MSGS, as_of=as_of))


def test_every_score_is_bounded() -> None:
    got = score_all()
    assert set(got) == {"Acme", "Initech", "Umbrella", "Globex"}
    for r in got.values():
        assert 1 <= r.score <= 5 and 0 <= r.value <= 1
        assert all(0 <= v <= 1 for v in r.components.values())
        assert math.isclose(sum(r.weights.values()), 1.0)


def test_healthy_multi_threaded_account() -> None:
    acme = score_all()["Acme"]
    assert acme.breadth == 3 and acme.people == 3
    assert acme.executive_covered and acme.evidence["executives_strong"] == [LEE]
    assert acme.champion == DANA
    assert not (acme.single_threaded.raised or acme.gone_dark.raised)
    assert not (acme.departed_champion.raised or acme.ghosts.raised)
    assert acme.score >= 4
    assert acme.score > score_all()["Globex"].score


def test_departed_champion_and_point_in_time() -> None:
    initech = score_all()["Initech"]
    flag = initech.departed_champion
    assert flag.raised and flag.evidence["person"] == PRIYA
    assert flag.evidence["departed_at"] == day(340)
    assert flag.evidence["departure_evidence"] == "Priya is no longer with Initech"
    assert initech.champion == RAJ  # who is left
    before = score_all(day(330))["Initech"]
    assert not before.departed_champion.raised and before.champion == PRIYA
    long_after = account_relationships(
        stakeholder_graph(PEOPLE, MSGS, as_of=AS_OF), as_of=day(600), champion_memory_days=180
    )["Initech"]
    assert not long_after.departed_champion.raised  # 260 days ago: old news


def test_a_departed_non_champion_raises_nothing() -> None:
    people = [
        p if p.id != RAJ else Stakeholder(RAJ, "Raj", False, "Initech", departed_at=day(350))
        for p in PEOPLE
        if p.id != PRIYA
    ]
    got = account_relationships(stakeholder_graph(people, MSGS, as_of=AS_OF))
    assert got["Initech"].departed_champion.raised  # Raj was the only one left: champion
    people.append(Stakeholder(PRIYA, "Priya", False, "Initech"))
    got = account_relationships(stakeholder_graph(people, MSGS, as_of=AS_OF))
    assert not got["Initech"].departed_champion.raised
    assert got["Initech"].departed_champion.evidence["departed"] == [RAJ]


def test_single_threaded() -> None:
    got = score_all()
    umbrella = got["Umbrella"].single_threaded
    assert umbrella.raised and umbrella.evidence["person"] == MAX
    assert umbrella.evidence["share"] > 0.9
    assert not got["Acme"].single_threaded.raised


def test_gone_dark_while_we_keep_writing() -> None:
    got = score_all()
    dark = got["Globex"].gone_dark
    assert dark.raised
    assert dark.evidence["outreach"] == 3  # days 340, 350 and 360
    assert dark.evidence["last_inbound"] == day(294) + timedelta(hours=2)  # every 7 days to 294
    assert math.isclose(dark.evidence["days_silent"], 71 - 2 / 24)
    assert not got["Acme"].gone_dark.raised
    quiet_both_ways = score_all(day(330))["Globex"].gone_dark
    assert not quiet_both_ways.raised  # silent 30 days, but we sent only one message


def test_ghosts() -> None:
    got = score_all()
    ghosts = got["Globex"].ghosts
    # Issue 13: evidence names the person (never a bare id) and counts our messages to them.
    assert ghosts.raised and [g["person"] for g in ghosts.evidence["people"]] == [GUS]
    gus = ghosts.evidence["people"][0]
    assert gus["name"] == "Gus" and gus["cc"] == 4 and gus["addressed_by_us"] == 4
    assert "Gus" in ghosts.reason
    assert not any(r.ghosts.raised for name, r in got.items() if name != "Globex")
    assert not score_all(day(345))["Globex"].ghosts.raised  # copied only twice by then


def test_one_account_alone_scores_the_same() -> None:
    G = stakeholder_graph(PEOPLE, MSGS, as_of=AS_OF)
    full = account_relationships(G)
    assert account_relationships(G, accounts=["Globex"]) == {"Globex": full["Globex"]}
    for name in ("Initech", "Acme"):
        assert account_relationships(account_subgraph(G, name))[name] == full[name]


def test_docstring_examples() -> None:
    assert doctest.testmod(accounts, optionflags=doctest.ELLIPSIS).failed == 0


def test_a_mass_mailing_alone_raises_no_conversation_flag() -> None:
    """An account that only ever received our mailings: no two-way conversation, no flags."""
    people = [Stakeholder(US, "Cam", True), *(Stakeholder(50 + i, f"R{i}", False, "Cisco")
              for i in range(3))]  # fmt: skip
    blasts = [
        Interaction(900 + d, Channel.EMAIL, day(d), US, to=(50, 51), cc=(52,))
        for d in range(0, 365, 10)
    ]
    r = account_relationships(stakeholder_graph(people, blasts, as_of=AS_OF))["Cisco"]
    assert not r.single_threaded.raised and not r.gone_dark.raised and not r.ghosts.raised
    # One answer from them makes it a conversation: now our unanswered outreach counts.
    answer = Interaction(899, Channel.EMAIL, day(1), 50, to=(US,))
    r = account_relationships(stakeholder_graph(people, [answer, *blasts], as_of=AS_OF))["Cisco"]
    assert r.gone_dark.raised and r.ghosts.raised
    assert {g["name"] for g in r.ghosts.evidence["people"]} == {"R1", "R2"}
