"""Frozen value objects shared by every layer.

Connectors produce them, NLP and graph code consume them, the store persists
them. Nothing here knows about databases, models or HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    SLACK = "slack"
    TICKET = "ticket"


class AutomatedKind(StrEnum):
    """Why a message is machine-sent. Auto-replies still come from a real person's address."""

    BULK = "bulk"  # newsletters, mailing lists
    NOTIFICATION = "notification"  # no-reply senders, system notices
    AUTO_REPLY = "auto_reply"  # out-of-office, "no longer with the company"
    BOUNCE = "bounce"  # delivery status notifications
    BOT = "bot"  # chat bots and integrations


class RecipientKind(StrEnum):
    TO = "to"
    CC = "cc"
    BCC = "bcc"


class IdentityKind(StrEnum):
    EMAIL = "email"
    SLACK = "slack"  # a Slack user id, "T0123:U0456" (team and user)
    ZENDESK = "zendesk"  # a Zendesk user id, "<subdomain>:<id>"
    TICKETS = "tickets"  # a user id of another ticket system, "<system>:<id>"


@dataclass(frozen=True, slots=True)
class Address:
    """One participant as a message names it.

    ``email`` is empty when the source knows none (a Slack user without a
    profile email); ``ids`` are the participant's ids in the source system,
    e.g. ``((IdentityKind.SLACK, "T01:U02"),)``. ``title`` is a job title when
    the source has one (Slack profile, ticket user field).
    """

    email: str
    name: str = ""
    ids: tuple[tuple[IdentityKind, str], ...] = ()
    title: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


@dataclass(frozen=True, slots=True)
class Message:
    """One message as a connector read it, already cleaned.

    ``external_id`` is the source's stable id: the email Message-ID without
    angle brackets, ``slack:<channel name>:<ts>``, ``zendesk:<ticket>:<comment>``.
    ``body`` is the new text only, with quoted replies and the signature moved
    to ``quoted_text`` and ``signature``.
    """

    external_id: str
    channel: Channel
    sent_at: datetime  # timezone-aware, UTC
    author: Address
    subject: str
    body: str
    recipients: tuple[tuple[RecipientKind, Address], ...] = ()
    quoted_text: str = ""
    signature: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    provider_thread_id: str | None = None
    automated_kind: AutomatedKind | None = None  # None for mail a person wrote
    automated_reason: str | None = None  # the evidence, e.g. "Auto-Submitted: auto-replied"
    content_hash: str = ""
    locator: str = ""  # where it came from: file path, "mbox#offset" ...
    size_bytes: int = 0
    # Source-specific facts worth keeping: ticket status, priority, Slack channel,
    # reactions ... (string values, documented by each connector).
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def automated(self) -> bool:
        return self.automated_kind is not None

    @property
    def from_machine(self) -> bool:
        """True when the sender address itself is not a person (no-reply, list, daemon)."""
        return self.automated_kind not in (None, AutomatedKind.AUTO_REPLY)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record a connector could not turn into a Message, and why."""

    locator: str
    reason: str
    detail: str = ""
    external_id: str | None = None


Record = Message | Skipped


@dataclass(frozen=True, slots=True)
class ThreadHeader:
    """What threading needs to know about one stored message."""

    key: str  # the message's external id
    sent_at: datetime
    subject: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    provider_thread_id: str | None = None
    participants: frozenset[int] = field(default_factory=frozenset)  # person ids


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    internal: bool
    account: str | None
    emails: tuple[str, ...]
    automated: bool = False
    title: str = ""
    identities: tuple[tuple[str, str], ...] = ()  # (kind, value): email, slack, zendesk ...
    name_derived: bool = False  # the name was derived from an address, no one wrote it


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    domains: tuple[str, ...]
    people: int = 0
    messages: int = 0
    threads: int = 0
    last_message_at: datetime | None = None
    # Headline KPIs of the last complete month, when revenue or survey data exists.
    kpi_period: str | None = None
    kpis: Mapping[str, float | None] = field(default_factory=dict)
    # config | import (the customer list) | promoted | discovered (two-way conversation)
    origin: str = ""
    # From the customer list: the CRM's id, the CSM, segment, ARR and renewal date.
    external_id: str | None = None
    owner: str = ""
    segment: str | None = None
    arr: float | None = None
    renewal_on: date | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    """One entry of a CS team's customer list (``tieline import customers``)."""

    name: str
    domains: tuple[str, ...]
    external_id: str | None = None  # the CRM's account id
    owner: str = ""  # the CSM's email
    segment: str | None = None
    arr: float | None = None
    renewal_on: date | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """An address as classified for one message: who it may be and where it belongs."""

    email: str
    display_name: str
    fallback_name: str  # guessed from the address ("dana.whitfield@" -> "Dana Whitfield")
    name_key: str | None  # comparable full name, None when too thin to merge on
    domain: str  # registrable domain
    internal: bool
    account_domain: str | None  # None for internal and free-mail addresses
    account_name: str | None
    merge_key: int | None = None  # index of an explicit [[people]] merge
    merge_name: str | None = None
    human: bool = True  # False for machine senders (no-reply, newsletters, mailer-daemon)
    ids: tuple[tuple[IdentityKind, str], ...] = ()  # source-system ids (Slack, tickets)
    title: str = ""
    account_hint: str | None = None  # account named by the context (a mapped Slack channel)


