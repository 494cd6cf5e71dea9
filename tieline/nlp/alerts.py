""" "Extremely negative" alerts: a preset threshold, tuned by a workspace's own examples.

A message alerts when its pooled sentiment (already pulled towards its most negative
sentence, see :mod:`tieline.nlp.sentiment`) reaches the threshold on *negativity*
(``-score``, i.e. P(negative) - P(positive), in [-1, 1]); the most negative sentence is
the evidence. Alerting on the single worst sentence instead fired on 28 % of the Enron
emails at the same recall (long mails nearly always hold one gloomy sentence). Presets
trade recall for precision (figures per preset: ``eval/sentiment.py``); a workspace
that finds alerts over- or under-firing lists sentences that should and should not trigger, and the
threshold moves to the cut that gets most of them right, staying as close to the preset
as the examples allow.
"""

from __future__ import annotations

from collections.abc import Sequence

from tieline.config import NlpSettings
from tieline.domain import SentenceSentiment, Sentiment
from tieline.nlp.sentiment import SentenceModel

__all__ = ["PRESETS", "calibrate", "negativity", "threshold_for", "worst_sentence"]

# Chosen on the Enron emotional-tone labels and the airline tweets (eval/sentiment.py).
PRESETS: dict[str, float] = {"loose": 0.5, "medium": 0.6, "strict": 0.8}


def negativity(scored: SentenceSentiment | Sentiment) -> float:
    return -scored.score


def worst_sentence(sentiment: Sentiment, threshold: float) -> SentenceSentiment | None:
    """The evidence (most negative sentence) if the message alerts at ``threshold``.

    >>> from tieline.domain import SentimentLabel as L
    >>> ugh = SentenceSentiment(0, 4, "Ugh.", L.NEGATIVE, -0.9, 0.9)
    >>> s = Sentiment(L.NEGATIVE, -0.7, 0.8, (ugh,))
    >>> worst_sentence(s, 0.6).text, worst_sentence(s, 0.8)
    ('Ugh.', None)
    """
    if not sentiment.sentences or negativity(sentiment) < threshold:
        return None
    return max(sentiment.sentences, key=negativity)


def calibrate(preset: float, *, should: Sequence[float], should_not: Sequence[float]) -> float:
    """The threshold that misclassifies the fewest examples, nearest ``preset`` on ties.

    ``should`` / ``should_not`` are the negativity of example sentences that should and
    should not trigger. Candidates are the preset and the midpoints between neighbouring
    example values.

    >>> calibrate(0.8, should=[0.7, 0.75], should_not=[0.2])
    0.45
    >>> calibrate(0.8, should=[0.95], should_not=[0.85])
    0.9
    >>> calibrate(0.8, should=[], should_not=[])
    0.8
    """
    values = sorted({*should, *should_not})
    if not values:
        return preset
    candidates = {preset, values[0] - 1e-3, values[-1] + 1e-3}
    candidates |= {(a + b) / 2 for a, b in zip(values, values[1:], strict=False)}

    def errors(t: float) -> int:
        return sum(1 for v in should if v < t) + sum(1 for v in should_not if v >= t)

    best = min(candidates, key=lambda t: (errors(t), abs(t - preset)))
    return round(best, 4)


def threshold_for(nlp: NlpSettings, model: SentenceModel) -> float:
    """The workspace's alert threshold: its preset, calibrated by its examples (if any)."""
    preset = PRESETS[nlp.alert_preset]
    if not nlp.alert_should_trigger and not nlp.alert_should_not_trigger:
        return preset
    probs = model.predict([*nlp.alert_should_trigger, *nlp.alert_should_not_trigger])
    neg = [p[0] - p[2] for p in probs]
    k = len(nlp.alert_should_trigger)
    return calibrate(preset, should=neg[:k], should_not=neg[k:])
