"""The read side of devices heard (``gateway_devices``, written by the gateway: ``heard``).

Who sees what: a cooperative's admin sees the devices heard on their own cooperative's vehicles,
and their vehicles whose tracking device id the gateway has not heard (``silent``: a mistyped
IMEI shows up there); an identifier on no vehicle belongs to no cooperative, so only a platform
admin sees those (with every cooperative's devices), through the same query without the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, scoped
from fleet.models import Vehicle
from telematics.tables import gateway_devices as heard


@dataclass(frozen=True, slots=True)
class DeviceHeard:
    protocol: str
    identifier: str
    bound: bool
    vehicle_id: int | None
    plate: str | None
    cooperative_id: int | None
    remote_address: str | None
    first_heard_at: datetime
    last_heard_at: datetime
    messages: int
    fixes: int
    refused: int
    last_refusal: str | None


@dataclass(frozen=True, slots=True)
class SilentVehicle:
    vehicle_id: int
    plate: str
    tracking_device_id: str


_COLUMNS = (
    heard.c.protocol,
    heard.c.identifier,
    heard.c.vehicle_id,
    Vehicle.plate,
    heard.c.cooperative_id,
    heard.c.remote_address,
    heard.c.first_heard_at,
    heard.c.last_heard_at,
    heard.c.messages,
    heard.c.fixes,
    heard.c.refused,
    heard.c.last_refusal,
)


def _device(row: Row[Any]) -> DeviceHeard:
    values = dict(row._mapping)
    return DeviceHeard(bound=values["plate"] is not None, **values)


async def devices_heard(
    session: AsyncSession, tenant: Tenant | None, since: datetime, limit: int
) -> tuple[list[DeviceHeard], int]:
    """Devices heard since ``since``, newest first, and how many there are. ``tenant`` None: a
    platform admin's view (every device, bound or not)."""
    on_vehicle = and_(
        Vehicle.id == heard.c.vehicle_id, Vehicle.cooperative_id == heard.c.cooperative_id
    )
    if tenant is None:
        statement = select(*_COLUMNS).select_from(heard.outerjoin(Vehicle, on_vehicle))
    else:
        statement = scoped(select(*_COLUMNS).select_from(heard.join(Vehicle, on_vehicle)), tenant)
    statement = statement.where(heard.c.last_heard_at >= since)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    ordered = statement.order_by(heard.c.last_heard_at.desc(), heard.c.identifier).limit(limit)
    rows = (await session.execute(ordered)).all()
    return [_device(row) for row in rows], int(total or 0)


async def silent_vehicles(
    session: AsyncSession, tenant: Tenant, since: datetime, limit: int
) -> list[SilentVehicle]:
    """The tenant's vehicles with a tracking device id the gateway has not heard since
    ``since`` (devices on the MQTT contract are listed too: the gateway never hears them)."""
    was_heard = exists().where(
        heard.c.vehicle_id == Vehicle.id,
        heard.c.cooperative_id == Vehicle.cooperative_id,
        heard.c.last_heard_at >= since,
    )
    statement = scoped(select(Vehicle.id, Vehicle.plate, Vehicle.tracking_device_id), tenant).where(
        Vehicle.tracking_device_id.is_not(None),
        Vehicle.tracking_device_id != "",
        Vehicle.status != "retired",
        ~was_heard,
    )
    rows = (await session.execute(statement.order_by(Vehicle.plate).limit(limit))).all()
    return [SilentVehicle(row[0], row[1], row[2] or "") for row in rows]
