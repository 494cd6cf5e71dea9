"""Response and request bodies of the ``/v1`` API, with the examples OpenAPI shows.

Field names follow the CLI's JSON output (README "JSON output"): later versions add
fields, never rename them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountDetail",
    "AccountPage",
    "AccountSummary",
    "HealthConfig",
    "HealthConfigUpdate",
    "HistoryList",
    "MessagePage",
    "OpenItemPage",
    "PersonDetail",
    "PersonPage",
    "StakeholderList",
]

Band = Literal["red", "yellow", "green", "unknown"]
FlagName = Literal["single_threaded", "gone_dark", "departed_champion", "churn_risk", "ghosts"]


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class Ref(BaseModel):
    id: int
    name: str


class HealthSummary(BaseModel):
    score: float | None = Field(description="0-100; null when no component has data")
    band: Band | None
    trend: float | None = Field(description="score minus the previous snapshot's")


class AccountSummary(BaseModel):
    model_config = _example(
        {"id": 2, "name": "Globex", "health": {"score": 28.0, "band": "red", "trend": -4.5},
         "relationship": 2, "flags": ["gone_dark", "single_threaded"],
         "snapshot_on": "2026-11-20"}
    )  # fmt: skip

    id: int
    name: str
    health: HealthSummary | None = Field(description="null for an account never snapshotted")
    relationship: int | None = Field(description="account relationship 1-5")
    flags: list[str] = Field(description="raised flags of the latest snapshot")
    snapshot_on: date | None = Field(description="date of the latest snapshot")


class AccountPage(BaseModel):
    results: list[AccountSummary]
    next: str | None = Field(description="cursor of the next page; null on the last page")


class HealthComponent(BaseModel):
    raw: float
    value: float
    weight: float
    share: float
    contribution: float
    points: float | None = None
    note: str = ""
    evidence: dict[str, float] | None = Field(
        default=None, description="the data behind it: messages, people, days"
    )


class HealthEvent(BaseModel):
    rule: str
    points: float
    cap: float | None
    text: str
    evidence: dict[str, Any] = {}


class HealthReason(BaseModel):
    component: str
    pull: float
    text: str


class Health(BaseModel):
    score: float | None
    band: Band | None
    trend: float | None
    raw_mean: float | None
    missing: list[str]
    ignored: list[str]
    components: dict[str, HealthComponent]
    reasons: list[HealthReason]
    base_score: float | None = Field(default=None, description="the blend before events")
    left_out: dict[str, str] = Field(
        default={}, description="components left out of the blend, and why"
    )
    events: list[HealthEvent] = Field(default=[], description="lifecycle events applied")


class AccountRelationship(BaseModel):
    score: int = Field(ge=1, le=5)
    value: float
    components: dict[str, float]
    weights: dict[str, float]
    people: int
    breadth: int
    executive_covered: bool
    champion: int | None = Field(description="person id of the champion")
    champion_name: str | None = None
    evidence: dict[str, Any]


class Flag(BaseModel):
    raised: bool
    reason: str
    evidence: dict[str, Any]


_DETAIL_EXAMPLE = {
    "id": 1, "name": "Acme Logistics", "domains": ["acme-logistics.com"], "people": 6,
    "messages": 56, "threads": 17, "last_message_at": "2026-11-17T15:02:00Z",
    "source": "snapshot", "as_of": "2026-11-20",
    "health": {"score": 65.0, "band": "yellow", "trend": 1.4, "raw_mean": 63.1, "missing": [],
               "ignored": [], "components": {"open_items": {
                   "raw": 0.4, "value": 0.4, "weight": 15.0, "share": 15.0,
                   "contribution": 6.0, "points": None, "note": "4 open owed by us"}},
               "reasons": [{"component": "open_items", "pull": -3.0, "text":
                            "Open items pull the score down (-3.0): 4 open owed by us"}]},
    "relationship": {"score": 5, "value": 0.83, "components": {"depth": 0.9},
                     "weights": {"depth": 0.35}, "people": 6, "breadth": 4,
                     "executive_covered": True, "champion": 7, "evidence": {}},
    "flags": {"gone_dark": {"raised": False, "reason": "", "evidence": {}}},
    "single_threaded": False, "gone_dark": False, "departed_champion": False,
    "churn_risk": False,
}  # fmt: skip


class AccountDetail(BaseModel):
    model_config = _example(_DETAIL_EXAMPLE)

    id: int
    name: str
    domains: list[str]
    people: int
    messages: int
    threads: int
    last_message_at: datetime | None
    source: Literal["snapshot", "live", "none"] = Field(
        description="latest stored snapshot, computed live (`as_of`), or none yet"
    )
    as_of: date | None
    health: Health | None
    relationship: AccountRelationship | None
    flags: dict[str, Flag]
    kpis: dict[str, float | None] = Field(
        default_factory=dict,
        description="headline KPIs (MRR, ARR, NRR, GRR, gross MRR churn, NPS, CSAT) of the "
        "last complete month, when revenue or survey data was imported",
    )
    single_threaded: bool
    gone_dark: bool
    departed_champion: bool
    churn_risk: bool


class Identity(BaseModel):
    kind: str
    value: str


class PersonSummary(BaseModel):
    model_config = _example(
        {"id": 7, "name": "Dana Whitfield", "account": {"id": 1, "name": "Acme Logistics"},
         "internal": False, "automated": False, "title": "VP Operations",
         "emails": ["dana@acme-logistics.com"],
         "identities": [{"kind": "email", "value": "dana@acme-logistics.com"}]}
    )  # fmt: skip

    id: int
    name: str
    account: Ref | None
    internal: bool
    automated: bool
    title: str
    emails: list[str]
    identities: list[Identity]


class PersonPage(BaseModel):
    results: list[PersonSummary]
    next: str | None


class Strength(BaseModel):
    score: int = Field(ge=1, le=5)
    value: float
    components: dict[str, float]
    weights: dict[str, float]
    missing: list[str]
    evidence: dict[str, Any]
    reasons: list[str]


class PairStrength(Strength):
    with_: int = Field(alias="with", description="id of our person")
    name: str

    model_config = ConfigDict(populate_by_name=True)


class PersonDetail(PersonSummary):
    model_config = _example(
        {"id": 7, "name": "Dana Whitfield", "account": {"id": 1, "name": "Acme Logistics"},
         "internal": False, "automated": False, "title": "VP Operations",
         "emails": ["dana@acme-logistics.com"], "identities": [],
         "relationship": {"score": 4, "value": 0.71, "components": {"recency": 0.9},
                          "weights": {"recency": 0.2}, "missing": [], "evidence": {},
                          "reasons": ["wrote 3 days ago"]},
         "role": "champion", "departed": None, "departure_evidence": None, "engaged": True,
         "relationships": []}
    )  # fmt: skip

    relationship: Strength | None
    role: Literal["champion", "economic_buyer", "power_user", "user"] | None
    departed: date | None
    departure_evidence: str | None
    engaged: bool
    relationships: list[PairStrength] = Field(description="pairs with our people, strongest first")


class StakeholderList(BaseModel):
    results: list[PersonDetail]


class Sentiment(BaseModel):
    label: Literal["negative", "neutral", "positive"]
    score: float | None = Field(description="P(positive) - P(negative), in [-1, 1]")
    confidence: float | None
    model: str


class Reply(BaseModel):
    answered: bool
    seconds: float | None = Field(description="wall-clock seconds to the first answer")
    business_seconds: float | None
    answered_by: int | None = Field(description="id of the answering message")


class OpenItem(BaseModel):
    id: int
    kind: Literal["question", "request", "commitment"]
    span: str
    sentence: str
    owed_by: Literal["us", "them"] | None
    status: Literal["open", "resolved"]
    resolution: str | None
    due_at: datetime | None
    asked_at: datetime
    resolved_at: datetime | None
    confidence: float


class MessageOut(BaseModel):
    model_config = _example(
        {"id": 12, "thread_id": 3, "sent_at": "2026-11-10T16:00:00Z",
         "subject": "Export keeps failing", "author": {"id": 7, "name": "Dana Whitfield"},
         "automated": None, "text": "The export failed again. Can you look today?",
         "sentiment": {"label": "negative", "score": -0.62, "confidence": 0.81,
                       "model": "minilm-l4-lora"},
         "reply": {"answered": True, "seconds": 9000.0, "business_seconds": 9000.0,
                   "answered_by": 13}, "open_items": []}
    )  # fmt: skip

    id: int
    thread_id: int | None
    sent_at: datetime
    subject: str
    author: Ref
    automated: str | None = Field(description="bulk, notification, auto_reply, bounce or null")
    text: str = Field(description="the message's new text (quotes and signature removed)")
    sentiment: Sentiment | None
    reply: Reply | None
    open_items: list[OpenItem]


class MessagePage(BaseModel):
    results: list[MessageOut]
    next: str | None


class ItemMessage(BaseModel):
    id: int
    subject: str
    sent_at: datetime
    thread_id: int | None
    author: Ref


class OpenItemOut(OpenItem):
    model_config = _example(
        {"id": 4, "kind": "request", "span": "send the export logs", "sentence":
         "Could you send the export logs?", "owed_by": "us", "status": "open",
         "resolution": None, "due_at": None, "asked_at": "2026-11-10T16:00:00Z",
         "resolved_at": None, "confidence": 0.91, "age_days": 12.3,
         "message": {"id": 12, "subject": "Export keeps failing",
                     "sent_at": "2026-11-10T16:00:00Z", "thread_id": 3,
                     "author": {"id": 7, "name": "Dana Whitfield"}},
         "account": {"id": 1, "name": "Acme Logistics"}}
    )  # fmt: skip

    age_days: float = Field(description="days open (until resolution for resolved items)")
    message: ItemMessage
    account: Ref | None


class OpenItemPage(BaseModel):
    results: list[OpenItemOut]
    next: str | None


class HistoryPoint(BaseModel):
    model_config = _example(
        {"on": "2026-11-20", "score": 28.0, "band": "red", "relationship": 2,
         "flags": ["gone_dark"], "trend": -4.5}
    )  # fmt: skip

    on: date
    score: float | None
    band: Band | None
    relationship: int | None
    flags: list[str]
    trend: float | None


class HistoryList(BaseModel):
    results: list[HistoryPoint]


class BandsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    red_below: float = Field(ge=0, le=100)
    green_from: float = Field(ge=0, le=100)


class HealthModelOut(BaseModel):
    weights: dict[str, float]
    bands: BandsIn
    points_max: float


class HealthConfig(HealthModelOut):
    model_config = _example(
        {"weights": {"sentiment": 20, "engagement": 20, "open_items": 15,
                     "responsiveness": 15, "relationship": 30},
         "bands": {"red_below": 40, "green_from": 70}, "points_max": 10, "segments": {},
         "overridden": False}
    )  # fmt: skip

    segments: dict[str, HealthModelOut]
    overridden: bool = Field(description="whether this workspace stored its own weights")


class HealthConfigUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={"examples": [
            {"weights": {"sentiment": 25, "engagement": 15, "open_items": 15,
                         "responsiveness": 15, "relationship": 30, "nps": 10},
             "bands": {"red_below": 45, "green_from": 75}}]},
    )  # fmt: skip

    weights: dict[str, float] = Field(
        min_length=1,
        max_length=100,
        description="component -> weight (any positive scale, normalised to 100)",
    )
    bands: BandsIn | None = None
    points_max: float | None = Field(default=None, gt=0)


class IngestJob(BaseModel):
    """An uploaded export being ingested; ``report`` is the CLI's ingest JSON once done."""

    model_config = _example(
        {"id": 7, "kind": "slack", "filename": "acme-slack.zip", "size_bytes": 48213,
         "status": "done", "report": {"source": "acme-slack", "read": 120, "new_messages": 118,
         "duplicates": 0, "skipped": 2, "new_skipped": 2, "skipped_reasons": {"empty": 2},
         "threads": 31, "seconds": 1.42}, "error": None,
         "created_at": "2026-11-12T09:30:00Z", "started_at": "2026-11-12T09:30:01Z",
         "finished_at": "2026-11-12T09:30:03Z"}
    )  # fmt: skip

    id: int
    kind: Literal["email", "slack", "zendesk", "tickets"]
    filename: str
    size_bytes: int
    status: Literal["queued", "running", "done", "failed"]
    report: dict[str, Any] | None = Field(description="the ingest report, once done")
    error: str | None = Field(description="why the job failed, once failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class IngestJobOut(BaseModel):
    job: IngestJob


class IngestJobPage(BaseModel):
    results: list[IngestJob]
    next: str | None


WebhookEvent = Literal[
    "account.turned_red", "account.champion_departed", "message.extremely_negative",
    "item.overdue",
]  # fmt: skip


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"url": "https://hooks.example.com/tieline",
             "events": ["account.turned_red", "message.extremely_negative"]}]},
    )  # fmt: skip

    url: str = Field(
        max_length=2000,
        pattern=r"^https?://[^\s/?#@\x00-\x1f\x7f]+(?:[/?#][^\s\x00-\x1f\x7f]*)?$",
        description="where alerts are POSTed (http or https)",
    )
    events: list[WebhookEvent] = Field(
        min_length=1, max_length=4, description="the event types this subscription receives"
    )


