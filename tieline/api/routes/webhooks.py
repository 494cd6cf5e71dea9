"""``/v1/webhooks``: alert subscriptions (signed per Standard Webhooks) and their delivery log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Request

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import Id, Limit, LimitedBodyRoute, problems
from tieline.service.outbound import guarded_client

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=LimitedBodyRoute)

WebhookId = Annotated[int, Id("webhook")]
DELIVER_TIMEOUT = 10.0  # seconds per POST; a request delivers at most DELIVER_LIMIT
DELIVER_LIMIT = 20


def get_http_client(request: Request) -> Iterator[httpx.Client]:
    """The client deliveries go through: ``app.state.webhook_client`` if set (tests),
    else one that reaches only public addresses (see ``tieline.service.outbound``)."""
    client: httpx.Client | None = getattr(request.app.state, "webhook_client", None)
    if client is not None:
        yield client
        return
    allow = request.app.state.settings.webhooks.allow_private_networks
    with guarded_client(timeout=DELIVER_TIMEOUT, allow_private=allow) as fresh:
        yield fresh


HttpClientDep = Annotated[httpx.Client, Depends(get_http_client)]


@router.post(
    "",
    response_model=schemas.WebhookCreated,
    summary="Subscribe a URL to alerts",
    description="Alerts of the chosen types (`account.turned_red`, "
    "`account.champion_departed`, `message.extremely_negative`, `item.overdue`) are "
    "POSTed to `url` as JSON `{type, timestamp, data}`, signed per Standard Webhooks "
    "(`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`). "
    "The response carries the signing `secret`, shown only this once. Answers 200.",
    responses=problems(401, 413, 422, 429),
)
def create_webhook(
    session: SessionDep, caller: CallerDep, body: schemas.WebhookCreate
) -> schemas.WebhookCreated:
    return schemas.WebhookCreated.model_validate(
        service.create_webhook(
            session=session, settings=caller.settings, url=body.url, events=body.events
        )
    )


@router.get(
    "",
    response_model=schemas.WebhookList,
    summary="List the workspace's webhook subscriptions",
    description="Every subscription of the workspace, oldest first (secrets are not shown).",
    responses=problems(401, 422, 429),
)
def list_webhooks(session: SessionDep, caller: CallerDep) -> schemas.WebhookList:
    subs = service.list_webhooks(session=session, settings=caller.settings)
    return schemas.WebhookList.model_validate({"results": subs})


@router.delete(
    "/{webhook_id}",
    response_model=schemas.Webhook,
    summary="Delete a webhook subscription",
    description="Stops deliveries to it and deletes its delivery log; returns what was "
    "deleted. Another workspace's subscription is a 404.",
    responses=problems(401, 404, 422, 429),
)
def delete_webhook(
    session: SessionDep, caller: CallerDep, webhook_id: WebhookId
) -> schemas.Webhook:
    return schemas.Webhook.model_validate(
        service.delete_webhook(
            session=session, settings=caller.settings, subscription_id=webhook_id
        )
    )


@router.get(
    "/{webhook_id}/deliveries",
    response_model=schemas.WebhookDeliveryList,
    summary="The subscription's delivery log",
    description="Each queued alert, newest first: its payload, status (pending, delivered, "
    "failed), attempts, next attempt, and the last status code or error. Failed attempts "
    "are retried after 30 s, 2 min, 10 min, 1 h and 6 h, then the delivery is failed.",
    responses=problems(401, 404, 422, 429),
)
def list_deliveries(
    session: SessionDep, caller: CallerDep, webhook_id: WebhookId, limit: Limit = 50
) -> schemas.WebhookDeliveryList:
    log = service.webhook_deliveries(
        session=session, settings=caller.settings, subscription_id=webhook_id, limit=limit
    )
    return schemas.WebhookDeliveryList.model_validate({"results": log})


@router.post(
    "/deliver",
    response_model=schemas.WebhookDeliveryReport,
    summary="Run the workspace's due deliveries now",
    description=f"POSTs up to {DELIVER_LIMIT} deliveries of the workspace whose attempt is "
    "due (`tieline webhooks deliver` does it for every workspace) and reports how many "
    "were delivered, will be retried, or failed for good.",
    responses=problems(401, 413, 422, 429),
)
def deliver_webhooks(
    session: SessionDep, caller: CallerDep, client: HttpClientDep
) -> schemas.WebhookDeliveryReport:
    report = service.deliver_webhooks(
        session, client=client, workspace_id=caller.workspace_id, limit=DELIVER_LIMIT,
        checkpoint=session.commit,
    )  # fmt: skip
    return schemas.WebhookDeliveryReport.model_validate(report.as_dict())
