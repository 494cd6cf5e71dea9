"""Webhooks for alerts: events computed after each snapshot, queued per subscription and
POSTed signed per the Standard Webhooks scheme (https://www.standardwebhooks.com/).

Event types:

- ``account.turned_red``: the band is red and was not in the account's previous snapshot;
- ``account.champion_departed``: the ``departed_champion`` flag is raised and was not;
- ``message.extremely_negative``: a customer message sent since the previous snapshot
  whose pooled sentiment (the stored ``sentiment`` score, P(pos) − P(neg)) reaches
  ``-PRESETS[nlp.alert_preset]``. The workspace's calibration sentences
  (``alert_should_trigger`` ...) are not applied here: they need the sentiment model,
  which a snapshot does not load;
- ``item.overdue``: an item we owe, still open, past its due date or open over 14 days
  (asked within the last 90 days, the window the health score looks at).

An account's first snapshot only sets its baseline: nothing is "newly" red yet. Every
event has a stable id (``msg_`` + a hash of its type and subject), and a delivery is
unique per (subscription, id), so a re-run snapshot queues nothing twice.

Each POST carries ``webhook-id``, ``webhook-timestamp`` (unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` keyed by the
base64-decoded secret after ``whsec_``. A 2xx response delivers; anything else is tried
again after 30 s, 2 min, 10 min, 1 h and 6 h, then the delivery is failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from tieline.config import Settings
from tieline.errors import NotFound
from tieline.nlp.alerts import PRESETS
from tieline.service.outbound import check_url
from tieline.service.relationships import Assessment, end_of
from tieline.store import digest_queries as dq
from tieline.store import facts
from tieline.store import repository as repo
from tieline.store import webhooks as store
from tieline.store.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "BACKOFF",
    "EVENT_TYPES",
    "DeliveryReport",
    "Event",
    "Previous",
    "after_snapshot",
    "alerts_from_snapshot",
    "create_webhook",
    "delete_webhook",
    "deliver_due",
    "emit",
    "event_id",
    "list_webhooks",
    "new_secret",
    "sign",
    "webhook_deliveries",
]

EVENT_TYPES = (
    "account.turned_red",
    "account.champion_departed",
    "message.extremely_negative",
    "item.overdue",
)
# Wait after each failed attempt; the attempt after the last wait is the final one.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
OVERDUE_AFTER = timedelta(days=14)
ITEM_WINDOW = timedelta(days=90)
FIRST_LOOKBACK = timedelta(days=7)  # messages looked at when there is no previous snapshot
BASE_URL = "http://127.0.0.1:8000"  # the digest's default: where links point


@dataclass(frozen=True, slots=True)
class Previous:
    """What an account's previous snapshot said."""

    on: date
    band: str | None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str
    timestamp: datetime
    data: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The JSON body subscribers receive."""
        return {"type": self.type, "timestamp": self.timestamp.isoformat(), "data": self.data}


def event_id(kind: str, *subject: object) -> str:
    """A stable message id: the same alert always gets the same one."""
    digest = hashlib.sha256("\x1f".join((kind, *map(str, subject))).encode()).hexdigest()
    return "msg_" + digest[:32]


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,`` and the base64 HMAC-SHA256."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


# --------------------------------------------------------------------------- events


def _link(base_url: str, account_id: int) -> str:
    return f"{base_url.rstrip('/')}/accounts/{account_id}"


def _account_events(
    previous: Mapping[int, Previous], assessment: Assessment, base_url: str
) -> list[Event]:
    out: list[Event] = []
    day = assessment.as_of.date()
    for name, obj in sorted(assessment.accounts.items()):
        aid = assessment.account_ids[name]
        before = previous.get(aid)
        if before is None:
            continue
        health = obj["health"]
        base = {"account_id": aid, "account": name, "link": _link(base_url, aid)}
        if health.get("band") == "red" and before.band != "red":
            reasons = [r.get("text", "") for r in health.get("reasons", [])][:3]
            out.append(Event(
                event_id("account.turned_red", aid, day), "account.turned_red", assessment.as_of,
                {**base, "score": health.get("score"), "band": "red",
                 "previous_band": before.band, "previous_on": before.on.isoformat(),
                 "reasons": reasons},
            ))  # fmt: skip
        flag = obj["flags"]["departed_champion"]
        if flag["raised"] and "departed_champion" not in before.flags:
            out.append(Event(
                event_id("account.champion_departed", aid, day), "account.champion_departed",
                assessment.as_of,
                {**base, "reason": flag["reason"], "evidence": _plain(flag["evidence"])},
            ))  # fmt: skip
    return out


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _quote(m: dq.CustomerMessage) -> str:
    if m.sentences:
        start, end, *_ = min(m.sentences, key=lambda s: s[3])
        text = m.body[start:end].strip()
        if text:
            return text[:500]
    return m.body.strip()[:300]


def _message_events(
    messages: Sequence[dq.CustomerMessage], names: Mapping[int, str], threshold: float,
    base_url: str,
) -> list[Event]:  # fmt: skip
    return [
        Event(
            event_id("message.extremely_negative", m.id),
            "message.extremely_negative",
            m.sent_at,
            {
                "account_id": m.account_id,
                "account": names.get(m.account_id, ""),
                "message_id": m.id,
                "author": m.author,
                "subject": m.subject,
                "sent_at": m.sent_at.isoformat(),
                "score": round(m.score, 4),
                "threshold": threshold,
                "quote": _quote(m),
                "link": _link(base_url, m.account_id),
            },
        )  # fmt: skip
        for m in messages
        if -m.score >= threshold
    ]


def _item_events(
    items: Sequence[dq.OwedItem], names: Mapping[int, str], as_of: datetime, base_url: str
) -> list[Event]:
    out = []
    for it in items:
        past_due = it.due_at is not None and it.due_at < as_of
        if not past_due and as_of - it.asked_at <= OVERDUE_AFTER:
            continue
        since = it.due_at if past_due and it.due_at is not None else it.asked_at + OVERDUE_AFTER
        out.append(Event(
            event_id("item.overdue", it.id), "item.overdue", since,
            {"account_id": it.account_id, "account": names.get(it.account_id, ""),
             "item_id": it.id, "message_id": it.message_id, "kind": it.kind,
             "text": it.sentence or it.span, "asked_at": it.asked_at.isoformat(),
             "due_at": it.due_at.isoformat() if it.due_at else None,
             "age_days": (as_of - it.asked_at).days,
             "reason": "past its due date" if past_due else "open over 14 days",
             "link": _link(base_url, it.account_id)},
        ))  # fmt: skip
    return out


def alerts_from_snapshot(
    previous: Mapping[int, Previous],
    assessment: Assessment,
    *,
    messages: Sequence[dq.CustomerMessage] = (),
    items: Sequence[dq.OwedItem] = (),
    threshold: float = PRESETS["medium"],
    base_url: str = BASE_URL,
) -> list[Event]:
    """The alerts a snapshot raises against each account's previous one (pure).

    ``messages`` are customer messages scored since the previous snapshot, ``items``
    the items we owe still open; ``threshold`` is on negativity (−score).
    """
    names = {v: k for k, v in assessment.account_ids.items()}
    return [
        *_account_events(previous, assessment, base_url),
        *_message_events(messages, names, threshold, base_url),
        *_item_events(items, names, assessment.as_of, base_url),
    ]


def after_snapshot(
    *, session: Session, settings: Settings, assessment: Assessment, base_url: str | None = None
) -> int:
    """Compute the snapshot's alerts and queue them; nothing to do without subscriptions."""
    ws = repo.get_workspace_id(session, settings.workspace)
    if not store.active_subscriptions(session, workspace_id=ws):
        return 0
    as_of = assessment.as_of
    previous = {
        aid: Previous(s.on, s.band, frozenset(s.flags or ()))
        for aid, s in facts.snapshots(session, workspace_id=ws, before=as_of.date()).items()
    }
    since = end_of(max(p.on for p in previous.values())) if previous else as_of - FIRST_LOOKBACK
    messages = dq.customer_messages(session, workspace_id=ws, start=since, end=as_of)
    items = dq.owed_items(
        session, workspace_id=ws, as_of=as_of, asked_between=(as_of - ITEM_WINDOW, as_of)
    )
    events = alerts_from_snapshot(
        previous, assessment, messages=[m for m in messages if m.sent_at > since], items=items,
        threshold=PRESETS[settings.nlp.alert_preset],
        base_url=base_url or settings.api.base_url,
    )  # fmt: skip
    return emit(session=session, settings=settings, events=events)