# --- Message signals (issue #3): what tieline.nlp produces and graph/store consume ---------


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """One sentence's sentiment; ``start``/``end`` are character offsets in the scored text."""

    start: int
    end: int
    text: str
    label: SentimentLabel
    score: float  # P(positive) - P(negative), in [-1, 1]
    confidence: float  # the probability of ``label``


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A message's sentiment, aggregated from its sentences (kept for explanations)."""

    label: SentimentLabel
    score: float  # in [-1, 1]
    confidence: float  # in [0, 1]
    sentences: tuple[SentenceSentiment, ...] = ()
    model: str = ""  # which scorer produced it, e.g. "minilm-l4-lora@1"


class ItemKind(StrEnum):
    QUESTION = "question"
    REQUEST = "request"
    COMMITMENT = "commitment"


class Side(StrEnum):
    """Which side of the relationship: our company or the customer's."""

    US = "us"
    THEM = "them"


@dataclass(frozen=True, slots=True)
class OpenItem:
    """A question, request or commitment found in one sentence of a message.

    ``owed_by`` is the side that has to act: a customer's request is owed by us, our
    commitment is owed by us, our question to the customer is owed by them. ``None``
    when the author's side is unknown. ``span`` is the extracted item text (the action
    phrase when one is found, else the sentence); ``start``/``end`` locate the sentence.
    """

    kind: ItemKind
    span: str
    sentence: str
    start: int
    end: int
    owed_by: Side | None = None
    due: datetime | None = None  # a stated due date ("by Friday"), aware UTC
    confidence: float = 1.0


class LifecycleKind(StrEnum):
    OUT_OF_OFFICE = "out_of_office"  # temporary absence (auto-reply with a return date)
    DEPARTURE = "departure"  # "no longer with the company": the person has left
    BOUNCE = "bounce"  # a delivery failure for a recipient address
    CHURN_RISK = "churn_risk"  # "evaluating other vendors", "not renewing", "cancel"
    EXPANSION = "expansion"  # "we'd like to add 20 seats", "roll it out to the EU team"
    EXECUTIVE = "executive"  # an executive (by title) takes part in the conversation


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A lifecycle signal and the text that evidences it.

    ``subject_email`` is the person the event is about: the absent or departed person
    (usually the auto-reply's author), the address that bounced, the executive; empty
    for account-level events such as churn-risk language. ``until`` is the stated
    return date of an out-of-office; ``contact_email`` a replacement contact named in a
    departure notice.
    """

    kind: LifecycleKind
    evidence: str
    subject_email: str = ""
    until: datetime | None = None
    contact_email: str = ""
    confidence: float = 1.0


# --- Stakeholder graph inputs (issue #4): what tieline.graph consumes -------------------


@dataclass(frozen=True, slots=True)
class Stakeholder:
    """A person as the stakeholder graph sees them.

    ``executive`` is the verdict of a title classifier (``tieline.nlp.titles``) or of
    config; ``None`` lets the graph apply its own coarse title rules. ``departed_at`` is
    the date a departure was evidenced (a "no longer with" notice, a permanent bounce).
    ``role_override`` (champion, economic_buyer, power_user, user) comes from config or
    the API and beats inference. Automated people (no-reply senders) never engage.
    """

    id: int
    name: str
    internal: bool
    account: str | None = None
    title: str = ""
    executive: bool | None = None
    departed_at: datetime | None = None
    departure_evidence: str = ""
    role_override: str | None = None
    automated: bool = False
    email: str = ""  # an address, to name a person whose display name is empty


@dataclass(frozen=True, slots=True)
class Interaction:
    """One stored message, reduced to what relationship scoring needs.

    ``reply_seconds`` is how long the other side took to answer it (``answered_by`` who,
    when known); ``answered`` is ``False`` for an unanswered message and ``None`` when
    unknown. ``sentiment`` is the message score in [-1, 1] or ``None`` when not scored.
    """

    message_id: int
    channel: Channel
    sent_at: datetime  # timezone-aware
    author: int
    to: tuple[int, ...] = ()
    cc: tuple[int, ...] = ()
    thread_id: int | None = None
    sentiment: float | None = None
    reply_seconds: float | None = None
    answered: bool | None = None
    answered_by: int | None = None
    automated: bool = False
    subject: str = ""  # to name the message in evidence


@dataclass(frozen=True, slots=True)
class EventFact:
    """A stored lifecycle event as health reads it: what, when, in which message, by whom.

    ``kind`` is a :class:`LifecycleKind` value or a kind a later detector adds
    (``expansion``, ``escalation``); ``person`` is the person it is about when known.
    """

    kind: str
    at: datetime
    message_id: int
    author: int
    person: int | None = None
    evidence: str = ""
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class ItemFact:
    """An open item (question, request, commitment) as stored, with its resolution."""

    id: int
    message_id: int
    author: int
    kind: ItemKind
    owed_by: Side | None
    asked_at: datetime
    resolved_at: datetime | None = None
    due: datetime | None = None
