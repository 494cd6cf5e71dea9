"""``/v1/health-config``: the workspace's health weights and bands, read and replaced."""

from __future__ import annotations

from fastapi import APIRouter

from tieline import service
from tieline.api import schemas
from tieline.api.deps import CallerDep, SessionDep
from tieline.api.routes._common import LimitedBodyRoute, problems

router = APIRouter(prefix="/health-config", tags=["health config"], route_class=LimitedBodyRoute)


@router.get(
    "",
    response_model=schemas.HealthConfig,
    summary="The health weights and bands in effect",
    description="The default model's weights, band cut-points and points scale, the "
    "per-segment models, and whether the workspace stored its own weights (which then "
    "apply over the `[health]` table of the configuration).",
    responses=problems(401, 422, 429),
)
def get_health_config(session: SessionDep, caller: CallerDep) -> schemas.HealthConfig:
    return schemas.HealthConfig.model_validate(
        service.get_health_config(session=session, settings=caller.settings)
    )


@router.put(
    "",
    response_model=schemas.HealthConfig,
    summary="Replace the workspace's health weights and bands",
    description="Stores the workspace's own weights (and optionally bands and points "
    "scale) after validating them; they apply to health computed through the API from "
    "now on. Bodies over 1 MiB get 413.",
    responses=problems(401, 413, 422, 429),
)
def put_health_config(
    session: SessionDep, caller: CallerDep, body: schemas.HealthConfigUpdate
) -> schemas.HealthConfig:
    data = body.model_dump(exclude_none=True)
    return schemas.HealthConfig.model_validate(
        service.update_health_config(session=session, settings=caller.settings, data=data)
    )
