from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tieline.domain import SentenceSentiment, SentimentLabel
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import (
    Band,
    FakeModel,
    VaderModel,
    is_courtesy,
    load_band,
    pool,
    score_texts,
)
from tieline.service.scoring import PACKAGED_ADAPTER

FRIENDLY_BUT_ANGRY = (
    "Hi Sam,\n\nThanks for the great onboarding session last week, the team loved it.\n"
    "The nightly export is broken again and this is unacceptable.\n"
    "Could you send me the root cause analysis by Friday?\n\nDana"
)


def test_one_angry_sentence_is_not_lost_in_a_friendly_email() -> None:
    split = SentenceSplitter()
    [result] = score_texts([FRIENDLY_BUT_ANGRY], model=FakeModel(), split=split)
    assert [s.text for s in result.sentences] == [
        "Hi Sam,",
        "Thanks for the great onboarding session last week, the team loved it.",
        "The nightly export is broken again and this is unacceptable.",
        "Could you send me the root cause analysis by Friday?",
        "Dana",
    ]
    assert result.sentences[1].label is SentimentLabel.POSITIVE
    assert result.sentences[2].label is SentimentLabel.NEGATIVE
    # A plain length-weighted mean would call it positive; the angry sentence wins.
    assert result.label is SentimentLabel.NEGATIVE and result.score < 0
    assert result.model == "fake"


def _sents(*texts: str) -> list[SentenceSentiment]:
    out, at = [], 0
    for t in texts:
        out.append(SentenceSentiment(at, at + len(t), t, SentimentLabel.NEUTRAL, 0.0, 0.5))
        at += len(t) + 1
    return out


def test_pool_without_a_clearly_negative_sentence_is_the_weighted_mean() -> None:
    sentences = [
        SentenceSentiment(0, 10, "a" * 10, SentimentLabel.POSITIVE, 0.8, 0.9),
        SentenceSentiment(10, 40, "b" * 30, SentimentLabel.NEUTRAL, 0.0, 0.8),
    ]
    result = pool(sentences, [(0.05, 0.05, 0.9), (0.1, 0.8, 0.1)], "m")
    # weights 10 and 30: P(neg) = 0.0875, P(neu) = 0.6125, P(pos) = 0.3
    assert result.label is SentimentLabel.NEUTRAL
    assert result.score == pytest.approx(0.3 - 0.0875, abs=1e-4)
    assert result.confidence == pytest.approx(0.6125, abs=1e-4)


def test_one_gloomy_sentence_does_not_flip_a_friendly_message() -> None:
    sents = _sents(
        "Thank you so much for the training session yesterday, the team loved every minute.",
        "It has been a hectic week here.",
    )
    result = pool(sents, [(0.02, 0.03, 0.95), (0.75, 0.2, 0.05)], "m")
    assert result.label is SentimentLabel.POSITIVE and result.score > 0.3
    # The rule the old pooling applied (halfway to any sentence at P(neg) >= 0.6) made
    # this negative; a clearly angry sentence still pulls (next test).


def test_one_clearly_angry_sentence_counts_in_a_long_mail() -> None:
    neutral = "We reviewed the quarterly usage report with the operations team this morning."
    sents = _sents(*[neutral] * 5, "Frankly this outage is unacceptable.")
    probs = [(0.1, 0.8, 0.1)] * 5 + [(0.95, 0.04, 0.01)]
    result = pool(sents, probs, "m", band=Band(negative=-0.3, positive=0.3))
    assert result.label is SentimentLabel.NEGATIVE
    # Without the angry sentence the same mail is neutral.
    calm = pool(sents[:5], probs[:5], "m", band=Band(negative=-0.3, positive=0.3))
    assert calm.label is SentimentLabel.NEUTRAL


def test_politeness_is_not_positivity() -> None:
    sents = _sents("Hi Sam,", "The export job runs at 2am on weekdays.", "Thanks, Mark")
    result = pool(sents, [(0.05, 0.3, 0.65), (0.1, 0.8, 0.1), (0.02, 0.05, 0.93)], "m")
    assert result.label is SentimentLabel.NEUTRAL and abs(result.score) < 0.05
    # A thank-you with feeling is not a formula.
    warm = _sents("Thanks so much, this saved our launch!")
    assert pool(warm, [(0.02, 0.03, 0.95)], "m").label is SentimentLabel.POSITIVE
    assert pool(_sents("Thank you!"), [(0.02, 0.03, 0.95)], "m").label is SentimentLabel.NEUTRAL
    assert [is_courtesy(t) for t in ("Best regards,", "Thanks for the update.", "Great job!")] == [
        True, True, False,
    ]  # fmt: skip