_WEBHOOK_EXAMPLE = {"id": 3, "url": "https://hooks.example.com/tieline",
                    "events": ["account.turned_red"], "active": True,
                    "created_at": "2026-11-20T09:00:00Z"}  # fmt: skip


class Webhook(BaseModel):
    model_config = _example(_WEBHOOK_EXAMPLE)

    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(Webhook):
    model_config = _example(
        {**_WEBHOOK_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6Ozk6bmH7fs="}
    )

    secret: str = Field(description="signs every payload (Standard Webhooks); shown only once")


class WebhookList(BaseModel):
    results: list[Webhook]


class WebhookDeliveryOut(BaseModel):
    model_config = _example(
        {"id": 12, "event_type": "account.turned_red",
         "event_id": "msg_5b1f0c3e9a7d4e21b6c8f0a2d4e6b8c1",
         "payload": {"type": "account.turned_red", "timestamp": "2026-11-20T23:59:59+00:00",
                     "data": {"account_id": 2, "account": "Globex", "score": 28.0,
                              "band": "red", "previous_band": "yellow",
                              "link": "http://127.0.0.1:8000/accounts/2"}},
         "status": "pending", "attempts": 1, "next_attempt_at": "2026-11-21T08:00:30Z",
         "last_status_code": 503, "last_error": "HTTP 503: unavailable",
         "created_at": "2026-11-21T08:00:00Z", "delivered_at": None}
    )  # fmt: skip

    id: int
    event_type: str
    event_id: str = Field(description="the webhook-id header; the same alert keeps it")
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveryList(BaseModel):
    results: list[WebhookDeliveryOut]


class WebhookDeliveryReport(BaseModel):
    attempted: int
    delivered: int
    retrying: int
    failed: int
    errors: list[str]


class ImportReportOut(BaseModel):
    """What an import read, added, skipped (with reasons) and could not match."""

    model_config = _example(
        {"kind": "revenue", "read": 120, "new": 118, "duplicates": 0, "skipped": 2,
         "skipped_reasons": {"unknown kind": 2},
         "skipped_examples": ["line 7: unknown kind 'refund'"], "unmatched_accounts": []}
    )  # fmt: skip

    kind: str
    read: int
    new: int
    duplicates: int
    skipped: int
    skipped_reasons: dict[str, int]
    skipped_examples: list[str]
    unmatched_accounts: list[str]
