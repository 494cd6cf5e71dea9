"""Typed SQLAlchemy 2.0 models. Every row carries ``workspace_id``.

Schema changes go through Alembic (``tieline/store/migrations``); the
migration is the source of truth for the database, these classes for code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class WorkspaceScoped:
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class Source(WorkspaceScoped, Base):
    """A channel messages come from: ``email``, later ``slack:<team>``, ``zendesk:<sub>``."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # Where a live pull resumes: API cursors, per-channel high-water marks.
    sync_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Account(WorkspaceScoped, Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    # Why it is an account: "config" ([[accounts]]), "import" (the customer list),
    # "promoted" (a candidate a CSM accepted), "discovered" (two-way conversation, in
    # discovered mode; removed again when the mode or the rule says otherwise).
    origin: Mapped[str] = mapped_column(String(16), default="discovered")
    # From the customer list: the CRM's id, the owner (CSM), segment, ARR, renewal.
    external_id: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(320), default="")
    segment: Mapped[str | None] = mapped_column(String(100))
    arr: Mapped[float | None] = mapped_column(Float)
    renewal_on: Mapped[date | None] = mapped_column(Date)


class AccountCandidate(WorkspaceScoped, Base):
    """A domain that talks with us both ways but is not on the customer list.

    ``status`` is "candidate" until a CSM decides: "promoted" (it is an account now)
    or "ignored" (never again, whatever the mode); decisions survive re-ingestion.
    The counts are human messages: theirs to us, ours to them, threads with both.
    """

    __tablename__ = "account_candidates"
    __table_args__ = (UniqueConstraint("workspace_id", "domain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    inbound: Mapped[int] = mapped_column(Integer, default=0)
    outbound: Mapped[int] = mapped_column(Integer, default=0)
    two_way: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime | None]
    last_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class AccountDomain(WorkspaceScoped, Base):
    __tablename__ = "account_domains"
    __table_args__ = (UniqueConstraint("workspace_id", "domain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255))


class AccountActivity(WorkspaceScoped, Base):
    """How much an account's people wrote and received: messages, threads, the latest.

    Derived from messages and people, and kept by the use cases that change them
    (``store.views.refresh_activity``): the account detail reads one row instead of
    aggregating every message of the account on each request.
    """

    __tablename__ = "account_activity"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    messages: Mapped[int] = mapped_column(Integer, default=0)
    threads: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None]


class Person(WorkspaceScoped, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set for no-reply and notification senders: they never count as engagement.
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(300), default="")  # job title, when a source has one
    # The name was derived from an address ("vince.kaminski@" -> "Vince Kaminski").
    name_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Identity(WorkspaceScoped, Base):
    """One way a person appears in a source: an email address, a Slack id, a ticket user id."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "email", later "slack", "zendesk"
    value: Mapped[str] = mapped_column(String(320))
    # Whole, however long; the person's name made from it fits its column.
    display_name: Mapped[str] = mapped_column(Text, default="")
    # Registrable domain and comparable full name: how new addresses find this person.
    domain: Mapped[str] = mapped_column(String(255), default="")
    name_key: Mapped[str | None] = mapped_column(String(300))
    # How it joined its person when that person existed already: "name" (same full
    # name at the same domain), "free-mail name" (a personal address of a known
    # customer), "manual"; with the evidence. ``pinned`` after a split: never again
    # joined to anyone automatically.
    joined_by: Mapped[str | None] = mapped_column(String(32))
    join_evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


class Thread(WorkspaceScoped, Base):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(998))  # external id of its first message
    subject: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    # message_count when thread-level signals (latency, item resolution) were last
    # computed: a thread whose count moved on is scored again.
    scored_count: Mapped[int] = mapped_column(Integer, default=0)


class Message(WorkspaceScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_id", "external_id"),
        Index("ix_messages_workspace_sent", "workspace_id", "sent_at"),
        # What changed since the last run: re-scoring only the accounts it touched.
        Index("ix_messages_workspace_ingested", "workspace_id", "ingested_at"),
        # The same email filed in several folders: stored once (message_locations).
        Index("ix_messages_workspace_copy_key", "workspace_id", "copy_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(998))
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    sent_at: Mapped[datetime]
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    quoted_text: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str] = mapped_column(Text, default="")  # space-separated ids
    provider_thread_id: Mapped[str | None] = mapped_column(String(200))
    automated_kind: Mapped[str | None] = mapped_column(String(16))
    automated_reason: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    locator: Mapped[str] = mapped_column(Text, default="")
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # source-specific facts
    ingested_at: Mapped[datetime] = mapped_column(default=_now)
    # Sender, date, subject and text: equal for copies of one email (None: not email).
    copy_key: Mapped[str | None] = mapped_column(String(64))


class MessageLocation(WorkspaceScoped, Base):
    """Another place a stored message was found: a copy in another folder or mailbox,
    with the Message-ID that copy carried."""

    __tablename__ = "message_locations"
    __table_args__ = (UniqueConstraint("message_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(998))
    locator: Mapped[str] = mapped_column(Text, default="")


class MessageRecipient(WorkspaceScoped, Base):
    __tablename__ = "message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "identity_id", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    kind: Mapped[str] = mapped_column(String(8))  # to / cc / bcc


class MessageScore(WorkspaceScoped, Base):
    """One named score of one message (sentiment, open item, ...), with its explanation."""

    __tablename__ = "message_scores"
    __table_args__ = (UniqueConstraint("message_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model: Mapped[str] = mapped_column(String(200), default="")
    scored_at: Mapped[datetime] = mapped_column(default=_now)


class SkippedRecord(WorkspaceScoped, Base):
    """A record a connector could not read, kept so a user can see what was lost and why."""

    __tablename__ = "skipped_records"
    __table_args__ = (UniqueConstraint("workspace_id", "source_id", "locator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    locator: Mapped[str] = mapped_column(String(2000))
    external_id: Mapped[str | None] = mapped_column(String(998))
    reason: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=_now)


class RevenueMovement(WorkspaceScoped, Base):
    """One MRR movement of one account (new, expansion, churn ...), as imported."""

    __tablename__ = "revenue_movements"
    __table_args__ = (UniqueConstraint("workspace_id", "row_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200), index=True)  # as the source names it
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    owner: Mapped[str | None] = mapped_column(String(320))
    row_key: Mapped[str] = mapped_column(String(64))  # content hash: re-imports add nothing
    imported_at: Mapped[datetime] = mapped_column(default=_now)


class SurveyResponse(WorkspaceScoped, Base):
    """One NPS / CSAT / CES answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("workspace_id", "row_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float)
    scale_max: Mapped[int] = mapped_column(Integer)
    respondent: Mapped[str | None] = mapped_column(String(320))
    row_key: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=_now)


class OpenItemRow(WorkspaceScoped, Base):
    """A question, request or commitment found in a message, and whether it was resolved."""

    __tablename__ = "open_items"
    __table_args__ = (Index("ix_open_items_workspace_status", "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # question / request / commitment
    span: Mapped[str] = mapped_column(Text, default="")
    sentence: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[int] = mapped_column(Integer, default=0)
    end: Mapped[int] = mapped_column(Integer, default=0)
    owed_by: Mapped[str | None] = mapped_column(String(8))  # us / them
    due_at: Mapped[datetime | None]
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    asked_at: Mapped[datetime]  # the message's sent_at: items age from here
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / resolved
    resolution: Mapped[str | None] = mapped_column(String(32))  # reply / delivered / ticket_solved
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None]


class LifecycleEventRow(WorkspaceScoped, Base):
    """A lifecycle signal (out of office, departure, bounce, churn risk, executive)."""

    __tablename__ = "lifecycle_events"
    __table_args__ = (Index("ix_lifecycle_events_workspace_kind", "workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    # The person the event is about, when the address is known (the departed, the bounced).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    subject_email: Mapped[str] = mapped_column(String(320), default="")
    until: Mapped[datetime | None]
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    occurred_at: Mapped[datetime]  # the evidencing message's sent_at


class AccountSnapshot(WorkspaceScoped, Base):
    """An account's health, relationship and flags as of one date (weekly by default)."""

    __tablename__ = "account_snapshots"
    __table_args__ = (UniqueConstraint("workspace_id", "account_id", "on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column(Date, index=True)
    score: Mapped[float | None] = mapped_column(Float)  # health 0-100
    band: Mapped[str | None] = mapped_column(String(8))
    relationship: Mapped[int | None] = mapped_column(Integer)  # 1-5
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    trend: Mapped[float | None] = mapped_column(Float)  # health change since the previous one
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the account's JSON object
    computed_at: Mapped[datetime] = mapped_column(default=_now)


class ApiKey(WorkspaceScoped, Base):
    """An API key of one workspace; only its SHA-256 hash is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to recognise it
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class HealthOverride(WorkspaceScoped, Base):
    """A workspace's health-score settings set through the API (over the ``[health]`` file)."""

    __tablename__ = "health_overrides"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=_now)


class WebhookSubscription(WorkspaceScoped, Base):
    """Where a workspace wants its alerts POSTed, signed with its own ``whsec_`` secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))  # kept in clear: it signs every payload
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # event types it wants
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class WebhookDelivery(WorkspaceScoped, Base):
    """One event queued for one subscription, and how its delivery attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),  # an alert is never queued twice
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header: "msg_..."
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/delivered/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    delivered_at: Mapped[datetime | None]


class IngestJob(WorkspaceScoped, Base):
    """An uploaded export being ingested in the background; the API shows its status."""

    __tablename__ = "ingest_jobs"
    __table_args__ = (Index("ix_ingest_jobs_workspace_id_id", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # email, slack, zendesk, tickets
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # running, done, failed
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A running job touches this at every committed batch; one that stops touching it
    # (its server died) is taken over by the next server's recovery.
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class AccountMetric(WorkspaceScoped, Base):
    """A product-usage or adoption figure of an account on a date (setup rate, active users)."""

    __tablename__ = "account_metrics"
    __table_args__ = (
        UniqueConstraint("workspace_id", "row_key"),
        Index("ix_account_metrics_account_metric_on", "account_id", "metric", "on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(200))  # as the source names it
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    on: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    row_key: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=_now)
