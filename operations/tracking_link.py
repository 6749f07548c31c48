"""The customer's tracking link: an order's status and, while it is on its way, where the
vehicle is and when it should reach the drop-off. Public, so it answers only what a customer
may see."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.timeutil import utcnow
from routing import jobs
from routing.models import Order
from routing.orders import ON_THE_ROAD
from telematics.live import latest_fixes


class TrackedPosition(BaseModel):
    """The vehicle's latest fix, as a GeoJSON point with the device's time."""

    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float]
    time: datetime


class TrackingRead(BaseModel):
    reference: str
    status: str
    pickup_address: str
    dropoff_address: str
    vehicle_position: TrackedPosition | None = None
    eta: datetime | None = None  # at the drop-off, while the vehicle is on its way


async def track(session: AsyncSession, token: str) -> TrackingRead:
    """What the link shows; 404 naming ``token`` when it is unknown or expired."""
    order = (
        await session.execute(select(Order).where(Order.tracking_token == token))
    ).scalar_one_or_none()
    if order is None or order.tracking_expires_at < utcnow():
        raise NotFound("unknown or expired tracking link", field="token")
    answer = TrackingRead(
        reference=order.reference,
        status=order.status,
        pickup_address=order.pickup_address,
        dropoff_address=order.dropoff_address,
    )
    if order.status in ON_THE_ROAD and order.vehicle_id is not None:
        fixes = await latest_fixes(session, order.cooperative_id, vehicle_id=order.vehicle_id)
        if fixes:
            fix = fixes[0]
            answer.vehicle_position = TrackedPosition(
                coordinates=(fix.lon, fix.lat), time=fix.device_time
            )
            arrivals = jobs.etas([order], (fix.lon, fix.lat), utcnow())
            answer.eta = arrivals.get((order.id, "dropoff"))
    return answer