def emit(
    *, session: Session, settings: Settings, events: Sequence[Event], now: datetime | None = None
) -> int:
    """Queue each event for every active subscription that wants its type; returns new ones."""
    ws = repo.get_workspace_id(session, settings.workspace)
    rows = [
        {
            "subscription_id": sub.id,
            "event_type": e.type,
            "event_id": e.id,
            "payload": e.payload(),
        }  # fmt: skip
        for sub in store.active_subscriptions(session, workspace_id=ws)
        for e in events
        if e.type in sub.events
    ]
    return store.enqueue(session, workspace_id=ws, rows=rows, now=now or datetime.now(UTC))


# --------------------------------------------------------------------------- delivery


@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"attempted": self.attempted, "delivered": self.delivered,
                "retrying": self.retrying, "failed": self.failed,
                "errors": self.errors[:20]}  # fmt: skip


def _nothing() -> None:
    return None


def _attempt(
    client: httpx.Client, sub: WebhookSubscription, d: WebhookDelivery, now: datetime
) -> tuple[int | None, str | None]:
    body = json.dumps(d.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "webhook-id": d.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(sub.secret, d.event_id, timestamp, body),
    }
    try:
        response = client.post(sub.url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # bad URL, refused ...
        return None, f"{type(exc).__name__}: {exc}"[:2000]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:500]}"


