"""Open items (issue #3): questions, requests and commitments, who owes them, and whether
they were resolved.

Three named steps, each usable alone:

- :func:`split_sentences` — (start, end) offsets; the pipeline may pass spaCy's instead.
- :func:`detect_items` — scores sentences with an ``ItemDetector`` (the committed linear
  model of :mod:`tieline.nlp.open_items_model` by default), assigns a kind by rules,
  extracts the action span and a stated due date (:mod:`tieline.nlp.open_items_dates`).
- :func:`track_resolution` — walks a thread's messages in order and says, per item,
  whether and how it was resolved, and how old it is.

>>> from tieline.nlp.open_items_model import RuleDetector
>>> [i.span for i in detect_items("Hi Ann, could you send me the deck?", author_side=Side.THEM,
...                               sent_at=None, detector=RuleDetector())]
['send me the deck']

Accuracy figures: ``.venv/bin/python eval/open_items.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal

from tieline.domain import ItemKind, OpenItem, Side
from tieline.nlp.open_items_dates import parse_due
from tieline.nlp.open_items_model import ItemDetector, load_detector, normalize_sentence

__all__ = [
    "ItemStatus",
    "ThreadMessage",
    "assign_kind",
    "default_detector",
    "detect_items",
    "extract_span",
    "has_substance",
    "is_delivery",
    "items_record",
    "owed_by",
    "split_sentences",
    "track_resolution",
]

QUESTION_CONFIDENCE = 0.9  # questions found by rule alone (the model is trained on tasks)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•>])")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+")
_DELIVERED_OPENING = re.compile(
    r"^(?:attached|enclosed|here (?:is|are)|here's|please find attached)\b", re.I
)
_YOU_REQUEST = re.compile(
    r"^(?:(?:and|also|so|but|ok|okay)\W+)?(?:can|could|would|will|won't)\s+"
    r"(?:you|u)\b(?!\s+(?:be|have|know|think|believe|agree)\b)",
    re.I,
)
_WE_GET = re.compile(
    r"^(?:(?:and|also|so|but)\W+)?(?:can|could|may)\s+(?:we|i)\s+(?:please\s+)?"
    r"(?:get|have|receive|see)\b",
    re.I,
)
_REQUEST_OPENING = re.compile(
    r"^(?:please|pls|kindly|let (?:me|us) know|would you mind|"
    r"do you mind)\b",
    re.I,
)
_COMMITMENT = re.compile(
    r"\b(?:i|we)\s*(?:'ll|will|shall|am going to|'m going to|are going to|'re going to|"
    r"plan to|intend to|hope to|promise to|can|could|'d be happy to|would be happy to|"
    r"am happy to|'m happy to|will be sure to|'ll make sure to|'ll be sure to)\s+"
    r"(?!need\b|want\b|have to ask\b|be (?:out|away|unavailable|on vacation)\b)",
    re.I,
)
_SUBJECTLESS_COMMIT = re.compile(
    r"^(?:will|shall)\s+(?!you\b|we\b|i\b|they\b|he\b|she\b|it\b)\w", re.I
)
_LET_ME = re.compile(r"^let me\s+(?!know\b)\w", re.I)
_SPAN_PREFIXES = tuple(
    re.compile(p, re.I)
    for p in (
        r"^(?:and|also|so|but|ok|okay|then)\W+",
        r"^(?:can|could|would|will|won't)\s+(?:you|u)\s+(?:please\s+|kindly\s+|also\s+)*",
        r"^would you mind\s+|^do you mind\s+",
        r"^(?:can|could|may)\s+(?:we|i)\s+(?:please\s+)?(?=get\b|have\b|receive\b|see\b)",
        r"^(?:please|pls|kindly)\s+",
        r"^(?:i|we)\s+(?:would|'d|will|)\s*(?:need|want|like|ask|expect)\s+(?:you|u)\s+to\s+",
        r"^(?:i|we)\s+(?:would|'d)\s+(?:really\s+)?appreciate\s+(?:it\s+)?(?:if\s+you\s+"
        r"(?:could|would|can)\s+)?",
        r"^you\s+(?:should|need to|must|have to|might want to)\s+",
    )
)
_SPAN_SUFFIX = re.compile(r"(?:[,\s]+(?:please|pls|thanks|thank you|thx))?[\s.?!,;:]*$", re.I)
_ACK_WORDS = frozenset(
    "thanks thank you thx ty ok okay k great got it noted cheers sounds good perfect "
    "received will do awesome cool nice much many appreciated appreciate again so very "
    "lots a ton for the info hi hello hey dear regards best kind warm".split()
)
_ANSWER_OPENING = re.compile(
    r"^\W*(?:yes|no|yep|nope|yeah|sure|correct|confirmed|approved|agreed|"
    r"absolutely|definitely|done)\b",
    re.I,
)
_DELIVERY = re.compile(
    r"\b(?:attached|attaching|enclosed|here(?:'s| is| are)|sent|shipped|fixed|"
    r"done|deployed|completed|finished|uploaded|shared|resolved|released|"
    r"submitted|delivered|signed|forwarded|emailed|posted|scheduled|booked)\b",
    re.I,
)
_NOT_YET = re.compile(
    r"(?:\b(?:not|never|will|'ll|going to|yet to|to be|once|when|if|before)"
    r"|n't)\s+(?:\w+\s+){0,2}$",
    re.I,
)
_SOLVED = frozenset({"solved", "closed", "resolved"})
# Explicit asks and promises at the start of a sentence count whatever the model says:
# the task model, trained on long email sentences, under-scores short ones ("Please,
# install it.", "I will handle it.").
_PLAIN_ASK = re.compile(
    r"^(?:please|pls|kindly)\W+(?!see\b|note\b|find\b|be (?:advised|aware)\b|disregard\b|"
    r"ignore\b|accept\b|forgive\b|excuse\b|enjoy\b|do not hesitate\b|don't hesitate\b)"
    r"[a-z]+",
    re.I,
)
_PLAIN_PROMISE = re.compile(
    r"^(?:(?:ok|okay|sure|yes|sounds good)\W+)?(?:i|we)\s*(?:'ll|will|shall|am going to|"
    r"'m going to)\s+(?!be\b|need\b|have to\b|not\b|never\b|keep you posted\b|let you know "
    r"if\b)(?:handle|take|send|check|look|fix|do|review|follow|get|call|update|prepare|draft|"
    r"share|forward|schedule|set up|compile|test|try|investigate|work|reply|confirm|ask)\b",
    re.I,
)
_GREETING = re.compile(
    r"^(?!(?:please|pls|kindly)\b)(?:(?:hi|hello|hey|dear)\s+)?[\w.-]+,\s+(?=[a-z])", re.I
)
# Courtesy offers that close a message: nobody owes anything because of them.
_SIGN_OFF = re.compile(
    r"^\W*(?:(?:and|also|so|again|as always|of course)\W+)?(?:please\s+)?"
    r"(?:(?:do\s+)?let (?:me|us) know if (?:you|there)(?:'re| are| have| has| had|'ve| need|"
    r" would like| want| run into| see| think of)?\s*(?:any|anything|further|more|other|"
    r"additional|questions|concerns|problems|issues|trouble|difficulties|else)"
    r"|(?:do not|don't|never) hesitate to"
    r"|feel free to (?:call|contact|reach|email|e-mail|get in touch|let me know|ask|reply|"
    r"write|ping|drop)"
    r"|(?:if|should) you (?:have|need|require|run into|want)\s+(?:any|anything|further|more|"
    r"additional|other)\b[^?]*(?:let (?:me|us) know|contact|call|email|e-mail|reach|reply|"
    r"write|ask|feel free|hesitate|visit|available|happy to help)"
    r"|(?:i|we)\s*(?:'m|am|are|'re|will be|'ll be)\s+(?:happy|glad|available) to "
    r"(?:answer|help with|discuss) (?:any|your)\b"
    r"|(?:i|we) look forward to (?:hearing from you|your reply|talking|seeing you|working)"
    r"|hope (?:this|that) helps)",
    re.I,
)

Status = Literal["open", "resolved"]
Reason = Literal["reply", "delivered", "ticket_solved"]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of ``text``; whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        if match:
            start = match.end()
    return spans


@lru_cache(maxsize=1)
def default_detector() -> ItemDetector:
    """The committed model, loaded once on first use (prefer injecting your own)."""
    return load_detector()


def assign_kind(sentence: str, *, score: float, threshold: float) -> ItemKind | None:
    """The item kind of a sentence by rules, given the detector's score; ``None`` = no item.

    Requests and commitments need a score at or above ``threshold``; questions (a sentence
    ending in "?" with three words or more) do not, because the task model is trained on
    tasks, not information questions. "Could you send ...?" is a request, not a question.
    Sign-offs and courtesy offers ("let me know if you have any questions", "feel free to
    call me") are never items. Text from :func:`tieline.nlp.authorship.own_text` has lost
    the "?" that only stood for a lost quote, so such sentences are not questions either.
    """
    text = normalize_sentence(sentence)
    if _DELIVERED_OPENING.match(text):
        return None  # "Attached is ..." delivers; it owes nothing
    if _SIGN_OFF.match(text):
        return None  # "Let me know if you have any questions": a courtesy, not an item
    raw = _GREETING.sub("", sentence.strip().lstrip(">| "))
    plain = any(rx.match(t) for rx in (_PLAIN_ASK, _PLAIN_PROMISE) for t in (text, raw))
    positive = score >= threshold or plain
    ends_question = text.rstrip().rstrip("\"')").endswith("?")
    if _YOU_REQUEST.match(text) or _REQUEST_OPENING.match(text) or _WE_GET.match(text):
        return ItemKind.REQUEST if positive or ends_question else None
    if ends_question:
        return ItemKind.QUESTION if len(_WORD.findall(text)) >= 3 else None
    if not positive:
        return None
    if _SUBJECTLESS_COMMIT.match(text) or _LET_ME.match(text) or _COMMITMENT.search(text):
        return ItemKind.COMMITMENT
    return ItemKind.REQUEST


def extract_span(sentence: str, kind: ItemKind) -> str:
    """The action phrase: "Could you please send me the deck?" -> "send me the deck"."""
    text = normalize_sentence(sentence)
    if kind is not ItemKind.QUESTION:
        if kind is ItemKind.COMMITMENT and (m := _COMMITMENT.search(text)):
            text = text[m.end() :]
        elif kind is ItemKind.COMMITMENT and _SUBJECTLESS_COMMIT.match(text):
            text = text.split(None, 1)[1]
        for _ in range(3):
            for prefix in _SPAN_PREFIXES:
                text = prefix.sub("", text, count=1)
    span = _SPAN_SUFFIX.sub("", text).strip()
    if kind is ItemKind.QUESTION:
        span = text.strip()
    if len(_WORD.findall(span)) < 2:
        return normalize_sentence(sentence).strip()
    return span


def owed_by(kind: ItemKind, author_side: Side | None) -> Side | None:
    """Who has to act: the author for a commitment, the other side for a request or question."""
    if author_side is None:
        return None
    if kind is ItemKind.COMMITMENT:
        return author_side
    return Side.THEM if author_side is Side.US else Side.US


def detect_items(
    text: str,
    *,
    author_side: Side | None,
    sent_at: datetime | None,
    detector: ItemDetector | None = None,
    sentences: Sequence[tuple[int, int]] | None = None,
) -> list[OpenItem]:
    """The open items of one message body, in text order.

    ``sentences`` are (start, end) offsets into ``text`` (e.g. from spaCy); by default
    :func:`split_sentences`. ``sent_at`` resolves relative due dates ("by Friday").
    """
    offsets = list(sentences) if sentences is not None else split_sentences(text)
    if not offsets:
        return []
    detector = detector or default_detector()
    chunks = [text[start:end] for start, end in offsets]
    items: list[OpenItem] = []
    for (start, end), chunk, score in zip(offsets, chunks, detector.scores(chunks), strict=True):
        kind = assign_kind(chunk, score=score, threshold=detector.threshold)
        if kind is None:
            continue
        confidence = max(score, QUESTION_CONFIDENCE) if kind is ItemKind.QUESTION else score
        items.append(
            OpenItem(
                kind=kind,
                span=extract_span(chunk, kind),
                sentence=chunk,
                start=start,
                end=end,
                owed_by=owed_by(kind, author_side),
                due=parse_due(chunk, sent_at=sent_at),
                confidence=round(confidence, 4),
            )
        )
    return items


def items_record(items: Sequence[OpenItem]) -> dict[str, list[dict[str, str]]]:
    """The JSON line of ``tieline nlp open-items``: ``{"items": [{"kind", "span", "owed_by"?}]}``.

    ``owed_by`` is present only when known.
    """
    out: list[dict[str, str]] = []
    for item in items:
        record = {"kind": item.kind.value, "span": item.span}
        if item.owed_by is not None:
            record["owed_by"] = item.owed_by.value
        out.append(record)
    return {"items": out}


# --- resolution -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of a thread as resolution tracking sees it.

    ``side`` is the author's side (``None`` when unknown); ``items`` are the items found in
    its body (usually :func:`detect_items`'s output); ``ticket_status`` is the ticket's
    status after this message when the thread is a ticket ("open", "pending", "solved" ...).
    """

    key: str
    at: datetime
    side: Side | None
    body: str
    items: tuple[OpenItem, ...] = ()
    ticket_status: str | None = None


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """An item's state as of ``as_of``; ``age_days`` runs until resolution, else until ``as_of``."""

    item: OpenItem
    message_key: str
    status: Status
    resolved_by: str | None
    resolved_at: datetime | None
    reason: Reason | None
    age_days: float
    overdue: bool  # open, with a stated due date before ``as_of``


def _unquoted(body: str) -> str:
    return "\n".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))


