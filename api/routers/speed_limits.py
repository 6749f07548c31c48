"""The cooperative's speed limits by vehicle kind, used for overspeed events."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminTenant, OfficeTenant, SessionDep
from operations import speed_limits
from operations.speed_limits import SpeedLimitRead

router = APIRouter(tags=["journeys"])


class SpeedLimitIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"limit_kmh": 70}]})

    limit_kmh: int = Field(ge=5, le=200)


@router.get(
    "/speed-limits", response_model=list[SpeedLimitRead], summary="Speed limits by vehicle kind"
)
async def list_speed_limits(tenant: OfficeTenant, session: SessionDep) -> list[SpeedLimitRead]:
    """Each vehicle kind's limit: the cooperative's own where set, else the default. Zones can
    set lower limits of their own (``speed_limit_kmh`` on a zone)."""
    return await speed_limits.limits(session, tenant)


@router.put(
    "/speed-limits/{kind}",
    response_model=SpeedLimitRead,
    summary="Set a vehicle kind's speed limit",
)
async def set_speed_limit(
    kind: str, body: SpeedLimitIn, tenant: AdminTenant, session: SessionDep
) -> SpeedLimitRead:
    """Overspeed events use it from the derive worker's next refresh (at most a minute)."""
    return await speed_limits.set_limit(session, tenant, kind, body.limit_kmh)


@router.delete(
    "/speed-limits/{kind}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Return a vehicle kind to the default limit",
)
async def reset_speed_limit(kind: str, tenant: AdminTenant, session: SessionDep) -> None:
    """The kind's limit goes back to the default in fleet/legal.py."""
    await speed_limits.reset_limit(session, tenant, kind)
