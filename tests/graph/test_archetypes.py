"""Nine account archetypes through the real scoring path: bands, order and evidence.

All archetypes are scored together in one workspace (the median account is part of
engagement), as of one date, by :func:`tieline.graph.account_health.score_accounts`.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.graph.archetypes import (
    ARCHETYPES,
    AS_OF,
    OURS,
    Account,
    ago,
    champion_departed,
    explicit_churn_notice,
)
from tieline.graph.account_health import Scored, score_accounts
from tieline.graph.health import Band, Health

EXPECTED_BAND = {
    "expanding": Band.GREEN,
    "healthy multi-threaded": Band.GREEN,
    "noisy but happy": Band.GREEN,
    "calm single-threaded": Band.YELLOW,
    "slow-to-answer vendor": Band.YELLOW,
    "explicit churn notice": Band.RED,
    "champion departed": Band.RED,
    "gone dark": Band.RED,
    "mass mailing only": Band.UNKNOWN,
}
# Best first. The churn notice is capped at 35 (red) but sits above the accounts whose
# conversation itself has broken down: they still talk to us, so there is time to act.
EXPECTED_ORDER = [
    "expanding",
    "healthy multi-threaded",
    "noisy but happy",
    "calm single-threaded",
    "slow-to-answer vendor",
    "explicit churn notice",
    "champion departed",
    "gone dark",
]


def _score(*accounts: Account) -> Scored:
    people, msgs, items, events = list(OURS), [], [], []
    for a in accounts:
        people += a.people
        msgs += a.messages
        items += a.items
        events += a.events
    return score_accounts(people, msgs, items, events, as_of=AS_OF)


@pytest.fixture(scope="module")
def scored() -> dict[str, Health]:
    built = {label: make() for label, make in ARCHETYPES.items()}
    s = _score(*built.values())
    return {label: s.health[a.name] for label, a in built.items()}


def test_each_archetype_gets_its_band(scored: dict[str, Health]) -> None:
    assert {k: h.band for k, h in scored.items()} == EXPECTED_BAND


def test_archetypes_come_in_the_expected_order(scored: dict[str, Health]) -> None:
    ranked = sorted(EXPECTED_ORDER, key=lambda k: -(scored[k].score or 0))
    assert ranked == EXPECTED_ORDER
    assert all(scored[k].score is not None for k in EXPECTED_ORDER)


def test_reasons_name_people_and_messages(scored: dict[str, Health]) -> None:
    churn = scored["explicit churn notice"].reasons[0].text
    assert churn.startswith('Churn notice from Diane Foster on 2026-06-22 ("Renewal"): "We have')
    assert scored["explicit churn notice"].score == 35.0  # capped, although it talks well
    assert scored["explicit churn notice"].base_score is not None
    assert scored["explicit churn notice"].base_score >= 70
    left = scored["champion departed"].reasons[0].text
    assert left.startswith("Champion Laura Benson left on 2026-05-21")
    assert "no one has taken over" in left
    dark = scored["gone dark"].reasons[0].text
    assert dark.startswith("Gone dark: nothing from them since 2026-04-25")
    assert '"Check-in" from Karen Mills' in dark
    assert scored["expanding"].reasons[0].text.startswith("Expansion: \"We'd like to add 40 seats")
    unknown = scored["mass mailing only"]
    assert unknown.score is None and unknown.components == {}
    assert "0 messages from them, 25 from us" in unknown.reasons[0].text


def test_components_report_their_evidence(scored: dict[str, Health]) -> None:
    healthy = scored["healthy multi-threaded"]
    ev = healthy.components["sentiment"].evidence
    assert ev is not None and ev.messages >= 3 and ev.people == 4 and ev.days > 60
    assert healthy.components["relationship"].evidence is not None
    # Owing nothing is neutral: left out, not a strength.
    assert "open_items" not in healthy.components
    assert healthy.left_out["open_items"].startswith("neutral")
    slow = scored["slow-to-answer vendor"]
    assert slow.components["open_items"].value < 0.5
    assert any(r.component == "open_items" and r.pull < 0 for r in slow.reasons)


def test_a_churn_notice_is_cleared_by_later_evidence() -> None:
    a = explicit_churn_notice()
    diane = next(p.id for p in a.people if p.name == "Diane Foster")
    for d in (6, 4, 2):  # the buyer comes back warm after the call
        a.exchange(diane, d, tone=0.6, subject="Renewal after our call")
    h = _score(a).health[a.name]
    assert not any(e.rule == "churn_notice" for e in h.events)
    assert h.band is not Band.RED


def test_an_expansion_after_the_notice_clears_it() -> None:
    a = explicit_churn_notice()
    diane = next(p.id for p in a.people if p.name == "Diane Foster")
    mid = a.exchange(diane, 3, tone=0.0, subject="Scope for next year")
    a.event("expansion", mid, diane, "We will keep it and add the Berlin team.")
    rules = [e.rule for e in _score(a).health[a.name].events]
    assert "churn_notice" not in rules and "expansion" in rules


def test_a_successor_takes_the_sting_out_of_a_departure() -> None:
    a = champion_departed()
    ken = next(p.id for p in a.people if p.name == "Ken Ito")
    for d in range(38, 0, -3):
        a.exchange(ken, d, tone=0.4, subject="Taking over from Laura")
    h = _score(a).health[a.name]
    assert not any(e.rule == "departed_champion" for e in h.events)


def test_unanswered_escalations_pull_down_and_answers_undo_it() -> None:
    def build(answer_h: float | None) -> Health:
        a = Account("Sore Point")
        p = a.person("Ola Berg", "Ops")
        for d in range(200, 10, -5):
            a.exchange(p, d, tone=0.2)
        a.exchange(p, 6, tone=-0.8, we_answer_h=answer_h, subject="This is unacceptable")
        return _score(a).health[a.name]

    ignored, answered = build(None), build(2.0)
    esc = [e for e in ignored.events if e.rule == "unanswered_escalation"]
    assert esc and esc[0].points == -12.0
    assert '"This is unacceptable" from Ola Berg' in esc[0].text
    assert not any(e.rule == "unanswered_escalation" for e in answered.events)
    assert (ignored.score or 0) < (answered.score or 0)


def test_nothing_after_the_scoring_date_counts() -> None:
    a = explicit_churn_notice()
    early = score_accounts(
        [*OURS, *a.people], a.messages, a.items, a.events, as_of=AS_OF - timedelta(days=9)
    ).health[a.name]
    assert not early.events or all(e.rule != "churn_notice" for e in early.events)
    assert early.band is Band.GREEN


def test_minimums_are_configurable() -> None:
    from tieline.graph.health import DEFAULT_MODEL, HealthConfig
    from tieline.graph.health_rules import Minimums

    a = Account("Tiny")
    p = a.person("Uma Rao")
    a.exchange(p, 20, tone=0.5)
    assert _score(a).health["Tiny"].band is Band.UNKNOWN  # 1 message from them, needs 2
    relaxed = dataclasses.replace(DEFAULT_MODEL, minimums=Minimums(inbound=1))
    s = score_accounts([*OURS, *a.people], a.messages, as_of=AS_OF,
                       config=HealthConfig(default=relaxed))  # fmt: skip
    h = s.health["Tiny"]
    assert h.band is not Band.UNKNOWN and h.score is not None
    assert set(h.left_out) >= {"sentiment", "engagement"}  # too little for those
    assert h.left_out["sentiment"].startswith("insufficient data: 1 scored customer message")
    assert ago(0) == AS_OF