def is_delivery(body: str) -> bool:
    """True when the text says something was delivered: attached, sent, done, shipped, fixed ...

    A cue preceded by a negation or a future ("not sent yet", "I'll send") does not count.
    """
    text = _unquoted(body)
    return any(not _NOT_YET.search(text[: m.start()]) for m in _DELIVERY.finditer(text))


def has_substance(body: str) -> bool:
    """True when a reply says more than thanks/ok.

    Rule: after dropping quoted lines and acknowledgement, greeting and sign-off words,
    at least three words remain; or the reply opens with an answer word (yes, no, sure,
    confirmed, done ...); or it delivers something (:func:`is_delivery`).
    """
    text = _unquoted(body)
    if _ANSWER_OPENING.match(text) or is_delivery(text):
        return True
    words = [w for w in _WORD.findall(text.lower()) if w not in _ACK_WORDS]
    return len(words) >= 3


def _resolution(
    item: OpenItem, index: int, messages: Sequence[ThreadMessage]
) -> tuple[ThreadMessage, Reason] | None:
    for later in messages[index:]:
        if later.ticket_status is not None and later.ticket_status.lower() in _SOLVED:
            return later, "ticket_solved"
        if later is messages[index] or item.owed_by is None or later.side is not item.owed_by:
            continue
        if item.kind is ItemKind.COMMITMENT:
            if is_delivery(later.body):
                return later, "delivered"
        elif has_substance(later.body):
            return later, "reply"
    return None


def track_resolution(messages: Sequence[ThreadMessage], *, as_of: datetime) -> list[ItemStatus]:
    """Each item of a thread (``messages`` in time order), resolved or still open.

    - A question or request is resolved by the first later message from the side that
      owes it (``item.owed_by``) with substance (:func:`has_substance`).
    - A commitment is resolved by the first later message from the committing side that
      delivers (:func:`is_delivery`); a reply from the other side does not resolve it.
    - A message whose ``ticket_status`` is solved/closed/resolved resolves every item at
      or before it.
    Items whose ``owed_by`` is ``None`` can only be resolved by the ticket status.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    out: list[ItemStatus] = []
    for index, message in enumerate(messages):
        for item in message.items:
            found = _resolution(item, index, messages)
            until = found[0].at if found else as_of
            out.append(
                ItemStatus(
                    item=item,
                    message_key=message.key,
                    status="resolved" if found else "open",
                    resolved_by=found[0].key if found else None,
                    resolved_at=found[0].at if found else None,
                    reason=found[1] if found else None,
                    age_days=max((until - message.at).total_seconds(), 0.0) / 86400.0,
                    overdue=found is None and item.due is not None and item.due < as_of,
                )
            )
    return out
