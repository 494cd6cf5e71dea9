"""Relationship strength: each component's normalisation, the 1-5 mapping, the evidence."""

from __future__ import annotations

import doctest
import math
from datetime import UTC, datetime, timedelta

import pytest

from tieline.domain import Channel, Interaction, ItemFact, ItemKind, Side, Stakeholder
from tieline.graph import strength
from tieline.graph.stakeholders import stakeholder_graph
from tieline.graph.strength import DEFAULT_WEIGHTS, pair_strength, person_strength, score_of

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US, AE, DANA, PAT = 1, 2, 10, 13
PEOPLE = [
    Stakeholder(US, "Cam", True),
    Stakeholder(AE, "Ana", True),
    Stakeholder(DANA, "Dana", False, "Acme"),
    Stakeholder(PAT, "Pat", False, "Acme"),
]


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def exchange(mid: int, d: float, them: int, *, us: int = US, channel: Channel = Channel.EMAIL,
             tone: float | None = 0.6) -> list[Interaction]:  # fmt: skip
    """Our message, answered by ``them`` one hour later."""
    return [
        Interaction(mid, channel, day(d), us, to=(them,), reply_seconds=3600.0),
        Interaction(mid + 1, channel, day(d) + timedelta(hours=1), them, to=(us,), sentiment=tone),
    ]


HEALTHY = [m for k in range(40) for m in exchange(100 + 2 * k, 10 * k, DANA,
           channel=(Channel.EMAIL, Channel.SLACK)[k % 2])]  # fmt: skip
ONE_WAY = [Interaction(500 + k, Channel.EMAIL, day(300 + 5 * k), US, to=(PAT,), answered=False)
           for k in range(15)]  # fmt: skip
AS_OF = day(400)


def test_components_in_range_and_scores_ordered() -> None:
    G = stakeholder_graph(PEOPLE, HEALTHY + ONE_WAY, as_of=AS_OF)
    got = person_strength(G)
    assert set(got) == {DANA, PAT}
    for s in got.values():
        assert 1 <= s.score <= 5 and 0 <= s.value <= 1
        assert all(0 <= v <= 1 for v in s.components.values())
        assert math.isclose(sum(s.weights.values()), 1.0)
    assert got[DANA].score >= 4 and got[PAT].score == 1
    assert got[PAT].components["recency"] == 0 and got[PAT].components["reciprocity"] == 0
    assert got[PAT].components["responsiveness"] == 0  # 15 unanswered, none answered
    assert any(r.startswith("weak recency: never wrote") for r in got[PAT].reasons)


def test_evidence_counts_are_exact() -> None:
    G = stakeholder_graph(PEOPLE, HEALTHY, as_of=AS_OF)
    ev = person_strength(G)[DANA].evidence
    assert (ev["messages_in"], ev["messages_out"]) == (40, 40)
    # The window is (day 310, day 400]: our day-310 message falls out, her answer stays in.
    assert (ev["messages_in_90d"], ev["messages_out_90d"]) == (9, 8)
    assert ev["first_contact"] == day(0) and ev["last_contact"] == day(390) + timedelta(hours=1)
    assert ev["channels"] == ("email", "slack")
    assert (ev["answered"], ev["unanswered"], ev["median_reply_hours"]) == (40, 0, 1.0)
    assert ev["example_message_ids"] == (175, 177, 179, 174, 176, 178)


def test_normalisations() -> None:
    msgs = [
        *exchange(1, 0, DANA, tone=1.0),
        Interaction(3, Channel.SLACK, day(10), US, to=(DANA,)),
        Interaction(4, Channel.SLACK, day(11), US, to=(DANA,)),
    ]
    items = [ItemFact(1, 2, DANA, ItemKind.REQUEST, Side.US, day(0))]
    G = stakeholder_graph(PEOPLE, msgs, items, as_of=day(14) + timedelta(hours=1))
    c = person_strength(G)[DANA].components
    assert math.isclose(c["recency"], 0.5)  # her only message is 14 days old
    assert math.isclose(c["reciprocity"], 1 / 4)  # 1 in, 3 out
    assert math.isclose(c["frequency"], (4 / 3) / (4 / 3 + 4))
    assert math.isclose(c["channel_diversity"], 2 / 3)
    assert math.isclose(c["sentiment"], 1.0)
    assert math.isclose(c["responsiveness"], 1 - math.log1p(1) / math.log1p(168))
    assert math.isclose(c["open_items"], 1 / 3)  # one open, overdue (14 days old)
    assert math.isclose(c["duration"], (14 + 1 / 24) / 30.44 / 12)


