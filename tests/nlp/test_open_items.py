from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tieline.domain import ItemKind, OpenItem, Side
from tieline.nlp.open_items import (
    ItemStatus,
    ThreadMessage,
    assign_kind,
    detect_items,
    extract_span,
    has_substance,
    is_delivery,
    items_record,
    owed_by,
    split_sentences,
    track_resolution,
)
from tieline.nlp.open_items_dates import parse_due
from tieline.nlp.open_items_model import (
    DEFAULT_MODEL_PATH,
    DIM,
    LinearDetector,
    RuleDetector,
    featurize,
    load_detector,
)

SENT = datetime(2024, 3, 6, 15, 0, tzinfo=UTC)  # a Wednesday
RULES = RuleDetector()


def eod(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class FixedDetector:
    """Scores every sentence the same: isolates the rules from any model."""

    score: float
    threshold: float = 0.5

    def scores(self, sentences: Sequence[str]) -> list[float]:
        return [self.score] * len(sentences)


def only(text: str, side: Side | None = Side.THEM, sent_at: datetime | None = SENT) -> OpenItem:
    items = detect_items(text, author_side=side, sent_at=sent_at, detector=RULES)
    assert len(items) == 1, items
    return items[0]


# --- detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("Could you send me the renewal quote?", ItemKind.REQUEST, "send me the renewal quote"),
        ("Hi Ann, can you please review the draft.", ItemKind.REQUEST, "review the draft"),
        (
            "Please forward the invoice to finance, thanks.",
            ItemKind.REQUEST,
            "forward the invoice to finance",
        ),
        ("I need you to sign the order form.", ItemKind.REQUEST, "sign the order form"),
        ("When does the pilot end?", ItemKind.QUESTION, "When does the pilot end?"),
        ("I'll share the security review.", ItemKind.COMMITMENT, "share the security review"),
        ("We will fix the SSO bug.", ItemKind.COMMITMENT, "fix the SSO bug"),
        ("Can we get the SOC2 report?", ItemKind.REQUEST, "get the SOC2 report"),
    ],
)
def test_kinds_and_spans(text: str, kind: ItemKind, span: str) -> None:
    item = only(text)
    assert (item.kind, item.span, item.sentence) == (kind, span, text)


def test_non_items() -> None:
    text = "Attached is the invoice. The meeting was great. Thanks!"
    assert detect_items(text, author_side=Side.US, sent_at=SENT, detector=RULES) == []


def test_low_score_keeps_questions_only() -> None:
    low = FixedDetector(0.1)
    assert assign_kind("Could you send it?", score=0.1, threshold=0.5) is ItemKind.REQUEST
    assert assign_kind("Send it over.", score=0.1, threshold=0.5) is None
    items = detect_items(
        "Send it over. Is it live yet?", author_side=None, sent_at=None, detector=low
    )
    assert [(i.kind, i.confidence) for i in items] == [(ItemKind.QUESTION, 0.9)]
    assert (
        detect_items("Send it over.", author_side=None, sent_at=None, detector=FixedDetector(0.8))[
            0
        ].kind
        is ItemKind.REQUEST
    )


@pytest.mark.parametrize(
    ("kind", "author", "owed"),
    [
        (ItemKind.REQUEST, Side.THEM, Side.US),
        (ItemKind.QUESTION, Side.THEM, Side.US),
        (ItemKind.REQUEST, Side.US, Side.THEM),
        (ItemKind.COMMITMENT, Side.US, Side.US),
        (ItemKind.COMMITMENT, Side.THEM, Side.THEM),
        (ItemKind.REQUEST, None, None),
    ],
)
def test_owed_by(kind: ItemKind, author: Side | None, owed: Side | None) -> None:
    assert owed_by(kind, author) is owed


def test_detect_items_owed_by_both_sides() -> None:
    text = "Can you send the logs? I will escalate it today."
    ours = detect_items(text, author_side=Side.US, sent_at=SENT, detector=RULES)
    theirs = detect_items(text, author_side=Side.THEM, sent_at=SENT, detector=RULES)
    assert [(i.kind, i.owed_by) for i in ours] == [
        (ItemKind.REQUEST, Side.THEM),
        (ItemKind.COMMITMENT, Side.US),
    ]
    assert [i.owed_by for i in theirs] == [Side.US, Side.THEM]


def test_offsets_locate_sentences_and_caller_sentences_are_used() -> None:
    text = "Hello there.  Could you call me?\n\nI'll send the deck."
    items = detect_items(text, author_side=Side.THEM, sent_at=None, detector=RULES)
    assert [text[i.start : i.end] for i in items] == ["Could you call me?", "I'll send the deck."]
    whole = detect_items(
        text, author_side=Side.THEM, sent_at=None, detector=RULES, sentences=[(0, len(text))]
    )
    assert len(whole) == 1 and whole[0].start == 0
    assert split_sentences("") == [] and split_sentences("One. Two.") == [(0, 4), (5, 9)]