def deliver_due(
    session: Session,
    *,
    client: httpx.Client,
    now: datetime | None = None,
    workspace_id: int | None = None,
    limit: int = 100,
    checkpoint: Callable[[], None] = _nothing,
) -> DeliveryReport:
    """POST every due delivery (of one workspace, or all), signed; record each attempt."""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for d, sub in store.due_deliveries(session, now=now, workspace_id=workspace_id, limit=limit):
        status, error = _attempt(client, sub, d, now)
        report.attempted += 1
        delivered = error is None
        retry_at = (
            None if delivered or d.attempts + 1 >= MAX_ATTEMPTS else now + BACKOFF[d.attempts]
        )
        store.record_attempt(
            d, at=now, status_code=status, error=error, delivered=delivered, retry_at=retry_at
        )
        if delivered:
            report.delivered += 1
        elif retry_at is None:
            report.failed += 1
        else:
            report.retrying += 1
        if error:
            report.errors.append(f"{d.event_id} → {sub.url}: {error}")
        session.flush()
        checkpoint()
    return report


# --------------------------------------------------------------------------- subscriptions


def _subscription_json(sub: WebhookSubscription) -> dict[str, Any]:
    return {"id": sub.id, "url": sub.url, "events": list(sub.events), "active": sub.active,
            "created_at": sub.created_at}  # fmt: skip


def create_webhook(
    *, session: Session, settings: Settings, url: str, events: Sequence[str]
) -> dict[str, Any]:
    """A new subscription of the workspace; the result carries its secret (shown once)."""
    ws = repo.get_workspace_id(session, settings.workspace)
    check_url(url, allow_private=settings.webhooks.allow_private_networks)
    secret = new_secret()
    wanted = [e for e in EVENT_TYPES if e in set(events)]
    sub = store.create_subscription(session, workspace_id=ws, url=url, events=wanted, secret=secret)
    return {**_subscription_json(sub), "secret": secret}


def list_webhooks(*, session: Session, settings: Settings) -> list[dict[str, Any]]:
    ws = repo.get_workspace_id(session, settings.workspace)
    return [_subscription_json(s) for s in store.list_subscriptions(session, workspace_id=ws)]


def delete_webhook(*, session: Session, settings: Settings, subscription_id: int) -> dict[str, Any]:
    """Delete a subscription and its delivery log; NotFound if not the workspace's."""
    ws = repo.get_workspace_id(session, settings.workspace)
    sub = store.get_subscription(session, workspace_id=ws, subscription_id=subscription_id)
    if sub is None:
        raise NotFound(f"no webhook {subscription_id}")
    out = _subscription_json(sub)
    store.delete_subscription(session, workspace_id=ws, subscription_id=subscription_id)
    return out


def webhook_deliveries(
    *, session: Session, settings: Settings, subscription_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """The subscription's delivery log, newest first; NotFound if not the workspace's."""
    ws = repo.get_workspace_id(session, settings.workspace)
    if store.get_subscription(session, workspace_id=ws, subscription_id=subscription_id) is None:
        raise NotFound(f"no webhook {subscription_id}")
    return [
        {
            "id": d.id,
            "event_type": d.event_type,
            "event_id": d.event_id,
            "payload": d.payload,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "created_at": d.created_at,
            "delivered_at": d.delivered_at,
        }  # fmt: skip
        for d in store.list_deliveries(
            session, workspace_id=ws, subscription_id=subscription_id, limit=limit
        )
    ]