def test_missing_components_spread_their_weight() -> None:
    msgs = [Interaction(1, Channel.EMAIL, day(1), US, to=(DANA,)),
            Interaction(2, Channel.EMAIL, day(2), DANA, to=(US,))]  # fmt: skip
    s = person_strength(stakeholder_graph(PEOPLE, msgs, as_of=day(3)))[DANA]
    assert s.missing == ("sentiment", "responsiveness", "open_items")
    present = 1 - sum(DEFAULT_WEIGHTS[k] for k in s.missing)
    assert math.isclose(s.weights["recency"], DEFAULT_WEIGHTS["recency"] / present)
    assert math.isclose(s.value, sum(s.weights[k] * v for k, v in s.components.items()))


def test_custom_weights() -> None:
    G = stakeholder_graph(PEOPLE, HEALTHY, as_of=AS_OF)
    s = person_strength(G, weights={"recency": 1.0})[DANA]
    assert s.components.keys() == {"recency"} and s.value == s.components["recency"]


def test_scoring_later_decays_and_earlier_is_refused() -> None:
    G = stakeholder_graph(PEOPLE, HEALTHY, as_of=AS_OF)
    now, later = person_strength(G)[DANA], person_strength(G, as_of=day(500))[DANA]
    assert later.components["recency"] < now.components["recency"]
    assert later.value < now.value
    with pytest.raises(ValueError):
        person_strength(G, as_of=day(100))


def test_pair_strength() -> None:
    msgs = HEALTHY + exchange(900, 395, DANA, us=AE) + ONE_WAY
    got = pair_strength(stakeholder_graph(PEOPLE, msgs, as_of=AS_OF))
    assert set(got) == {(US, DANA), (AE, DANA), (US, PAT)}
    assert got[(US, DANA)].evidence["messages_in"] == 40
    assert got[(AE, DANA)].evidence["messages_in"] == 1
    assert got[(AE, DANA)].evidence["example_message_ids"] == (901, 900)
    assert got[(US, DANA)].score > got[(AE, DANA)].score > got[(US, PAT)].score == 1


def test_score_of_cut_points() -> None:
    assert [score_of(v) for v in (0.0, 0.19, 0.2, 0.39, 0.4, 0.6, 0.79, 0.8, 1.0)] == [
        1, 1, 2, 2, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_docstring_examples() -> None:
    assert doctest.testmod(strength, optionflags=doctest.ELLIPSIS).failed == 0


# --- issue 13: departures, silence and people who never wrote --------------------------


def test_a_departed_person_is_at_most_2_from_the_departure_on() -> None:
    left = day(395)
    people = [*PEOPLE[:2], Stakeholder(DANA, "Dana", False, "Acme", departed_at=left)]
    before = person_strength(stakeholder_graph(people, HEALTHY, as_of=day(394)))[DANA]
    after = person_strength(stakeholder_graph(people, HEALTHY, as_of=day(396)))[DANA]
    assert before.score >= 4
    assert after.score <= 2 and after.value < 0.4
    assert after.reasons[0] == "departed on 2027-01-31: at most 2"


def test_silence_decays_strength() -> None:
    def at(d: float) -> strength.Strength:
        return person_strength(stakeholder_graph(PEOPLE, HEALTHY, as_of=day(d)))[DANA]

    last = 390  # Dana's last message
    fresh, month, quarter = at(last + 5), at(last + 30), at(last + 120)
    assert fresh.evidence["silence_factor"] == 1.0 == month.evidence["silence_factor"]
    assert math.isclose(quarter.evidence["silence_factor"], 0.5 ** (90 / 60), rel_tol=0.01)
    assert quarter.score < month.score <= fresh.score
    assert any(r.startswith("silent for 120 days") for r in quarter.reasons)


def test_people_who_never_wrote_stay_at_1() -> None:
    # Pat is copied on every message we send Dana, for a year, and never writes.
    copied = [
        Interaction(5000 + k, Channel.EMAIL, day(7 * k), US, to=(DANA,), cc=(PAT,))
        for k in range(52)
    ]
    s = person_strength(stakeholder_graph(PEOPLE, HEALTHY + copied, as_of=day(365)))
    assert s[PAT].score == 1 and s[PAT].evidence["never_wrote"]
    assert s[DANA].score >= 4
