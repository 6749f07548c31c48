"""Driver shifts: start with a vehicle whose papers and the driver's are valid, breaks, end."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, StateConflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet.assignments import current_vehicle_of
from fleet.models import Driver, Shift, Vehicle, VehicleAssignment
from fleet.plates import PlateError, parse_plate


async def current(session: AsyncSession, tenant: Tenant, driver_id: int) -> Shift | None:
    return (
        await session.execute(
            scoped(select(Shift), tenant).where(
                Shift.driver_id == driver_id, Shift.ended_at.is_(None)
            )
        )
    ).scalar_one_or_none()


def _expired(driver: Driver, vehicle: Vehicle, today: date) -> list[str]:
    lapsed = []
    if driver.licence_expiry < today:
        lapsed.append("driving_licence")
    for name in ("inspection_expiry", "insurance_expiry", "badge_expiry"):
        expiry = getattr(vehicle, name)
        if expiry is not None and expiry < today:
            lapsed.append(name.removesuffix("_expiry"))
    return lapsed


async def start(session: AsyncSession, tenant: Tenant, plate: str | None, today: date) -> Shift:
    """Start the driver's shift with the vehicle assigned to them, or the one given by plate."""
    assert tenant.driver_id is not None
    driver = await get_scoped(session, Driver, tenant.driver_id, tenant, what="driver")
    if await current(session, tenant, driver.id) is not None:
        raise StateConflict("a shift is already started", field="shift")
    if plate is None:
        vehicle = await current_vehicle_of(session, tenant, driver.id)
        if vehicle is None:
            raise StateConflict("no vehicle is assigned to you: give its plate", field="plate")
    else:
        try:
            key = parse_plate(plate).key
        except PlateError as exc:
            raise InvalidInput(str(exc), field="plate") from exc
        vehicle = (
            await session.execute(scoped(select(Vehicle), tenant).where(Vehicle.plate_key == key))
        ).scalar_one_or_none()
        if vehicle is None:
            raise NotFound(f"no vehicle with plate {plate}", field="plate")
        holder = (
            await session.execute(
                select(VehicleAssignment.driver_id).where(
                    VehicleAssignment.vehicle_id == vehicle.id, VehicleAssignment.ends_at.is_(None)
                )
            )
        ).scalar_one_or_none()
        if holder is not None and holder != driver.id:
            raise StateConflict(
                f"vehicle {vehicle.plate} is assigned to another driver", field="plate"
            )
    lapsed = _expired(driver, vehicle, today)
    if lapsed:
        raise StateConflict(
            f"expired: {', '.join(lapsed)}; the shift cannot start",
            field="documents",
            expired=lapsed,
        )
    if vehicle.status != "active":
        raise StateConflict(f"vehicle {vehicle.plate} is {vehicle.status}", field="plate")
    shift = Shift(cooperative_id=tenant.cooperative_id, driver_id=driver.id, vehicle_id=vehicle.id)
    session.add(shift)
    await session.flush()
    return shift


async def set_break(session: AsyncSession, tenant: Tenant, on: bool) -> Shift:
    assert tenant.driver_id is not None
    shift = await current(session, tenant, tenant.driver_id)
    if shift is None:
        raise StateConflict("no shift is started", field="shift")
    now = utcnow()
    if on and shift.break_started_at is None:
        shift.break_started_at = now
    elif not on and shift.break_started_at is not None:
        shift.break_total_s += int((now - shift.break_started_at).total_seconds())
        shift.break_started_at = None
    await session.flush()
    return shift


async def end(session: AsyncSession, tenant: Tenant) -> Shift:
    shift = await set_break(session, tenant, on=False)
    shift.ended_at = utcnow()
    await session.flush()
    return shift
