"""Webhook subscriptions and their delivery log, always scoped by workspace.

Enqueueing is idempotent: a delivery is keyed by (subscription, event id), so an alert
computed again by a re-run snapshot is not queued a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tieline.store.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "active_subscriptions",
    "create_subscription",
    "delete_subscription",
    "due_deliveries",
    "enqueue",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
    "record_attempt",
]


def create_subscription(
    session: Session, *, workspace_id: int, url: str, events: Sequence[str], secret: str
) -> WebhookSubscription:
    sub = WebhookSubscription(
        workspace_id=workspace_id, url=url, events=list(events), secret=secret, active=True
    )
    session.add(sub)
    session.flush()
    return sub


def list_subscriptions(session: Session, *, workspace_id: int) -> list[WebhookSubscription]:
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.workspace_id == workspace_id)
            .order_by(WebhookSubscription.id)
        )
    )


def active_subscriptions(session: Session, *, workspace_id: int) -> list[WebhookSubscription]:
    return [s for s in list_subscriptions(session, workspace_id=workspace_id) if s.active]


def get_subscription(
    session: Session, *, workspace_id: int, subscription_id: int
) -> WebhookSubscription | None:
    """The subscription if it belongs to the workspace (another workspace's is None)."""
    return session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.workspace_id == workspace_id,
            WebhookSubscription.id == subscription_id,
        )
    )


def delete_subscription(session: Session, *, workspace_id: int, subscription_id: int) -> bool:
    """Delete the subscription and its delivery log; False if the workspace has no such one."""
    sub = get_subscription(session, workspace_id=workspace_id, subscription_id=subscription_id)
    if sub is None:
        return False
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
    session.delete(sub)
    session.flush()
    return True


def enqueue(
    session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]], now: datetime
) -> int:
    """Queue deliveries (``subscription_id, event_type, event_id, payload``) not queued yet.

    Returns how many were new. Keys already present (or repeated within ``rows``) are
    skipped, so calling it again with the same events adds nothing.
    """
    if not rows:
        return 0
    subs = sorted({r["subscription_id"] for r in rows})
    query = select(WebhookDelivery.subscription_id, WebhookDelivery.event_id).where(
        WebhookDelivery.workspace_id == workspace_id,
        WebhookDelivery.subscription_id.in_(subs),
        WebhookDelivery.event_id.in_(sorted({r["event_id"] for r in rows})),
    )
    existing: set[tuple[int, str]] = {(sub, event) for sub, event in session.execute(query)}
    added = 0
    for r in rows:
        key = (r["subscription_id"], r["event_id"])
        if key in existing:
            continue
        existing.add(key)
        session.add(
            WebhookDelivery(
                workspace_id=workspace_id, subscription_id=r["subscription_id"],
                event_type=r["event_type"], event_id=r["event_id"], payload=r["payload"],
                status="pending", attempts=0, next_attempt_at=now,
            )
        )  # fmt: skip
        added += 1
    session.flush()
    return added


def due_deliveries(
    session: Session, *, now: datetime, workspace_id: int | None = None, limit: int = 100
) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """Pending deliveries whose next attempt is due, oldest first, with their subscription."""
    query = (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookSubscription.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if workspace_id is not None:
        query = query.where(WebhookDelivery.workspace_id == workspace_id)
    return [(d, s) for d, s in session.execute(query)]


def list_deliveries(
    session: Session, *, workspace_id: int, subscription_id: int, limit: int = 50
) -> list[WebhookDelivery]:
    """The subscription's delivery log, newest first."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.workspace_id == workspace_id,
                WebhookDelivery.subscription_id == subscription_id,
            )
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def record_attempt(
    delivery: WebhookDelivery,
    *,
    at: datetime,
    status_code: int | None,
    error: str | None,
    delivered: bool,
    retry_at: datetime | None,
) -> None:
    """Count one attempt: delivered, due again at ``retry_at``, or failed for good."""
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:2000] if error else None
    if delivered:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", at, None
    elif retry_at is None:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = retry_at