def test_items_record_shape() -> None:
    items = detect_items(
        "Could you call me? I'll send it.", author_side=None, sent_at=None, detector=RULES
    )
    assert items_record(items) == {
        "items": [{"kind": "request", "span": "call me"}, {"kind": "commitment", "span": "send it"}]
    }
    theirs = detect_items("Could you call me?", author_side=Side.THEM, sent_at=None, detector=RULES)
    assert items_record(theirs)["items"][0]["owed_by"] == "us"


def test_span_falls_back_to_sentence() -> None:
    assert extract_span("Please advise.", ItemKind.REQUEST) == "Please advise."


# --- due dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Can you send it by Friday?", eod(2024, 3, 8)),
        ("Send it by EOD please.", eod(2024, 3, 6)),
        ("I'll have it tomorrow.", eod(2024, 3, 7)),
        ("We need it by March 3.", eod(2024, 3, 3)),  # days ago: kept, it is overdue
        ("We need it by January 15.", eod(2025, 1, 15)),  # long past: next year's
        ("We need it by March 12th.", eod(2024, 3, 12)),
        ("Deliver it by 4/1.", eod(2024, 4, 1)),
        ("Let's aim for next week.", eod(2024, 3, 15)),
        ("By the end of the week, please.", eod(2024, 3, 8)),
        ("Please pay by the end of the month.", eod(2024, 3, 31)),
        ("Can you call me next Wednesday?", eod(2024, 3, 13)),
        ("Send it on Wednesday.", eod(2024, 3, 6)),
        ("I'll reply within 2 business days.", eod(2024, 3, 8)),
        ("Send it when you can.", None),
    ],
)
def test_parse_due(text: str, due: datetime | None) -> None:
    assert parse_due(text, sent_at=SENT) == due


def test_parse_due_needs_sent_at_and_awareness() -> None:
    assert parse_due("by Friday", sent_at=None) is None
    with pytest.raises(ValueError):
        parse_due("by Friday", sent_at=datetime(2024, 3, 6))
    assert only("Could you send the quote by Friday?").due == eod(2024, 3, 8)
    assert only("Could you send the quote by Friday?", sent_at=None).due is None


# --- resolution ------------------------------------------------------------------------


def msg(
    key: str,
    hours: float,
    side: Side | None,
    body: str,
    *,
    status: str | None = None,
    detect: bool = True,
) -> ThreadMessage:
    at = SENT + timedelta(hours=hours)
    items = detect_items(body, author_side=side, sent_at=at, detector=RULES) if detect else []
    return ThreadMessage(
        key=key, at=at, side=side, body=body, items=tuple(items), ticket_status=status
    )


def resolve(*messages: ThreadMessage, days: float = 3) -> list[ItemStatus]:
    return track_resolution(messages, as_of=SENT + timedelta(days=days))


def test_substantive_reply_resolves_request() -> None:
    [status] = resolve(
        msg("a", 0, Side.THEM, "Could you send me the usage report?"),
        msg("b", 1, Side.THEM, "Any update on this one?", detect=False),  # asker's own nudge
        msg("c", 5, Side.US, "Sure, the usage report is in your inbox now."),
    )
    assert (status.status, status.resolved_by, status.reason) == ("resolved", "c", "reply")
    assert status.resolved_at == SENT + timedelta(hours=5)
    assert status.age_days == pytest.approx(5 / 24)


def test_thanks_only_does_not_resolve() -> None:
    [status] = resolve(
        msg("a", 0, Side.US, "Can you confirm the go-live date?"),
        msg("b", 2, Side.THEM, "Thanks so much, John!"),
    )
    assert (status.status, status.resolved_by, status.reason) == ("open", None, None)
    assert status.age_days == pytest.approx(3.0)


def test_delivered_commitment() -> None:
    statuses = resolve(
        msg("a", 0, Side.US, "I'll send the revised contract by Friday."),
        msg("b", 1, Side.THEM, "Great, we'll review it as soon as we have it."),  # not delivery
        msg("c", 2, Side.US, "I haven't sent it yet, sorry.", detect=False),
        msg("d", 30, Side.US, "Attached is the revised contract."),
    )
    first = statuses[0]
    assert first.item.kind is ItemKind.COMMITMENT
    assert (first.status, first.resolved_by, first.reason) == ("resolved", "d", "delivered")
    assert not first.overdue


def test_ticket_solved_resolves_everything_before_it() -> None:
    statuses = resolve(
        msg("a", 0, Side.THEM, "Can you reset my password? I will send you the logs."),
        msg("b", 1, Side.US, "Thanks!"),
        msg("c", 2, Side.US, "Closing this ticket.", status="solved", detect=False),
        msg("d", 3, Side.THEM, "Could you also check the SSO settings?"),
    )
    assert [(s.message_key, s.item.kind, s.status, s.reason, s.resolved_by) for s in statuses] == [
        ("a", ItemKind.REQUEST, "resolved", "ticket_solved", "c"),
        ("a", ItemKind.COMMITMENT, "resolved", "ticket_solved", "c"),
        ("d", ItemKind.REQUEST, "open", None, None),
    ]


