"""Sentiment figures: accuracy on public sets, alert precision/recall per preset, speed.

- TweetEval sentiment validation (official metric: macro-averaged recall), SST-2 dev
  (macro-F1 over negative/positive), the airline tweets' fixed held-out fifth
  (``tweet_id % 5 == 0``, never trained on): the packaged model and the VADER baseline.
- "Extremely negative" alerts per preset, on two proxies: Enron emails whose annotators
  gave an anger/agitation, dislike/scorn or sadness/despair tone (Berkeley categories
  4.16, 4.19, 4.17) against all other emails; and airline held-out tweets labelled
  negative with full crowd confidence against the positive and neutral ones.
- Speed through the scoring pipeline (split, tokenize, batch, pool): synthetic
  messages of 60 and 250 tokens, all distinct (no cache hits), 2 threads.

Run: ``.venv/bin/python eval/sentiment.py [--skip-speed] [--backend transformer,vader]``
"""

from __future__ import annotations

import argparse
import csv
import email
import random
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_sentiment import macro as _macro  # noqa: E402  (the sibling training script)

from tieline.config import NlpSettings
from tieline.nlp.alerts import PRESETS, worst_sentence
from tieline.nlp.sentences import SentenceSplitter
from tieline.nlp.sentiment import SentenceModel, score_texts
from tieline.service.scoring import build_models

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def macro(gold: Sequence[int], pred: Sequence[int], labels: Sequence[int]) -> tuple[float, float]:
    """(macro recall, macro F1) over ``labels``: the training script's own metric."""
    m = _macro(list(gold), list(pred), tuple(labels))
    return m["macro_recall"], m["macro_f1"]


LABEL = {"negative": 0, "neutral": 1, "positive": 2}
EXTREME_TONES = {"4,16", "4,19", "4,17"}


def tweeteval(data: Path) -> tuple[list[str], list[int]]:
    d = data / "tweeteval_sentiment"
    texts = (d / "val_text.txt").read_text(encoding="utf-8").splitlines()
    return texts, [int(x) for x in (d / "val_labels.txt").read_text().split()]


def sst2(data: Path) -> tuple[list[str], list[int]]:
    texts, gold = [], []
    for line in (data / "sst2" / "dev.tsv").read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        texts.append(text)
        gold.append(2 if label == "1" else 0)
    return texts, gold


def airline(data: Path) -> list[dict[str, str]]:
    with (data / "twitter_airline_sentiment" / "Tweets.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if int(r["tweet_id"]) % 5 == 0]


_ORIGINAL = re.compile(r"^-+ ?(?:Original Message|Forwarded by)", re.M | re.I)


def enron(data: Path) -> tuple[list[str], list[bool]]:
    """New text of each Enron email (quoted/forwarded parts cut) and its 'extreme' label."""
    texts, gold = [], []
    for path in sorted((data / "enron_with_categories").glob("*/*.txt")):
        msg = email.message_from_bytes(path.read_bytes())
        payload = msg.get_payload(decode=True)
        body = payload.decode("latin-1") if isinstance(payload, bytes) else str(payload)
        cut = _ORIGINAL.search(body)
        body = body[: cut.start()] if cut else body
        cats = {
            ",".join(line.split(",")[:2]) for line in path.with_suffix(".cats").read_text().split()
        }
        texts.append(body.strip())
        gold.append(bool(cats & EXTREME_TONES))
    return texts, gold


def prf(gold: Sequence[bool], fired: Sequence[bool]) -> str:
    tp = sum(1 for g, f in zip(gold, fired, strict=True) if g and f)
    fp = sum(1 for g, f in zip(gold, fired, strict=True) if f and not g)
    fn = sum(1 for g, f in zip(gold, fired, strict=True) if g and not f)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return f"P {p:.3f} R {r:.3f} (fired {tp + fp}, positives {tp + fn})"


def accuracy(model: SentenceModel, data: Path) -> None:
    texts, gold = tweeteval(data)
    probs = model.predict(texts)
    pred = [max(range(3), key=lambda k: p[k]) for p in probs]
    rec, f1 = macro(gold, pred, (0, 1, 2))
    print(f"  TweetEval val (n={len(gold)}): macro-recall {rec:.4f}  macro-F1 {f1:.4f}")
    texts, gold = sst2(data)
    pred = [0 if p[0] > p[2] else 2 for p in model.predict(texts)]
    rec, f1 = macro(gold, pred, (0, 2))
    print(f"  SST-2 dev (n={len(gold)}, 2-class): macro-F1 {f1:.4f}  accuracy "
          f"{sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold):.4f}")  # fmt: skip
    rows = airline(data)
    gold = [LABEL[r["airline_sentiment"]] for r in rows]
    probs = model.predict([r["text"] for r in rows])
    pred = [max(range(3), key=lambda k: p[k]) for p in probs]
    rec, f1 = macro(gold, pred, (0, 1, 2))
    print(f"  airline held-out (n={len(gold)}): macro-F1 {f1:.4f}  macro-recall {rec:.4f}")


def alerts(model: SentenceModel, data: Path, split: SentenceSplitter) -> None:
    texts, gold = enron(data)
    results = score_texts(texts, model=model, split=split)
    rows = airline(data)
    keep = [r for r in rows if r["airline_sentiment"] != "negative" or
            float(r["airline_sentiment_confidence"]) == 1.0]  # fmt: skip
    tweets = score_texts([r["text"] for r in keep], model=model, split=split)
    tgold = [r["airline_sentiment"] == "negative" for r in keep]
    for name, threshold in PRESETS.items():
        fired = [worst_sentence(s, threshold) is not None for s in results]
        tfired = [worst_sentence(s, threshold) is not None for s in tweets]
        print(f"  {name:6} (message negativity >= {threshold}): Enron anger/dislike/sadness "
              f"{prf(gold, fired)};  airline {prf(tgold, tfired)}")  # fmt: skip


_WORDS = (
    "the customer export dashboard failed again yesterday please could you check whether "
    "renewal invoice team meeting thanks report data pipeline latency we our your account "
    "issue works great slow broken support ticket release update schedule call Friday"
).split()


def speed(model: SentenceModel, split: SentenceSplitter, tokens: int, n: int) -> float:
    from transformers import AutoTokenizer

    from tieline.nlp.transformer import default_encoder_path

    tok = AutoTokenizer.from_pretrained(default_encoder_path())
    rng = random.Random(tokens)
    texts = []
    for i in range(n):
        words: list[str] = [f"ref{i}"]
        while len(tok(" ".join(words))["input_ids"]) < tokens:
            words.append(rng.choice(_WORDS) + ("." if rng.random() < 0.07 else ""))
        texts.append(" ".join(words))
    t0 = time.perf_counter()
    score_texts(texts, model=model, split=split)
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--backend", default="transformer,vader")
    ap.add_argument("--skip-speed", action="store_true")
    args = ap.parse_args()
    for backend in args.backend.split(","):
        models = build_models(NlpSettings(sentiment_backend=backend, threads=2))
        print(f"{backend}: {models.sentiment.name}")
        accuracy(models.sentiment, args.data)
        alerts(models.sentiment, args.data, models.split)
        if backend == "transformer" and not args.skip_speed:
            for tokens, n in ((60, 1500), (250, 400)):
                rate = speed(models.sentiment, models.split, tokens, n)
                print(f"  speed, {tokens}-token messages: {rate:.1f} messages/s")


if __name__ == "__main__":
    main()
