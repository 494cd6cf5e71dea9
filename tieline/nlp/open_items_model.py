"""Sentence classifier for open items: is this sentence actionable (a task)?

A linear model over hashed features: lowercased word unigrams and bigrams, the first
words of the sentence, character 3-5-grams inside words, and a few linguistic cues
(question mark, "please", "can/could/would you", "let me know", "I will / we'll",
modal verbs, an imperative-looking first word). No transformer pass: featurizing and
scoring one sentence costs tens of microseconds in pure Python.

The weights live in ``tieline/nlp/models/open_items.npz`` (numpy, no pickle), written
by ``eval/open_items.py --write-model``. Nothing is loaded at import time:

>>> detector = load_detector()  # doctest: +SKIP
>>> detector.scores(["Could you send me the contract by Friday?"])  # doctest: +SKIP
[0.97]
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "DEFAULT_MODEL_PATH",
    "DIM",
    "ItemDetector",
    "LinearDetector",
    "RuleDetector",
    "featurize",
    "load_detector",
    "normalize_sentence",
]

DIM = 1 << 18  # hashed feature space
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "open_items.npz"

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[?!]")
_QUOTE_PREFIX = re.compile(r"^(?:\s*[>|]\s*)+")
_LEADING_NAME = re.compile(
    r"^[\"']?(?:(?:hi|hello|hey|dear)\s+)?[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*)?\s*[,:-]\s+"
)
_MODALS = frozenset({"can", "could", "would", "will", "should", "shall", "must", "may", "might"})
# Verbs that commonly open an imperative sentence in business mail.
_IMPERATIVE = frozenset(
    "send call email forward review check confirm let give provide make take fax "
    "look sign print schedule book set get see contact tell ask update please advise "
    "note remember return reply respond complete fill submit attach arrange prepare "
    "keep add remove change follow find come bring pick plan read call try include "
    "verify approve draft put move ship share join meet discuss reserve rsvp".split()
)
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("please", r"\b(?:please|pls|kindly)\b"),
        ("you_modal", r"\b(?:can|could|would|will|won't|wouldn't)\s+(?:you|u)\b"),
        ("let_me_know", r"\blet\s+(?:me|us)\s+know\b"),
        ("need_you", r"\b(?:need|want|like|ask|expect)\s+(?:you|u)\s+to\b"),
        ("appreciate", r"\b(?:appreciate|grateful)\b"),
        ("i_will", r"\b(?:i|we)\s*(?:'ll|will|shall|am going to|are going to|'m going to)\b"),
        ("i_intend", r"\b(?:i|we)\s+(?:plan|intend|hope|expect|promise|need|have)\s+to\b"),
        ("you_should", r"\byou\s+(?:should|need to|must|have to|might want to)\b"),
        ("lets", r"\blet'?s\b"),
        (
            "deadline",
            r"\b(?:by|before|until|no later than)\s+(?:\w+day|tomorrow|today|eod|cob|"
            r"end of|next|the end|noon|\d)",
        ),
        ("asap", r"\b(?:asap|as soon as possible|at your earliest)\b"),
        ("attached", r"\b(?:attached|enclosed|here is|here are)\b"),
        ("thanks_only", r"^\W*(?:thanks|thank you|thx|regards|cheers)\W*$"),
        ("url_or_phone", r"https?://|www\.|\d{3}[-.\s]\d{3,4}"),
        ("past", r"\b(?:was|were|had|did|went|said)\b"),
    )
)


def normalize_sentence(text: str) -> str:
    """Drop quote markers and a leading salutation/name ("Bruce, Can you ...")."""
    text = _QUOTE_PREFIX.sub("", text.strip()).strip().strip('"')
    match = _LEADING_NAME.match(text)
    if match and len(text) > match.end() + 3:
        text = text[match.end() :]
    return text


def featurize(sentence: str) -> list[str]:
    """The sentence's feature strings (before hashing); the same text always gives the same list."""
    text = normalize_sentence(sentence)
    low = text.lower()
    tokens = [("0" if t.isdigit() else t) for t in _TOKEN.findall(low)]
    feats: list[str] = [f"w:{t}" for t in tokens]
    feats += [f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    words = [t for t in tokens if t not in ("?", "!")]
    if words:
        first = (
            words[0] if words[0] not in ("please", "pls", "kindly") or len(words) < 2 else words[1]
        )
        feats.append(f"f1:{words[0]}")
        feats.append(f"f2:{'_'.join(words[:2])}")
        feats.append(f"f3:{'_'.join(words[:3])}")
        if first in _IMPERATIVE:
            feats.append("cue:imperative")
        if first in _MODALS:
            feats.append("cue:modal_first")
        feats.append(f"last:{words[-1]}")
    for word in set(words):
        if len(word) > 3:
            padded = f"<{word}>"
            for n in (3, 4, 5):
                feats += [f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    if "?" in text:
        feats.append("cue:qmark")
        if text.rstrip().endswith("?"):
            feats.append("cue:qmark_end")
    feats += [f"cue:{name}" for name, pattern in _CUES if pattern.search(text)]
    feats.append(f"len:{min(len(words), 40) // 5}")
    return feats


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & (DIM - 1)


def hashed(sentence: str) -> list[int]:
    """Hashed feature indices of a sentence (what the linear model sums over)."""
    return [_hash(f) for f in featurize(sentence)]


class ItemDetector(Protocol):
    """Scores sentences: the probability that each one is an actionable item."""

    @property
    def threshold(self) -> float: ...

    def scores(self, sentences: Sequence[str]) -> list[float]: ...


@dataclass(frozen=True, slots=True)
class LinearDetector:
    """Logistic regression over :func:`hashed` features; ``weights`` has :data:`DIM` entries."""

    weights: Any  # numpy array, float32 (kept untyped so numpy stays a lazy import)
    bias: float
    threshold: float = 0.5
    name: str = "open-items-linear"

    def scores(self, sentences: Sequence[str]) -> list[float]:
        """P(actionable) for each sentence."""
        weights = self.weights
        out: list[float] = []
        for sentence in sentences:
            idx = hashed(sentence)
            z = self.bias + float(weights[idx].sum()) if idx else self.bias
            out.append(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))))
        return out

    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` (float16 weights, no pickle)."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            weights=np.asarray(self.weights, dtype=np.float16),
            bias=np.float32(self.bias),
            threshold=np.float32(self.threshold),
            dim=np.int64(DIM),
            name=np.str_(self.name),
        )


def load_detector(path: Path | None = None) -> LinearDetector:
    """Load the committed model (or the one at ``path``); call once and inject the result."""
    import numpy as np

    with np.load(path or DEFAULT_MODEL_PATH, allow_pickle=False) as data:
        if int(data["dim"]) != DIM:
            raise ValueError(f"model was trained for {int(data['dim'])} features, not {DIM}")
        return LinearDetector(
            weights=data["weights"].astype(np.float32),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            name=str(data["name"]),
        )


class RuleDetector:
    """A model-free detector from the cue features alone: a deterministic fake for tests."""

    threshold = 0.5
    _POSITIVE = frozenset(
        {
            "cue:please",
            "cue:you_modal",
            "cue:let_me_know",
            "cue:need_you",
            "cue:i_will",
            "cue:imperative",
            "cue:you_should",
            "cue:lets",
            "cue:appreciate",
        }
    )

    def scores(self, sentences: Sequence[str]) -> list[float]:
        """1.0 when a request/commitment cue fires, else 0.0."""
        return [1.0 if self._POSITIVE.intersection(featurize(s)) else 0.0 for s in sentences]


def sparse_rows(sentences: Iterable[str]) -> tuple[list[int], list[int]]:
    """(row, column) pairs of the hashed design matrix; training helper for eval scripts."""
    rows: list[int] = []
    cols: list[int] = []
    for i, sentence in enumerate(sentences):
        idx = hashed(sentence)
        rows += [i] * len(idx)
        cols += idx
    return rows, cols