def test_open_item_ages_and_goes_overdue() -> None:
    [status] = resolve(msg("a", 0, Side.THEM, "Please send the SOC2 report by Friday."), days=10)
    assert status.status == "open" and status.overdue
    assert status.age_days == pytest.approx(10.0)
    [fresh] = resolve(msg("a", 0, Side.THEM, "Please send the SOC2 report by Friday."), days=1)
    assert not fresh.overdue


def test_unknown_side_resolves_only_by_ticket() -> None:
    [status] = resolve(
        msg("a", 0, None, "Could you send the logs?"),
        msg("b", 1, Side.US, "Here are the logs you asked for."),
    )
    assert status.status == "open"


def test_as_of_must_be_aware() -> None:
    with pytest.raises(ValueError):
        track_resolution([], as_of=datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("body", "substance"),
    [
        ("Thanks!", False),
        ("ok", False),
        ("> Could you send it?\nThanks, got it", False),
        ("Yes.", True),
        ("Sent.", True),
        ("The numbers look right to me now.", True),
    ],
)
def test_has_substance(body: str, substance: bool) -> None:
    assert has_substance(body) is substance


@pytest.mark.parametrize(
    ("body", "delivered"),
    [
        ("Attached is the file.", True),
        ("Fixed in 2.3.1.", True),
        ("I'll send it tomorrow.", False),
        ("I haven't sent it yet.", False),
        ("Let's talk Monday.", False),
    ],
)
def test_is_delivery(body: str, delivered: bool) -> None:
    assert is_delivery(body) is delivered


# --- the model -------------------------------------------------------------------------


def test_featurize_is_deterministic_with_cues() -> None:
    feats = featurize("Bruce, Can you please send the file?")
    assert feats == featurize("Bruce, Can you please send the file?")
    assert {"f1:can", "cue:please", "cue:you_modal", "cue:qmark_end"} <= set(feats)


def test_linear_detector_roundtrip(tmp_path: Path) -> None:
    import numpy as np

    weights = np.zeros(DIM, dtype=np.float32)
    detector = LinearDetector(weights=weights, bias=2.0, threshold=0.7, name="tiny")
    detector.save(tmp_path / "m.npz")
    loaded = load_detector(tmp_path / "m.npz")
    assert loaded.threshold == pytest.approx(0.7)
    assert loaded.name == "tiny"
    assert loaded.scores(["anything"]) == [pytest.approx(1 / (1 + np.exp(-2.0)))]


def test_committed_model_runs_for_real() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 500_000
    detector = load_detector()
    scores = detector.scores(
        ["Will you please send me the details or phone me?", "Good luck on the house."]
    )
    assert scores[0] > detector.threshold > scores[1]
    text = "Hi Dana, could you send me the renewal quote by Friday? The weather was nice."
    items = detect_items(text, author_side=Side.THEM, sent_at=SENT, detector=detector)
    assert [(i.kind, i.span, i.owed_by, i.due) for i in items] == [
        (ItemKind.REQUEST, "send me the renewal quote by Friday", Side.US, eod(2024, 3, 8))
    ]
    assert 0.5 < items[0].confidence <= 1.0


# --- issue 12: sign-offs, explicit asks and promises, mojibake ------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Let me know if you have any questions.",
        "Please let me know if you need anything else!",
        "Feel free to call me at 713-853-1234.",
        "If you have any questions, please contact us.",
        "Please don't hesitate to reach out.",
        "I look forward to hearing from you.",
    ],
)
def test_sign_offs_are_not_items(sentence: str) -> None:
    assert assign_kind(sentence, score=0.99, threshold=0.5) is None


def test_a_real_ask_that_sounds_like_a_sign_off_still_counts() -> None:
    assert assign_kind("Let me know if Friday works.", score=0.9, threshold=0.5) is not None
    assert assign_kind("Let me know what you think.", score=0.9, threshold=0.5) is not None


def test_explicit_asks_and_promises_count_whatever_the_score() -> None:
    assert assign_kind("Please, install it.", score=0.1, threshold=0.5) is ItemKind.REQUEST
    assert assign_kind("Hi chia7712, I will handle it.", score=0.1, threshold=0.5) is (
        ItemKind.COMMITMENT
    )
    assert assign_kind("Please see below.", score=0.1, threshold=0.5) is None
    assert assign_kind("I will be out on Friday.", score=0.1, threshold=0.5) is None


def test_a_question_mark_from_broken_decoding_is_not_a_question() -> None:
    from tieline.nlp.authorship import own_text

    body = "I wrote about what?s new in the short version?\nCan you review it by Friday?"
    raw = detect_items(body, author_side=Side.THEM, sent_at=None, detector=RuleDetector())
    own = detect_items(own_text(body), author_side=Side.THEM, sent_at=None,
                       detector=RuleDetector())  # fmt: skip
    assert [i.kind for i in raw] == [ItemKind.QUESTION, ItemKind.REQUEST]
    assert [i.kind for i in own] == [ItemKind.REQUEST]
