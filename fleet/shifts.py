"""Driver shifts: start with a vehicle whose papers and the driver's are valid, breaks, end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, StateConflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet import eligibility
from fleet.assignments import current_vehicle_of
from fleet.models import Driver, Shift, Vehicle, VehicleAssignment
from fleet.plates import PlateError, parse_plate

DEFAULT_SHIFT_S = 10 * 3600  # a shift started without a planned end is taken to last this long
LONGEST_SHIFT_S = 24 * 3600  # a planned end further away is a typing mistake


def planned_end(shift: Shift) -> datetime:
    """When the driver means to stop: their own planned end, else a default day's work."""
    if shift.planned_end_at is not None:
        return shift.planned_end_at
    return shift.started_at + timedelta(seconds=DEFAULT_SHIFT_S)


def _check_planned_end(until: datetime | None, now: datetime) -> None:
    if until is None:
        return
    if until.tzinfo is None:
        raise InvalidInput("give the time with its zone offset", field="planned_end_at")
    if until <= now:
        raise InvalidInput("the planned end is not in the future", field="planned_end_at")
    if until > now + timedelta(seconds=LONGEST_SHIFT_S):
        raise InvalidInput("a shift cannot be planned longer than 24 h", field="planned_end_at")


async def current(session: AsyncSession, tenant: Tenant, driver_id: int) -> Shift | None:
    return (
        await session.execute(
            scoped(select(Shift), tenant).where(
                Shift.driver_id == driver_id, Shift.ended_at.is_(None)
            )
        )
    ).scalar_one_or_none()


async def start(
    session: AsyncSession,
    tenant: Tenant,
    plate: str | None,
    today: date,
    *,
    planned_end_at: datetime | None = None,
    end_location: Any | None = None,
    holds_of: Callable[[int], Awaitable[Sequence[str]]] | None = None,
) -> Shift:
    """Start the driver's shift with the vehicle assigned to them, or the one given by plate,
    with the driver's planned end and end place when they give them. ``holds_of`` gives the
    vehicle's holds (overdue safety maintenance, as plain reasons): a held vehicle does not
    start a shift, as one with expired papers does not."""
    assert tenant.driver_id is not None
    _check_planned_end(planned_end_at, utcnow())
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
    lapsed = eligibility.lapsed(eligibility.papers_of(driver, vehicle), today)
    if lapsed:
        raise StateConflict(
            f"expired: {', '.join(lapsed)}; the shift cannot start",
            field="documents",
            expired=lapsed,
        )
    if vehicle.status != "active":
        raise StateConflict(f"vehicle {vehicle.plate} is {vehicle.status}", field="plate")
    held = list(await holds_of(vehicle.id)) if holds_of is not None else []
    if held:
        raise StateConflict(
            f"{eligibility.MAINTENANCE_BLOCK}: {'; '.join(held)}; the shift cannot start",
            field="vehicle",
            holds=held,
        )
    shift = Shift(
        cooperative_id=tenant.cooperative_id,
        driver_id=driver.id,
        vehicle_id=vehicle.id,
        planned_end_at=planned_end_at,
        end_location=end_location,
    )
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
