"""Reading telemetry for the API: latest positions and a vehicle's track (the ingestion counters
are in ``telematics.metrics``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.tenancy import Tenant, get_scoped, scoped
from fleet.models import Vehicle
from telematics.tables import positions, vehicle_state

METRES_PER_DEGREE = 111_320.0
MAX_TRACK_DAYS = 31


@dataclass(frozen=True, slots=True)
class Area:
    """Where to look: a bounding box (lon/lat) or a circle (centre lon/lat, radius in metres)."""

    bbox: tuple[float, float, float, float] | None = None
    centre: tuple[float, float] | None = None
    radius_m: float | None = None


async def latest_positions(
    session: AsyncSession, tenant: Tenant, area: Area, *, limit: int
) -> list[dict[str, Any]]:
    """Each vehicle's newest fix (GeoJSON features), optionally within an area."""
    statement = scoped(
        select(
            Vehicle.id,
            Vehicle.plate,
            Vehicle.kind,
            Vehicle.status,
            func.ST_AsGeoJSON(vehicle_state.c.geom, 6).label("geometry"),
            vehicle_state.c.device_time,
            vehicle_state.c.received_at,
            vehicle_state.c.speed_kmh,
            vehicle_state.c.heading,
            vehicle_state.c.ignition,
            vehicle_state.c.driver_card,
        ).join(vehicle_state, vehicle_state.c.vehicle_id == Vehicle.id),
        tenant,
    )
    if area.bbox is not None:
        statement = statement.where(
            vehicle_state.c.geom.op("&&")(func.ST_MakeEnvelope(*area.bbox, 4326))
        )
    if area.centre is not None and area.radius_m is not None:
        centre = func.ST_SetSRID(func.ST_MakePoint(*area.centre), 4326)
        statement = statement.where(
            func.ST_DWithin(
                func.Geography(vehicle_state.c.geom), func.Geography(centre), area.radius_m
            )
        )
    rows = (await session.execute(statement.order_by(Vehicle.id).limit(limit))).all()
    return [_feature(row) for row in rows]


def _feature(row: Row[Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": json.loads(row.geometry),
        "properties": {
            "vehicle_id": row.id,
            "plate": row.plate,
            "kind": row.kind,
            "status": row.status,
            "device_time": row.device_time.isoformat(),
            "received_at": row.received_at.isoformat(),
            "speed_kmh": row.speed_kmh,
            "heading": row.heading,
            "ignition": row.ignition,
            "driver_card": row.driver_card,
        },
    }


async def track(
    session: AsyncSession,
    tenant: Tenant,
    vehicle_id: int,
    start: datetime,
    end: datetime,
    *,
    simplify_m: float,
) -> dict[str, Any]:
    """A vehicle's path over a period as one GeoJSON Feature, simplified for display."""
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    if (end - start).days > MAX_TRACK_DAYS:
        raise InvalidInput(f"a track covers at most {MAX_TRACK_DAYS} days", field="end")
    vehicle = await get_scoped(session, Vehicle, vehicle_id, tenant)
    window = (
        select(positions.c.geom, positions.c.device_time)
        .where(
            positions.c.vehicle_id == vehicle.id,
            positions.c.cooperative_id == tenant.cooperative_id,
            positions.c.device_time >= start,
            positions.c.device_time < end,
        )
        .order_by(positions.c.device_time)
        .subquery()
    )
    line = func.ST_MakeLine(window.c.geom)
    simplified = func.ST_Simplify(line, simplify_m / METRES_PER_DEGREE)
    row = (
        await session.execute(
            select(
                func.count().label("points"),
                func.min(window.c.device_time).label("first"),
                func.max(window.c.device_time).label("last"),
                func.ST_AsGeoJSON(simplified, 6).label("geometry"),
                func.ST_Length(func.Geography(line)).label("length_m"),
            )
        )
    ).one()
    geometry = json.loads(row.geometry) if row.geometry else None
    return {
        "type": "Feature",
        "id": vehicle.id,
        "geometry": geometry,
        "properties": {
            "vehicle_id": vehicle.id,
            "plate": vehicle.plate,
            "points": row.points,
            "shown_points": len(geometry["coordinates"]) if geometry else 0,
            "first": row.first.isoformat() if row.first else None,
            "last": row.last.isoformat() if row.last else None,
            "length_m": round(row.length_m or 0.0),
        },
    }