def test_the_band_labels_the_pooled_score() -> None:
    band = Band(negative=-0.5, positive=0.4)
    assert [band.label(x) for x in (-0.5, -0.49, 0.39, 0.4)] == [
        SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEUTRAL,
        SentimentLabel.POSITIVE,
    ]  # fmt: skip
    # A mildly negative sentence is neutral business text under the band, not without it.
    sents = _sents("The job fails with error 42 when the file is empty.")
    probs = [(0.5, 0.4, 0.1)]
    assert pool(sents, probs, "m").label is SentimentLabel.NEGATIVE
    banded = pool(sents, probs, "m", band=band)
    assert banded.label is SentimentLabel.NEUTRAL and banded.confidence == pytest.approx(0.4)


def test_the_band_is_read_from_the_model_folder(tmp_path: Path) -> None:
    assert load_band(tmp_path / "calibration.json") is None
    (tmp_path / "calibration.json").write_text('{"negative": -0.6, "positive": 0.35}')
    assert load_band(tmp_path / "calibration.json") == Band(-0.6, 0.35)


def test_empty_text_is_neutral_with_no_sentences() -> None:
    [result] = score_texts([""], model=FakeModel(), split=SentenceSplitter())
    assert result.label is SentimentLabel.NEUTRAL and result.sentences == ()


def test_without_a_splitter_each_text_is_one_sentence() -> None:
    results = score_texts(["great stuff", "awful. truly"], model=FakeModel())
    assert [len(r.sentences) for r in results] == [1, 1]
    assert [r.label for r in results] == [SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE]


def test_splitter_keeps_offsets_into_the_original_text() -> None:
    text = "Hello team,\n\n  First point. Second point?\n- a bullet"
    spans = SentenceSplitter()(text)
    assert [text[a:b] for a, b in spans] == [
        "Hello team,", "First point.", "Second point?", "- a bullet",
    ]  # fmt: skip
    assert SentenceSplitter().split_many(["", "One. Two."]) == [[], [(0, 4), (5, 9)]]


def test_vader_backend_runs_for_real() -> None:
    model = VaderModel()
    pos, neg, neu = model.predict(
        ["I love this, thank you!", "This is terrible and broken.", "The call is at 3pm."]
    )
    assert pos[2] > pos[0] and neg[0] > neg[2] and max(neu) == neu[1]


@pytest.fixture(scope="module")
def packaged() -> object:
    from tieline.nlp.sentiment import TransformerModel

    return TransformerModel(adapter_dir=PACKAGED_ADAPTER, threads=1)


def test_packaged_transformer_model_scores_offline(packaged: object) -> None:
    from tieline.nlp.sentiment import TransformerModel

    assert isinstance(packaged, TransformerModel)
    assert packaged.name.startswith("minilm-l")
    texts = [
        "Thank you so much, the new dashboards are wonderful!",
        "This is the worst support we have ever had, nothing works.",
        "Thank you so much, the new dashboards are wonderful!",
    ]
    probs = packaged.predict(texts)
    assert all(abs(sum(p) - 1.0) < 1e-4 for p in probs)
    assert probs[0][2] > 0.6 and probs[1][0] > 0.6
    assert probs[2] == probs[0]  # cached
    [result] = score_texts([FRIENDLY_BUT_ANGRY], model=packaged, split=SentenceSplitter())
    worst = min(result.sentences, key=lambda s: s.score)
    assert "unacceptable" in worst.text and worst.label is SentimentLabel.NEGATIVE


def test_a_local_sequence_classifier_can_replace_the_packaged_model(tmp_path: Path) -> None:
    """``sentiment_adapter = "none"``: any local (or hub) classifier, labels mapped by name."""
    import shutil

    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from tieline.nlp.sentiment import TransformerModel
    from tieline.nlp.transformer import default_encoder_path

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64,
        id2label={0: "POSITIVE", 1: "negative", 2: "Neutral"},
        label2id={"POSITIVE": 0, "negative": 1, "Neutral": 2},
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(Path(default_encoder_path()) / name, tmp_path / name)
    model = TransformerModel(encoder=str(tmp_path), adapter_dir=None, threads=1)
    assert model.name == f"hf:{tmp_path}"
    clf: Any = BertForSequenceClassification.from_pretrained(tmp_path)
    clf.eval()
    [probs] = model.predict(["The renewal call went well."])
    with torch.inference_mode():
        enc = model._tok(["The renewal call went well."], return_tensors="pt")
        raw = torch.softmax(clf(**enc).logits, -1)[0].tolist()
    # Our order is (negative, neutral, positive) whatever the model's own order.
    assert probs == pytest.approx((raw[1], raw[2], raw[0]), abs=1e-5)


def test_a_batch_larger_than_the_cache_is_scored_whole(packaged: object) -> None:
    from tieline.nlp.sentiment import TransformerModel

    assert isinstance(packaged, TransformerModel)
    small = packaged._cache_size
    packaged._cache_size = 2
    try:
        texts = [f"Ticket {i} is solved, thanks." for i in range(5)]
        assert len(packaged.predict(texts)) == 5 and len(packaged._cache) == 2
    finally:
        packaged._cache_size = small
