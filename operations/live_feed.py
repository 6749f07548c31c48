"""The live map's reads for one tick: orders changed since a moment (the fleet's fixes come
from ``telematics.live``, the roster from ``fleet.assignments``, jobs from ``routing.jobs``).
The socket handling and the per-cooperative feed stay in ``api.live``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, scoped
from routing.models import Order


@dataclass(frozen=True, slots=True)
class OrderState:
    """What the map shows of an order: its status and who serves it."""

    id: int
    status: str
    driver_id: int | None
    vehicle_id: int | None
    updated_at: datetime


async def orders_changed(
    session: AsyncSession, tenant: Tenant, after: datetime
) -> list[OrderState]:
    """The cooperative's orders updated after ``after``."""
    statement = scoped(
        select(Order.id, Order.status, Order.driver_id, Order.vehicle_id, Order.updated_at),
        tenant,
    ).where(Order.updated_at > after)
    rows = (await session.execute(statement)).all()
    return [OrderState(*row) for row in rows]
