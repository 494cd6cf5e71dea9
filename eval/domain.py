"""Signals on the project's own B2B evaluation set, and the Enron tone check.

Domain set (``eval/domain_data.py``, guide ``docs/annotation.md``): messages from five real
sources, labelled for sentiment, "asks or promises something" (an open item), churn risk,
expansion and departure. Each message goes through what ``tieline score`` does with it:
the author's own text (``authorship.own_text``), spaCy sentences, sentiment pooled and
labelled with the calibrated band, ``detect_items``, ``detect_events``. A message with no
sentence of its own gets no sentiment, which a CSM sees as neutral; it is counted so.

Printed for one split (default ``test``; scored once per model change, never tuned on):
sentiment accuracy and macro-F1 (per source, per class, confusion matrix), open items
P/R/F1, and P/R per lifecycle detector. Then the Enron tone check: the Berkeley emails
whose annotators gave only positive tones (4.1-4.8, 4.14, 4.15) or only negative ones
(4.9, 4.11-4.13, 4.16-4.19; 4.10 secrecy ignored), new text only: ROC AUC of the pooled
score and the share of positive-tone mails labelled negative. Never tuned on.

``--calibrate`` chooses the neutral band on the **dev** split (best macro-F1, then
accuracy, over a 0.05 grid) and writes ``calibration.json`` beside the packaged adapter.
``--legacy`` runs what ``main`` did before issue 12 (whole body, argmax labels): run it
with main's package on the path, e.g. ``cd ../main && python ../wt-x/eval/domain.py --legacy``.

Run: ``.venv/bin/python eval/domain.py [--split test] [--calibrate] [--skip-enron]``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import domain_data  # noqa: E402  (the sibling loader)

from tieline.config import NlpSettings
from tieline.domain import LifecycleKind, Message
from tieline.nlp import lifecycle, open_items
from tieline.service.scoring import PACKAGED_ADAPTER, Models, build_models

SENTIMENTS = ("negative", "neutral", "positive")
POSITIVE_TONES = {1, 2, 3, 4, 5, 6, 7, 8, 14, 15}
NEGATIVE_TONES = {9, 11, 12, 13, 16, 17, 18, 19}
DETECTORS = ("churn_risk", "expansion", "departure")
_SENT = datetime(2025, 1, 1, tzinfo=UTC)  # relative dates need one; no label depends on it


def _own(legacy: bool) -> Callable[[str], str]:
    if legacy:
        return lambda text: text
    from tieline.nlp.authorship import own_text

    return own_text


def _sentiments(texts: Sequence[str], models: Models, legacy: bool) -> list[tuple[str, float]]:
    """(label, pooled score) per text; ("neutral", 0.0) for a text with no sentence."""
    from tieline.nlp.sentiment import score_texts

    cuts = models.split.split_many(list(texts))
    by_text = dict(zip(texts, cuts, strict=True))
    kept = [t for t in texts if by_text[t]]
    if legacy:
        results = score_texts(kept, model=models.sentiment, split=by_text.__getitem__)
    else:
        results = score_texts(
            kept, model=models.sentiment, split=by_text.__getitem__, band=models.band
        )
    found = {t: (r.label.value, r.score) for t, r in zip(kept, results, strict=True)}
    return [found.get(t, ("neutral", 0.0)) for t in texts]


def macro_f1(
    gold: Sequence[str], pred: Sequence[str]
) -> tuple[float, dict[str, tuple[float, ...]]]:
    per: dict[str, tuple[float, ...]] = {}
    for c in SENTIMENTS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        per[c] = (pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0, tp + fn)
    return sum(v[2] for v in per.values()) / len(per), per


def prf(gold: Sequence[bool], pred: Sequence[bool]) -> str:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    pr = tp / (tp + fp) if tp + fp else float("nan")
    rc = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * pr * rc / (pr + rc) if tp else 0.0
    return f"P {pr:.3f} R {rc:.3f} F1 {f1:.3f} (tp {tp}, fp {fp}, fn {fn})"


def sentiment_report(examples: Sequence[Any], labels: Sequence[str]) -> None:
    gold = [e.sentiment for e in examples]
    acc = sum(g == p for g, p in zip(gold, labels, strict=True)) / len(gold)
    f1, per = macro_f1(gold, labels)
    print(f"  sentiment: accuracy {acc:.3f}  macro-F1 {f1:.3f}  (n={len(gold)})")
    for c, (pr, rc, f, n) in per.items():
        print(f"    {c:8} P {pr:.3f} R {rc:.3f} F1 {f:.3f} (gold {n})")
    print("    confusion (rows gold, columns predicted: neg neu pos)")
    counts = Counter(zip(gold, labels, strict=True))
    for g in SENTIMENTS:
        print(f"    {g:8} " + " ".join(f"{counts[(g, p)]:4d}" for p in SENTIMENTS))
    non_negative = [p for g, p in zip(gold, labels, strict=True) if g != "negative"]
    share = sum(p == "negative" for p in non_negative) / max(len(non_negative), 1)
    print(f"    non-negative messages labelled negative: {share:.3f}")
    for source in domain_data.SOURCES:
        idx = [i for i, e in enumerate(examples) if e.source == source]
        if not idx:
            continue
        gs = [gold[i] for i in idx]
        ps = [labels[i] for i in idx]
        a = sum(x == y for x, y in zip(gs, ps, strict=True)) / len(gs)
        print(f"    {source:6} n={len(gs):4d} accuracy {a:.3f} macro-F1 {macro_f1(gs, ps)[0]:.3f}")


def domain(models: Models, split: str, legacy: bool) -> list[tuple[str, float]]:
    # The random part only: the enriched lifecycle part is drawn for detector precision and
    # would bias every other figure towards its cue words (docs/annotation.md).
    examples = domain_data.load(split, part="random")
    own = _own(legacy)
    texts = [own(e.text) for e in examples]
    print(f"== domain {split} split: {len(examples)} messages")
    results = _sentiments(texts, models, legacy)
    sentiment_report(examples, [label for label, _ in results])
    items, kinds = [], []
    for text in texts:
        cuts = models.split(text)
        found = open_items.detect_items(
            text, author_side=None, sent_at=None, detector=models.items, sentences=cuts
        )
        items.append(bool(found))
        events = lifecycle.detect_events(
            subject="", body=text, author_email="author@example.com", sent_at=_SENT
        )
        kinds.append({e.kind.value for e in events})
    print(f"  open items (asks or promises something): {prf([e.request for e in examples], items)}")
    detector_report(examples, kinds)
    return results


def detector_report(examples: list[domain_data.Example], kinds: list[set[str]]) -> None:
    """P/R/F1 per lifecycle detector: gold labels against the event kinds found per message."""
    for name in DETECTORS:
        if name not in {k.value for k in LifecycleKind}:
            print(f"  {name}: no such detector")
            continue
        gold = [bool(getattr(e, name)) for e in examples]
        print(f"  {name}: {prf(gold, [name in k for k in kinds])}")


def lifecycle_all(legacy: bool) -> None:
    """Per-detector P/R over every split: the rules were never fitted to these labels, and
    lifecycle language is too rare for one split alone."""
    examples = domain_data.load()
    own = _own(legacy)
    kinds = [
        {e.kind.value for e in lifecycle.detect_events(
            subject="", body=own(x.text), author_email="author@example.com", sent_at=_SENT)}
        for x in examples
    ]  # fmt: skip
    print(f"== lifecycle detectors on all {len(examples)} labelled messages (all splits)")
    detector_report(examples, kinds)


def enron_tone(models: Models, legacy: bool) -> None:
    from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

    from tieline.domain import Skipped
    from tieline.ingest.email import parse_message, read_message_files

    root = domain_data.DATA / "enron_with_categories"
    texts, gold = [], []
    own = _own(legacy)
    for item in read_message_files(root):
        if isinstance(item, Skipped):
            continue
        locator, raw = item
        path = Path(locator)
        if path.suffix != ".txt" or not path.with_suffix(".cats").exists():
            continue
        lines = path.with_suffix(".cats").read_text().split()
        tones = {int(c.split(",")[1]) for c in lines if c.startswith("4,")}
        if bool(tones & POSITIVE_TONES) == bool(tones & NEGATIVE_TONES):
            continue
        message = parse_message(locator, raw)
        if not isinstance(message, Message) or not message.body.strip():
            continue
        texts.append(own(message.body))
        gold.append(bool(tones & POSITIVE_TONES))
    results = _sentiments(texts, models, legacy)
    auc = roc_auc_score(gold, [score for _, score in results])
    pos = [label for (label, _), g in zip(results, gold, strict=True) if g]
    neg = [label for (label, _), g in zip(results, gold, strict=True) if not g]
    print(
        f"== Enron tone check: {len(gold)} mails ({len(pos)} positive-only, {len(neg)} "
        f"negative-only): AUC {auc:.3f}; positive-tone labelled negative "
        f"{pos.count('negative') / len(pos):.3f}, positive {pos.count('positive') / len(pos):.3f}; "
        f"negative-tone labelled negative {neg.count('negative') / len(neg):.3f}"
    )


def calibrate(models: Models) -> None:
    """Choose the band on the dev split and write calibration.json beside the adapter."""
    from tieline.nlp.sentiment import Band

    examples = domain_data.load("dev", part="random")
    own = _own(False)
    plain = Models(sentiment=models.sentiment, split=models.split, items=models.items)
    scores = [s for _, s in _sentiments([own(e.text) for e in examples], plain, False)]
    gold = [e.sentiment for e in examples]
    best: tuple[float, float, float, float] | None = None
    grid = [round(-0.95 + 0.05 * i, 2) for i in range(20)]
    for lo in grid:
        for hi in (round(-x, 2) for x in grid):
            band = Band(lo, hi)
            pred = [band.label(s).value for s in scores]
            acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
            key = (macro_f1(gold, pred)[0], acc, lo, hi)
            if best is None or key[:2] > best[:2]:
                best = key
    assert best is not None
    f1, acc, lo, hi = best
    path = PACKAGED_ADAPTER / "calibration.json"
    record = {"negative": lo, "positive": hi, "chosen_on": "domain dev split",
              "dev_macro_f1": round(f1, 4), "dev_accuracy": round(acc, 4),
              "n": len(gold)}  # fmt: skip
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}: {record}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--legacy", action="store_true")
    ap.add_argument("--skip-enron", action="store_true")
    ap.add_argument("--backend", default="transformer")
    args = ap.parse_args()
    models = build_models(NlpSettings(sentiment_backend=args.backend, threads=2))
    if args.calibrate:
        calibrate(models)
        models = build_models(NlpSettings(sentiment_backend=args.backend, threads=2))
    print(f"model {models.sentiment.name}; band {getattr(models, 'band', None)}")
    domain(models, args.split, args.legacy)
    lifecycle_all(args.legacy)
    if not args.skip_enron:
        enron_tone(models, args.legacy)


if __name__ == "__main__":
    main()
