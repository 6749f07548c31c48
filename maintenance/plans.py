"""The maintenance plan: tasks for a vehicle, a vehicle kind or every vehicle of the
cooperative, due every N km, N engine hours and/or N months (whichever first), or on the legal
inspection cycle."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue, NotFound
from core.tenancy import Tenant, get_scoped, scoped
from fleet.cooperatives import local_today
from fleet.enums import VehicleKind
from fleet.models import Vehicle
from maintenance.models import MaintenanceTask


class TaskIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Thay dầu / oil change", "vehicle_kind": "truck", "every_km": 10000},
                {"name": "Phanh / brakes", "every_km": 20000, "every_months": 6, "safety": True},
                {"name": "Đăng kiểm / inspection", "legal_inspection": True, "safety": True},
            ]
        },
    )

    name: str = Field(min_length=1, max_length=120)
    vehicle_kind: VehicleKind | None = None
    vehicle_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    every_km: int | None = Field(default=None, ge=1, le=10_000_000)
    every_engine_h: int | None = Field(default=None, ge=1, le=1_000_000)
    every_months: int | None = Field(default=None, ge=1, le=240)
    legal_inspection: bool = False
    safety: bool = False
    starts_on: date | None = Field(default=None, ge=date(1970, 1, 1), le=date(2999, 12, 31))


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    vehicle_kind: str | None
    vehicle_id: int | None
    every_km: int | None
    every_engine_h: int | None
    every_months: int | None
    legal_inspection: bool
    safety: bool
    starts_on: date


async def create_task(session: AsyncSession, tenant: Tenant, body: TaskIn) -> MaintenanceTask:
    """A new task; a vehicle named must be the cooperative's (else 404 naming vehicle_id);
    without any interval (nor the legal inspection) a 422 naming ``every_km``."""
    intervals = (body.every_km, body.every_engine_h, body.every_months)
    if not body.legal_inspection and all(i is None for i in intervals):
        raise InvalidValue(
            "give every_km, every_engine_h or every_months (or legal_inspection)", field="every_km"
        )
    if body.vehicle_id is not None:
        vehicle = await session.get(Vehicle, body.vehicle_id)
        if vehicle is None or vehicle.cooperative_id != tenant.cooperative_id:
            raise NotFound(f"vehicle {body.vehicle_id} not found", field="vehicle_id")
    if body.vehicle_id is not None and body.vehicle_kind is not None:
        raise InvalidValue("give a vehicle or a vehicle kind, not both", field="vehicle_kind")
    task = MaintenanceTask(
        cooperative_id=tenant.cooperative_id,
        **body.model_dump(exclude={"starts_on"}),
        starts_on=body.starts_on or await local_today(session, tenant),
    )
    session.add(task)
    await session.flush()
    return task


async def tasks(session: AsyncSession, tenant: Tenant) -> list[MaintenanceTask]:
    found = await session.scalars(
        scoped(select(MaintenanceTask), tenant).order_by(MaintenanceTask.id)
    )
    return list(found)


async def delete_task(session: AsyncSession, tenant: Tenant, task_id: int) -> None:
    task = await get_scoped(session, MaintenanceTask, task_id, tenant, what="task")
    await session.delete(task)
    await session.flush()
