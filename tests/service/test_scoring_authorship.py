"""The per-message stage reads only the author's own words (issue 12, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime

from tieline.domain import LifecycleKind
from tieline.nlp.open_items_model import RuleDetector
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import FakeModel
from tieline.service.scoring import Models, _message_signals
from tieline.store.signals import MessageToScore

MODELS = Models(sentiment=FakeModel(), split=SentenceSplitter(), items=RuleDetector())


def _message(body: str, *, id_: int = 1, internal: bool = False) -> MessageToScore:
    return MessageToScore(
        id=id_, thread_id=1, channel_kind="email", sent_at=datetime(2025, 5, 7, tzinfo=UTC),
        subject="", body=body, signature="", author_id=1, author_email="dana@acme.com",
        author_name="Dana", author_title="", author_internal=internal, automated_kind=None,
        recipients=(), attributes={},
    )  # fmt: skip


FORWARD = (
    "Great call today, thanks!\n\n"
    "---------------------- Forwarded by Dana on 05/07/2025 09:30 AM\n"
    "This is terrible and broken. Could you cancel our subscription? Please send the "
    "invoice. We'd like to add 20 more seats.\n"
)


def test_forwarded_text_yields_no_sentiment_items_or_events() -> None:
    [result] = _message_signals([_message(FORWARD)], MODELS)
    assert result.sentiment is not None
    assert [s.text for s in result.sentiment.sentences] == ["Great call today, thanks!"]
    assert result.sentiment.label.value == "positive"
    assert result.items == [] and result.events == []


def test_a_message_that_is_all_forwarded_news_is_skipped_with_the_reason() -> None:
    news = (
        "(c) 2001 Associated Press. All rights reserved.\n\nThe governor said the state "
        "will cancel the contract. Could the utilities survive?\n"
    )
    [result] = _message_signals([_message(news)], MODELS)
    assert result.sentiment is None and result.skipped == "not authored: news"
    assert result.items == [] and result.events == []


def test_the_authors_own_words_still_count() -> None:
    body = "This is terrible and broken. Could you cancel our subscription?"
    [result] = _message_signals([_message(body)], MODELS)
    assert result.sentiment is not None and result.sentiment.label.value == "negative"
    assert [i.kind.value for i in result.items] == ["request"]
    assert [e.kind for e in result.events] == [LifecycleKind.CHURN_RISK]
    [ours] = _message_signals([_message(body, internal=True)], MODELS)
    assert ours.events == []  # churn and expansion language count in customer text only
