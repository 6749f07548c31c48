"""The cooperative's speed limits by vehicle kind, used for overspeed events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from api.deps import AdminTenant, OfficeTenant, SessionDep
from core.errors import InvalidInput
from fleet.enums import VehicleKind
from fleet.legal import DEFAULT_SPEED_LIMITS_KMH, FALLBACK_SPEED_LIMIT_KMH

router = APIRouter(tags=["journeys"])


class SpeedLimitIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"limit_kmh": 70}]})

    limit_kmh: int = Field(ge=5, le=200)


def _kind(kind: str) -> str:
    if kind not in {k.value for k in VehicleKind}:
        raise InvalidInput(f"unknown vehicle kind {kind!r}", field="kind")
    return kind


@router.get("/speed-limits", summary="Speed limits by vehicle kind")
async def list_speed_limits(tenant: OfficeTenant, session: SessionDep) -> list[dict[str, Any]]:
    """Each vehicle kind's limit: the cooperative's own where set, else the default. Zones can
    set lower limits of their own (``speed_limit_kmh`` on a zone)."""
    rows = await session.execute(
        text("SELECT vehicle_kind, limit_kmh FROM speed_limits WHERE cooperative_id = :coop"),
        {"coop": tenant.cooperative_id},
    )
    own: dict[str, int] = {kind: limit for kind, limit in rows}
    return [
        {
            "vehicle_kind": kind.value,
            "limit_kmh": own.get(
                kind.value, DEFAULT_SPEED_LIMITS_KMH.get(kind.value, FALLBACK_SPEED_LIMIT_KMH)
            ),
            "default_kmh": DEFAULT_SPEED_LIMITS_KMH.get(kind.value, FALLBACK_SPEED_LIMIT_KMH),
            "is_default": kind.value not in own,
        }
        for kind in VehicleKind
    ]


@router.put("/speed-limits/{kind}", summary="Set a vehicle kind's speed limit")
async def set_speed_limit(
    kind: str, body: SpeedLimitIn, tenant: AdminTenant, session: SessionDep
) -> dict[str, Any]:
    """Overspeed events use it from the derive worker's next refresh (at most a minute)."""
    await session.execute(
        text(
            "INSERT INTO speed_limits (cooperative_id, vehicle_kind, limit_kmh)"
            " VALUES (:coop, :kind, :limit) ON CONFLICT (cooperative_id, vehicle_kind)"
            " DO UPDATE SET limit_kmh = EXCLUDED.limit_kmh"
        ),
        {"coop": tenant.cooperative_id, "kind": _kind(kind), "limit": body.limit_kmh},
    )
    return {"vehicle_kind": kind, "limit_kmh": body.limit_kmh, "is_default": False}


@router.delete(
    "/speed-limits/{kind}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Return a vehicle kind to the default limit",
)
async def reset_speed_limit(kind: str, tenant: AdminTenant, session: SessionDep) -> None:
    """The kind's limit goes back to the default in fleet/legal.py."""
    await session.execute(
        text("DELETE FROM speed_limits WHERE cooperative_id = :coop AND vehicle_kind = :kind"),
        {"coop": tenant.cooperative_id, "kind": _kind(kind)},
    )
