"""Driver-to-vehicle assignments, kept as history: assigning closes what was open before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet.models import Driver, Vehicle, VehicleAssignment
from fleet.registry import flush_or_raise


async def assign(
    session: AsyncSession, tenant: Tenant, *, vehicle_id: int, driver_id: int, note: str | None
) -> VehicleAssignment:
    """Make ``driver_id`` the vehicle's driver from now, ending both sides' open assignments."""
    vehicle = await get_scoped(session, Vehicle, vehicle_id, tenant)
    driver = await get_scoped(session, Driver, driver_id, tenant)
    if vehicle.status == "retired":
        raise Conflict(f"vehicle {vehicle.plate} is retired", field="vehicle_id")
    if driver.status != "active":
        raise Conflict(f"driver {driver.full_name} is not active", field="driver_id")
    now = utcnow()
    await session.execute(
        update(VehicleAssignment)
        .where(
            VehicleAssignment.ends_at.is_(None),
            or_(
                VehicleAssignment.vehicle_id == vehicle.id, VehicleAssignment.driver_id == driver.id
            ),
        )
        .values(ends_at=now)
    )
    assignment = VehicleAssignment(
        cooperative_id=tenant.cooperative_id,
        vehicle_id=vehicle.id,
        driver_id=driver.id,
        starts_at=now,
        note=note,
    )
    session.add(assignment)
    await flush_or_raise(session, "assignment")
    return assignment


async def end_current(
    session: AsyncSession, tenant: Tenant, *, vehicle_id: int
) -> VehicleAssignment:
    """End the vehicle's open assignment."""
    await get_scoped(session, Vehicle, vehicle_id, tenant)
    current = await session.scalar(
        scoped(select(VehicleAssignment), tenant).where(
            VehicleAssignment.vehicle_id == vehicle_id, VehicleAssignment.ends_at.is_(None)
        )
    )
    if current is None:
        raise NotFound(f"vehicle {vehicle_id} has no current driver", field="vehicle_id")
    current.ends_at = utcnow()
    await session.flush()
    return current


async def history(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_id: int | None = None,
    driver_id: int | None = None,
) -> Sequence[VehicleAssignment]:
    """Assignments of a vehicle or a driver, newest first."""
    statement = scoped(select(VehicleAssignment), tenant)
    if vehicle_id is not None:
        await get_scoped(session, Vehicle, vehicle_id, tenant)
        statement = statement.where(VehicleAssignment.vehicle_id == vehicle_id)
    if driver_id is not None:
        await get_scoped(session, Driver, driver_id, tenant)
        statement = statement.where(VehicleAssignment.driver_id == driver_id)
    statement = statement.order_by(VehicleAssignment.starts_at.desc(), VehicleAssignment.id.desc())
    return (await session.scalars(statement)).all()


async def current_vehicle_of(
    session: AsyncSession, tenant: Tenant, driver_id: int
) -> Vehicle | None:
    """The vehicle a driver is assigned to now, if any."""
    return await session.scalar(
        scoped(select(Vehicle), tenant)
        .join(VehicleAssignment, VehicleAssignment.vehicle_id == Vehicle.id)
        .where(VehicleAssignment.driver_id == driver_id, VehicleAssignment.ends_at.is_(None))
    )


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A vehicle as the live map labels it: plate, kind and the driver assigned now."""

    vehicle_id: int
    plate: str
    kind: str
    driver_id: int | None
    driver_name: str | None


async def roster(session: AsyncSession, tenant: Tenant) -> list[RosterEntry]:
    """Every vehicle of the cooperative with its current driver, in one query."""
    rows = await session.execute(
        scoped(select(Vehicle.id, Vehicle.plate, Vehicle.kind), tenant)
        .add_columns(Driver.id, Driver.full_name)
        .outerjoin(
            VehicleAssignment,
            (VehicleAssignment.vehicle_id == Vehicle.id) & VehicleAssignment.ends_at.is_(None),
        )
        .outerjoin(Driver, Driver.id == VehicleAssignment.driver_id)
        .order_by(Vehicle.id)
    )
    return [RosterEntry(*row) for row in rows.all()]


async def current_driver_of(
    session: AsyncSession, tenant: Tenant, vehicle_id: int
) -> Driver | None:
    """The driver assigned to a vehicle now, if any."""
    return await session.scalar(
        scoped(select(Driver), tenant)
        .join(VehicleAssignment, VehicleAssignment.driver_id == Driver.id)
        .where(VehicleAssignment.vehicle_id == vehicle_id, VehicleAssignment.ends_at.is_(None))
    )
