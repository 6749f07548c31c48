"""A vehicle's other costs: insurance, the operating badge, fees, anything else the cooperative
records by day and amount (fuel and work orders have their own records)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.tenancy import Tenant, scoped
from fleet.models import Vehicle
from maintenance.models import VehicleExpense

KINDS = ("insurance", "badge", "fee", "other")


class ExpenseIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "vehicle_id": 12,
                    "kind": "insurance",
                    "spent_on": "2026-11-15",
                    "amount_vnd": 4_800_000,
                    "note": "Bảo hiểm TNDS 1 năm",
                }
            ]
        },
    )

    vehicle_id: int = Field(ge=1, le=2**31 - 1)
    kind: str = Field(pattern="^(insurance|badge|fee|other)$")
    spent_on: date = Field(ge=date(1970, 1, 1), le=date(2999, 12, 31))
    amount_vnd: int = Field(ge=0, le=10**12)
    note: str | None = Field(default=None, max_length=200)


class ExpenseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    kind: str
    spent_on: date
    amount_vnd: int
    note: str | None


async def record(session: AsyncSession, tenant: Tenant, body: ExpenseIn) -> VehicleExpense:
    vehicle = await session.get(Vehicle, body.vehicle_id)
    if vehicle is None or vehicle.cooperative_id != tenant.cooperative_id:
        raise NotFound(f"vehicle {body.vehicle_id} not found", field="vehicle_id")
    expense = VehicleExpense(cooperative_id=tenant.cooperative_id, **body.model_dump())
    session.add(expense)
    await session.flush()
    return expense


async def listing(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_id: int | None,
    first: date | None,
    last: date | None,
    limit: int,
    offset: int,
) -> list[VehicleExpense]:
    query = scoped(select(VehicleExpense), tenant).order_by(
        VehicleExpense.spent_on.desc(), VehicleExpense.id.desc()
    )
    if vehicle_id is not None:
        query = query.where(VehicleExpense.vehicle_id == vehicle_id)
    if first is not None:
        query = query.where(VehicleExpense.spent_on >= first)
    if last is not None:
        query = query.where(VehicleExpense.spent_on <= last)
    return list(await session.scalars(query.limit(limit).offset(offset)))
