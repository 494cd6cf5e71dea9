"""The ``/v1`` resources, one router per resource; every route needs an API key and
counts against the key's rate limit."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from tieline.api import routes_digest
from tieline.api.ratelimit import rate_limit
from tieline.api.routes import (
    accounts,
    candidates,
    health_config,
    imports,
    ingest,
    messages,
    open_items,
    people,
    webhooks,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1", dependencies=[Depends(rate_limit)])
for module in (
    accounts, candidates, messages, people, open_items, health_config, ingest, imports,
    webhooks,
):  # fmt: skip
    router.include_router(module.router)
router.include_router(routes_digest.router)
