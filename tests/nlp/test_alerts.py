from __future__ import annotations

from tieline.config import NlpSettings
from tieline.domain import SentenceSentiment, Sentiment, SentimentLabel
from tieline.nlp.alerts import PRESETS, calibrate, threshold_for, worst_sentence
from tieline.nlp.sentiment import FakeModel


def _message(score: float, *sentences: float) -> Sentiment:
    parts = tuple(
        SentenceSentiment(i, i + 1, f"s{i}", SentimentLabel.NEUTRAL, s, 0.5)
        for i, s in enumerate(sentences)
    )
    return Sentiment(SentimentLabel.NEUTRAL, score, 0.5, parts)


def test_presets_get_stricter() -> None:
    assert PRESETS["loose"] < PRESETS["medium"] < PRESETS["strict"]
    message = _message(-0.7, 0.4, -0.95)
    fired = {name: worst_sentence(message, t) is not None for name, t in PRESETS.items()}
    assert fired == {"loose": True, "medium": True, "strict": False}


def test_the_message_alerts_and_its_worst_sentence_is_the_evidence() -> None:
    hit = worst_sentence(_message(-0.65, -0.7, -0.95, 0.2), 0.6)
    assert hit is not None and hit.text == "s1"
    # One gloomy sentence in an otherwise fine message does not alert by itself.
    assert worst_sentence(_message(-0.2, 0.6, -0.95), 0.6) is None
    assert worst_sentence(_message(-0.9), 0.0) is None  # no sentences: nothing to show


def test_calibration_moves_only_as_far_as_the_examples_need() -> None:
    # Examples agree with the preset: it stays.
    assert calibrate(0.8, should=[0.9, 0.95], should_not=[0.3]) == 0.8
    # Over-firing: a should-not example at 0.85 pushes the cut above it.
    assert calibrate(0.8, should=[0.97], should_not=[0.85]) == 0.91
    # Under-firing: a should example at 0.5 pulls it down below 0.5.
    t = calibrate(0.8, should=[0.5], should_not=[0.1])
    assert 0.1 < t <= 0.5
    # Contradictory examples: one must be wrong; of the two cuts that get one right,
    # the one nearer the preset.
    assert calibrate(0.8, should=[0.4], should_not=[0.9]) == 0.901


def test_threshold_for_scores_the_workspace_examples() -> None:
    assert threshold_for(NlpSettings(alert_preset="strict"), FakeModel()) == PRESETS["strict"]
    # FakeModel: a negative word scores negativity 0.85, a neutral text 0.0.
    agree = NlpSettings(alert_should_trigger=["this is bad"], alert_should_not_trigger=["fine"])
    assert threshold_for(agree, FakeModel()) == PRESETS["medium"]
    over_firing = NlpSettings(alert_preset="loose", alert_should_not_trigger=["awful weather"])
    assert threshold_for(over_firing, FakeModel()) > 0.85
