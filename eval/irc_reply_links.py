"""Measure ``tieline.ingest.replies.attribute_replies`` against gold IRC reply links.

Data: Kummerfeld et al. (ACL 2019) / Gouravajhala et al. (ALTA 2023) IRC
disentanglement corpus, copied to ``/work/shared/data/irc_disentanglement_reply_links``
(see its PROVENANCE.md). Each ``*.ascii.txt`` line is one message (``[HH:MM] <nick> text``,
``[HH:MM] * nick action`` or ``=== system``; the new-domains files prefix
``channel YYYY-MM-DD``); ``*.annotation.txt`` lines ``a b -`` link message
``max(a, b)`` to its parent ``min(a, b)``; ``n n -`` means ``n`` starts a new
conversation. Only lines >= 1000 are annotated, earlier lines are context.

Metric: the link-level (graph) precision/recall/F1 of the upstream
``tools/evaluation/graph-eval.py``: gold = the set of (child, parent) pairs,
self-links included; system = one pair per annotated message, (i, parent) or
(i, i) when we predict ``None`` (new conversation / system line). A pair is
correct when it is in the gold set, so a ``None`` is correct exactly when the
gold has a self-link for that message. P = matched / system pairs,
R = matched / gold pairs (a message with two gold parents can contribute at
most one match). NB: the published "dev F1 40.89" is the *conversation-level*
matched-cluster F1 of a trained model, a different metric; it is not
comparable to these link figures.

Tuning uses only non-test data: the settings maximise the mean of the dev F1
and the extra-channel (new-domains, which has no test split) F1. ``--test`` adds the test split,
computed once with those settings.

Run: ``.venv/bin/python eval/irc_reply_links.py [--test] [--data DIR]``
"""

from __future__ import annotations

import argparse
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tieline.ingest.replies import ChatLine, attribute_replies

DATA = Path("/work/shared/data/irc_disentanglement_reply_links/data")
DUMMY_DAY = datetime(2000, 1, 1)

_PREFIX = re.compile(r"^(?P<chan>[a-z][\w-]*) (?P<date>\d{4}-\d{2}-\d{2}) (?P<rest>.*)$")
_STAMP = re.compile(r"^\[(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\]\s?(?P<rest>.*)$")
_SAY = re.compile(r"^<(?P<nick>[^>]*)>\s?(?P<text>.*)$")
_ACTION = re.compile(r"^\*\s+(?P<nick>\S+)\s?(?P<text>.*)$")

Pair = tuple[int, int]


@dataclass(frozen=True)
class Channel:
    name: str
    lines: list[ChatLine]
    gold: set[Pair]  # (child, parent); parent == child for a new conversation

    @property
    def annotated(self) -> set[int]:
        return {child for child, _ in self.gold}


def parse_log(path: Path) -> list[ChatLine]:
    """Convert a log to ChatLines keyed by line number (system lines: author "")."""
    out: list[ChatLine] = []
    last = DUMMY_DAY
    day_offset = 0
    for n, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        rest = raw.strip()
        day = DUMMY_DAY
        prefix = _PREFIX.match(rest)
        if prefix:
            day = datetime.fromisoformat(prefix["date"])
            rest = prefix["rest"]
        stamp = _STAMP.match(rest)
        if stamp is None:  # "=== ..." and other stampless lines: system, keep last time
            out.append(ChatLine(str(n), last, "", rest))
            continue
        at = day + timedelta(
            days=0 if prefix else day_offset,
            hours=int(stamp["h"]),
            minutes=int(stamp["m"]),
            seconds=int(stamp["s"] or 0),
        )
        if not prefix and at < last - timedelta(hours=1):  # rolled over midnight
            day_offset += 1
            at += timedelta(days=1)
        at = max(at, last)  # keep chronological despite minute-level jitter
        last = at
        body = stamp["rest"]
        say = _SAY.match(body) or _ACTION.match(body)
        if say is None:
            out.append(ChatLine(str(n), at, "", body))
        else:
            out.append(ChatLine(str(n), at, say["nick"], say["text"]))
    return out


def parse_gold(path: Path) -> set[Pair]:
    """Pairs as graph-eval.py reads them: source = max, targets = the rest."""
    gold: set[Pair] = set()
    for raw in path.read_text().splitlines():
        nums = [int(t) for t in raw.split() if t != "-"]
        if not nums:
            continue
        source = max(nums)
        nums.remove(source)
        if not nums or nums == [source]:
            gold.add((source, source))
        else:
            gold.update((source, t) for t in nums)
    return gold


def load(folder: Path) -> list[Channel]:
    channels = []
    for ann in sorted(folder.glob("*.annotation.txt")):
        stem = ann.name.removesuffix(".annotation.txt")
        channels.append(Channel(stem, parse_log(folder / f"{stem}.ascii.txt"), parse_gold(ann)))
    return channels


