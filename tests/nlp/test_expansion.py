from __future__ import annotations

import doctest

import pytest

import tieline.nlp.expansion as expansion_module
from tests.nlp.test_lifecycle import DANA, SENT
from tieline.domain import LifecycleKind
from tieline.nlp.authorship import own_text
from tieline.nlp.expansion import expansion
from tieline.nlp.lifecycle import detect_events


def test_doctests() -> None:
    result = doctest.testmod(expansion_module)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize(
    "text",
    [
        "We'd like to add 20 more seats for the support team.",
        "Can we get pricing for the analytics add-on?",
        "We are planning to roll it out to the rest of the company in Q3.",
        "Our EMEA team wants to start using the platform as well.",
        "We want to upgrade to the enterprise plan before renewal.",
        "Please send a quote for 50 additional licenses.",
        "We expect to double our usage next year.",
    ],
)
def test_expansion_positive(text: str) -> None:
    [event] = expansion(text)
    assert event.kind is LifecycleKind.EXPANSION and event.confidence >= 0.6


@pytest.mark.parametrize(
    "text",
    [
        "We don't need more seats right now.",  # negated
        "Do you need more seats for the new hires?",  # the vendor asking
        'The article says "Acme will add 500 licenses" this year.',  # quoted
        "Acme said it will expand to another region.",  # reported, third party
        "We added more seats three years ago.",  # a story from the past
        "The team reviewed the report.",  # nothing
        "Let me know if you have any questions about adding seats.",  # no growth
    ],
)
def test_expansion_precision_cases(text: str) -> None:
    assert expansion(text) == []


def test_expansion_in_a_forwarded_newsletter_is_not_the_authors() -> None:
    body = (
        "FYI, see below.\n\n"
        "---------------------- Forwarded by Ana Lee on 05/07/2025 09:30 AM\n"
        "Acme Weekly: We'd like to add 20 more seats, said one customer.\n"
        "We want to upgrade to the enterprise plan.\n"
    )
    kinds = [e.kind for e in detect_events(subject="", body=own_text(body), author_email=DANA,
                                           sent_at=SENT)]  # fmt: skip
    assert LifecycleKind.EXPANSION not in kinds
    direct = detect_events(subject="", body=body, author_email=DANA, sent_at=SENT)
    assert LifecycleKind.EXPANSION in [e.kind for e in direct]  # the blanking is what helps
