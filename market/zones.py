"""Which cooperatives serve a trip: those with a registry zone of kind ``service_area`` that
covers both ends (fleet's zones, declared by each cooperative's office)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.enums import ZoneKind
from fleet.models import Zone


def _point(lon: float, lat: float) -> object:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


async def serving(
    session: AsyncSession, pickup: tuple[float, float], dropoff: tuple[float, float]
) -> list[int]:
    """Ids of the cooperatives whose service areas cover the pickup and the drop-off (the two
    may lie in different zones of the same cooperative). Read across cooperatives on purpose:
    the market lists every carrier that serves the trip."""
    covers_pickup = (
        select(Zone.cooperative_id)
        .where(Zone.kind == ZoneKind.SERVICE_AREA, func.ST_Covers(Zone.area, _point(*pickup)))
        .distinct()
    )
    covers_dropoff = (
        select(Zone.cooperative_id)
        .where(Zone.kind == ZoneKind.SERVICE_AREA, func.ST_Covers(Zone.area, _point(*dropoff)))
        .distinct()
    )
    both = covers_pickup.intersect(covers_dropoff)
    return sorted(await session.scalars(select(both.subquery().c.cooperative_id)))
