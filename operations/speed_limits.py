"""The cooperative's speed limits by vehicle kind, read by the derive worker for overspeed."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.tenancy import Tenant
from fleet.enums import VehicleKind
from fleet.legal import DEFAULT_SPEED_LIMITS_KMH, FALLBACK_SPEED_LIMIT_KMH


class SpeedLimitRead(BaseModel):
    """A kind's limit in force; ``default_kmh`` is what it returns to when reset."""

    vehicle_kind: str
    limit_kmh: int
    default_kmh: int
    is_default: bool


def _default(kind: str) -> int:
    return DEFAULT_SPEED_LIMITS_KMH.get(kind, FALLBACK_SPEED_LIMIT_KMH)


def _kind(kind: str) -> str:
    if kind not in {k.value for k in VehicleKind}:
        raise InvalidInput(f"unknown vehicle kind {kind!r}", field="kind")
    return kind


async def limits(session: AsyncSession, tenant: Tenant) -> list[SpeedLimitRead]:
    """Each vehicle kind's limit: the cooperative's own where set, else the default."""
    rows = await session.execute(
        text("SELECT vehicle_kind, limit_kmh FROM speed_limits WHERE cooperative_id = :coop"),
        {"coop": tenant.cooperative_id},
    )
    own: dict[str, int] = {kind: limit for kind, limit in rows}
    return [
        SpeedLimitRead(
            vehicle_kind=kind.value,
            limit_kmh=own.get(kind.value, _default(kind.value)),
            default_kmh=_default(kind.value),
            is_default=kind.value not in own,
        )
        for kind in VehicleKind
    ]


async def set_limit(
    session: AsyncSession, tenant: Tenant, kind: str, limit_kmh: int
) -> SpeedLimitRead:
    """The cooperative's own limit for a kind (422 naming ``kind`` for an unknown kind)."""
    await session.execute(
        text(
            "INSERT INTO speed_limits (cooperative_id, vehicle_kind, limit_kmh)"
            " VALUES (:coop, :kind, :limit) ON CONFLICT (cooperative_id, vehicle_kind)"
            " DO UPDATE SET limit_kmh = EXCLUDED.limit_kmh"
        ),
        {"coop": tenant.cooperative_id, "kind": _kind(kind), "limit": limit_kmh},
    )
    return SpeedLimitRead(
        vehicle_kind=kind, limit_kmh=limit_kmh, default_kmh=_default(kind), is_default=False
    )


async def reset_limit(session: AsyncSession, tenant: Tenant, kind: str) -> None:
    """The kind goes back to the default in fleet/legal.py."""
    await session.execute(
        text("DELETE FROM speed_limits WHERE cooperative_id = :coop AND vehicle_kind = :kind"),
        {"coop": tenant.cooperative_id, "kind": _kind(kind)},
    )