def predict_ours(ch: Channel, **params: object) -> set[Pair]:
    parents = attribute_replies(ch.lines, **params)  # type: ignore[arg-type]
    pairs = set()
    for i in ch.annotated:
        p = parents[str(i)]
        pairs.add((i, i if p is None else int(p)))
    return pairs


def predict_previous(ch: Channel) -> set[Pair]:
    """Baseline "Previous": link to the immediately previous line, whatever it is."""
    return {(i, i - 1) for i in ch.annotated}


def predict_previous_message(ch: Channel) -> set[Pair]:
    """Baseline: link to the previous non-system line; system lines start a conversation."""
    pairs = set()
    for i in ch.annotated:
        j = i
        if ch.lines[i].author:
            j = i - 1
            while j > 0 and not ch.lines[j].author:
                j -= 1
        pairs.add((i, j))
    return pairs


@dataclass
class Score:
    gold: int = 0
    auto: int = 0
    matched: int = 0

    def add(self, gold: set[Pair], auto: set[Pair]) -> None:
        self.gold += len(gold)
        self.auto += len(auto)
        self.matched += len(gold & auto)

    @property
    def prf(self) -> tuple[float, float, float]:
        p = self.matched / self.auto if self.auto else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return 100 * p, 100 * r, 100 * f

    def __str__(self) -> str:
        p, r, f = self.prf
        counts = f"gold {self.gold}, auto {self.auto}, ok {self.matched}"
        return f"P {p:5.1f}  R {r:5.1f}  F1 {f:5.1f}  ({counts})"


def score(channels: Iterable[Channel], predict: object) -> tuple[Score, Score, Score]:
    """Overall, reply-links-only (non-self) and new-conversation-only scores."""
    total, links, starts = Score(), Score(), Score()
    for ch in channels:
        auto = predict(ch)  # type: ignore[operator]
        total.add(ch.gold, auto)
        links.add({g for g in ch.gold if g[0] != g[1]}, {a for a in auto if a[0] != a[1]})
        starts.add({g for g in ch.gold if g[0] == g[1]}, {a for a in auto if a[0] == a[1]})
    return total, links, starts


def report(label: str, channels: list[Channel], params: dict[str, object]) -> None:
    print(f"\n== {label} ({len(channels)} files, {sum(len(c.annotated) for c in channels)} msgs)")
    for name, fn in (
        ("ours     ", lambda ch: predict_ours(ch, **params)),
        ("prev-line", predict_previous),
        ("prev-msg ", predict_previous_message),
    ):
        total, links, starts = score(channels, fn)
        print(f"  {name} all   : {total}")
        print(f"  {name} links : {links}")
        print(f"  {name} new   : {starts}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--test", action="store_true", help="also score the test split, once")
    args = ap.parse_args()

    dev = load(args.data / "dev")
    extra = load(args.data / "new-domains")
    grid = itertools.product((3, 5, 10, 15), (0, 1, 2, 5), (2, 3, 99), (1, 3))
    results = []
    for window, gap, overlap, cont in grid:
        params: dict[str, object] = {
            "window": timedelta(minutes=window),
            "gap": timedelta(minutes=gap),
            "min_overlap": overlap,
            "continuation": timedelta(minutes=cont),
        }
        f_dev = score(dev, lambda ch, p=params: predict_ours(ch, **p))[0].prf[2]
        f_extra = score(extra, lambda ch, p=params: predict_ours(ch, **p))[0].prf[2]
        results.append(((f_dev + f_extra) / 2, f_dev, f_extra, window, gap, overlap, cont))
    print("grid (window min, gap min, min_overlap, continuation min), max_back=50")
    print("top 5 by mean of dev F1 and extra-channel F1 (both non-test):")
    for row in sorted(results, reverse=True)[:5]:
        print(f"  mean {row[0]:5.2f}  dev {row[1]:5.2f}  extra {row[2]:5.2f}  {row[3:]}")
    best_dev = max(results, key=lambda r: r[1])
    print(f"best on dev alone: dev {best_dev[1]:5.2f} extra {best_dev[2]:5.2f} {best_dev[3:]}")
    default = score(dev, lambda ch: predict_ours(ch))[0]
    print(f"library defaults on dev: {default}")
    _, _, _, window, gap, overlap, cont = max(results)
    chosen: dict[str, object] = {
        "window": timedelta(minutes=window),
        "gap": timedelta(minutes=gap),
        "min_overlap": overlap,
        "continuation": timedelta(minutes=cont),
    }
    print(
        f"chosen: window={window}min gap={gap}min min_overlap={overlap} "
        f"continuation={cont}min max_back=50"
    )

    report("DEV (tuned here)", dev, chosen)
    report("EXTRA CHANNELS, all (used in tuning)", extra, chosen)
    for chan in sorted({c.name.split(".")[0] for c in extra}):
        report(f"  extra: {chan}", [c for c in extra if c.name.startswith(chan + ".")], chosen)
    if args.test and (args.data / "test").is_dir():
        report("TEST (held out, run once)", load(args.data / "test"), chosen)


if __name__ == "__main__":
    main()
