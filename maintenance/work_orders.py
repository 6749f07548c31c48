"""Work orders: opened from a due task or a driver's defect, parts and labour lines, closed
with the garage's day and odometer. The vehicle is in ``maintenance`` (fleet's status, which
fleet.eligibility already refuses) while any of its work orders is open, and returns to the
status it had when the first one opened."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, StateConflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet.cooperatives import local_today
from fleet.enums import VehicleStatus
from fleet.legal import inspection_months
from fleet.models import Vehicle
from maintenance.due import add_months
from maintenance.models import MaintenanceTask, WorkOrder, WorkOrderLine

OPEN, CLOSED = "open", "closed"
LINE_KINDS = ("part", "labour")


class WorkOrderIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"vehicle_id": 12, "task_id": 3, "garage": "Gara Tân Mai"}]
        },
    )

    vehicle_id: int = Field(ge=1, le=2**31 - 1)
    task_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    garage: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=2000)


class LineIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "part", "description": "Má phanh", "quantity": 4, "unit_price_vnd": 350000}
            ]
        },
    )

    kind: str = Field(pattern="^(part|labour)$")
    description: str = Field(min_length=1, max_length=200)
    quantity: float = Field(gt=0, le=100_000)
    unit_price_vnd: int = Field(ge=0, le=10**12)


class CloseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"closed_on": "2026-12-04", "closing_odometer_m": 152300000}]
        },
    )

    closed_on: date | None = Field(default=None, ge=date(1970, 1, 1), le=date(2999, 12, 31))
    closing_odometer_m: int | None = Field(default=None, ge=0, le=2**53)
    garage: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=2000)


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    description: str
    quantity: float
    unit_price_vnd: int
    amount_vnd: int


class WorkOrderRead(BaseModel):
    id: int
    vehicle_id: int
    plate: str
    task_id: int | None
    checklist_id: int | None
    status: str
    title: str
    garage: str | None
    note: str | None
    opened_at: str
    closed_on: date | None
    closing_odometer_m: int | None
    total_vnd: int
    lines: list[LineRead]


async def open_order(
    session: AsyncSession,
    tenant: Tenant,
    vehicle_id: int,
    *,
    task_id: int | None = None,
    title: str | None = None,
    garage: str | None = None,
    note: str | None = None,
    checklist_id: int | None = None,
) -> WorkOrder:
    """Open a work order; the vehicle goes to ``maintenance`` until its last one closes."""
    vehicle = await _vehicle(session, tenant, vehicle_id)
    task = None
    if task_id is not None:
        task = await session.get(MaintenanceTask, task_id)
        if task is None or task.cooperative_id != tenant.cooperative_id:
            raise NotFound(f"task {task_id} not found", field="task_id")
    if vehicle.status == VehicleStatus.RETIRED:
        raise StateConflict("the vehicle is retired", field="vehicle_id")
    order = WorkOrder(
        cooperative_id=tenant.cooperative_id,
        vehicle_id=vehicle.id,
        task_id=task_id,
        checklist_id=checklist_id,
        status=OPEN,
        opened_at=utcnow(),
        title=title or (task.name if task is not None else "Work order"),
        garage=garage,
        note=note,
        opened_by=tenant.user_id or None,
        status_before=vehicle.status
        if vehicle.status != VehicleStatus.MAINTENANCE
        else VehicleStatus.ACTIVE,
    )
    if vehicle.status != VehicleStatus.MAINTENANCE:
        vehicle.status = VehicleStatus.MAINTENANCE
    session.add(order)
    await session.flush()
    return order


async def add_line(
    session: AsyncSession, tenant: Tenant, order_id: int, body: LineIn
) -> WorkOrderLine:
    order = await get_scoped(session, WorkOrder, order_id, tenant, what="work order")
    if order.status != OPEN:
        raise StateConflict("the work order is closed", field="status")
    line = WorkOrderLine(
        cooperative_id=tenant.cooperative_id,
        work_order_id=order.id,
        kind=body.kind,
        description=body.description,
        quantity=body.quantity,
        unit_price_vnd=body.unit_price_vnd,
        amount_vnd=round(body.quantity * body.unit_price_vnd),
    )
    session.add(line)
    await session.flush()
    return line


async def close_order(
    session: AsyncSession, tenant: Tenant, order_id: int, body: CloseIn
) -> WorkOrder:
    """Close: the task counts again from the day after ``closed_on`` (today by default); an
    inspection sets the vehicle's next inspection expiry by fleet.legal's cycle; the vehicle
    returns to its earlier status when no other work order of it is open."""
    order = await get_scoped(session, WorkOrder, order_id, tenant, what="work order")
    if order.status != OPEN:
        raise StateConflict("the work order is already closed", field="status")
    order.status, order.closed_at = CLOSED, utcnow()
    order.closed_on = body.closed_on or await local_today(session, tenant)
    order.closing_odometer_m = body.closing_odometer_m
    if body.garage is not None:
        order.garage = body.garage
    if body.note is not None:
        order.note = body.note
    vehicle = await _vehicle(session, tenant, order.vehicle_id)
    if order.task_id is not None:
        task = await session.get(MaintenanceTask, order.task_id)
        if task is not None and task.legal_inspection:
            months = inspection_months(vehicle.kind, vehicle.year, order.closed_on)
            vehicle.inspection_expiry = add_months(order.closed_on, months)
    await session.flush()
    still_open = await session.scalar(
        scoped(select(func.count(WorkOrder.id)), tenant).where(
            WorkOrder.vehicle_id == vehicle.id, WorkOrder.status == OPEN
        )
    )
    if not still_open and vehicle.status == VehicleStatus.MAINTENANCE:
        vehicle.status = order.status_before
    await session.flush()
    return order


async def get_order(session: AsyncSession, tenant: Tenant, order_id: int) -> WorkOrderRead:
    order = await get_scoped(session, WorkOrder, order_id, tenant, what="work order")
    return (await _reads(session, tenant, [order]))[0]


async def list_orders(
    session: AsyncSession,
    tenant: Tenant,
    *,
    status: str | None = None,
    vehicle_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[WorkOrderRead]:
    query = scoped(select(WorkOrder), tenant).order_by(WorkOrder.id.desc())
    if status is not None:
        query = query.where(WorkOrder.status == status)
    if vehicle_id is not None:
        query = query.where(WorkOrder.vehicle_id == vehicle_id)
    found = list(await session.scalars(query.limit(limit).offset(offset)))
    return await _reads(session, tenant, found)


async def _reads(
    session: AsyncSession, tenant: Tenant, orders: list[WorkOrder]
) -> list[WorkOrderRead]:
    ids = [o.id for o in orders]
    lines: dict[int, list[WorkOrderLine]] = {i: [] for i in ids}
    for line in await session.scalars(
        scoped(select(WorkOrderLine), tenant)
        .where(WorkOrderLine.work_order_id.in_(ids))
        .order_by(WorkOrderLine.id)
    ):
        lines[line.work_order_id].append(line)
    plates: dict[int, str] = {
        row[0]: row[1]
        for row in await session.execute(
            scoped(select(Vehicle.id, Vehicle.plate), tenant).where(
                Vehicle.id.in_({o.vehicle_id for o in orders})
            )
        )
    }
    return [
        WorkOrderRead(
            id=o.id,
            vehicle_id=o.vehicle_id,
            plate=plates.get(o.vehicle_id, ""),
            task_id=o.task_id,
            checklist_id=o.checklist_id,
            status=o.status,
            title=o.title,
            garage=o.garage,
            note=o.note,
            opened_at=o.opened_at.isoformat(),
            closed_on=o.closed_on,
            closing_odometer_m=o.closing_odometer_m,
            total_vnd=sum(line.amount_vnd for line in lines[o.id]),
            lines=[LineRead.model_validate(line) for line in lines[o.id]],
        )
        for o in orders
    ]


async def _vehicle(session: AsyncSession, tenant: Tenant, vehicle_id: int) -> Vehicle:
    vehicle = await session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.cooperative_id != tenant.cooperative_id:
        raise NotFound(f"vehicle {vehicle_id} not found", field="vehicle_id")
    return vehicle
