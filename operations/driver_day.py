"""The driver's day on the phone: the home screen (profile, vehicle, shift, papers due, driving
time) and the route with each stop's ETA from the vehicle's latest position."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, get_scoped
from core.timeutil import utcnow
from fleet import eligibility, shifts
from fleet.assignments import current_vehicle_of
from fleet.cooperatives import local_today
from fleet.geo import GeoJSONPoint
from fleet.models import Driver, Shift
from maintenance import due
from routing import jobs
from routing import orders as order_service
from routing.matrix import GreatCircle
from routing.schemas import OrderRead, StopRead
from telematics.journey.read import driving_status
from telematics.live import latest_fixes

PAPERS_DUE_DAYS = 30  # papers expiring within this many days are shown on the home screen


class ShiftRead(BaseModel):
    id: int
    vehicle_id: int
    started_at: datetime
    ended_at: datetime | None
    on_break_since: datetime | None
    break_total_s: int
    planned_end_at: datetime
    end_location: GeoJSONPoint | None


class DriverProfileRead(BaseModel):
    id: int
    full_name: str
    phone: str | None
    licence_number: str | None
    licence_class: str | None
    licence_expiry: date | None


class VehicleBriefRead(BaseModel):
    id: int
    plate: str
    kind: str


class PaperDueRead(BaseModel):
    document: str
    expires: date
    expired: bool


class DrivingTimeRead(BaseModel):
    """Continuous, daily and weekly driving under the rules in force (seconds)."""

    continuous_s: float
    continuous_limit_s: int
    remaining_s: float
    break_needed: bool
    on_break_s: float
    today_s: float
    week_s: float
    daily_limit_s: int | None
    weekly_limit_s: int | None
    rules_from: date
    rules_source: str
    driving_now: bool
    as_of: datetime


class DriverHomeRead(BaseModel):
    driver: DriverProfileRead
    vehicle: VehicleBriefRead | None
    shift: ShiftRead | None
    documents_expiring: list[PaperDueRead]
    driving_time: DrivingTimeRead


class JobStopRead(StopRead):
    eta: datetime | None  # from the vehicle's latest position (None: no position)


class JobRead(OrderRead):
    """An order as the driver's route shows it: both stops with their ETA."""

    pickup: JobStopRead
    dropoff: JobStopRead


def shift_read(shift: Shift | None) -> ShiftRead | None:
    """The shift as the phone shows it (planned end filled in from the default length)."""
    if shift is None:
        return None
    return ShiftRead(
        id=shift.id,
        vehicle_id=shift.vehicle_id,
        started_at=shift.started_at,
        ended_at=shift.ended_at,
        on_break_since=shift.break_started_at,
        break_total_s=shift.break_total_s,
        planned_end_at=shifts.planned_end(shift),
        end_location=None
        if shift.end_location is None
        else GeoJSONPoint.model_validate(shift.end_location),
    )


async def home(session: AsyncSession, tenant: Tenant) -> DriverHomeRead:
    """Everything the app's home screen needs in one call."""
    assert tenant.driver_id is not None
    driver = await get_scoped(session, Driver, tenant.driver_id, tenant, what="driver")
    vehicle = await current_vehicle_of(session, tenant, driver.id)
    today = await local_today(session, tenant)
    papers = eligibility.papers_of(driver, vehicle)
    return DriverHomeRead(
        driver=DriverProfileRead(
            id=driver.id,
            full_name=driver.full_name,
            phone=driver.phone,
            licence_number=driver.licence_number,
            licence_class=driver.licence_class,
            licence_expiry=driver.licence_expiry,
        ),
        vehicle=None
        if vehicle is None
        else VehicleBriefRead(id=vehicle.id, plate=vehicle.plate, kind=vehicle.kind),
        shift=shift_read(await shifts.current(session, tenant, driver.id)),
        documents_expiring=[
            PaperDueRead(
                document=paper.document, expires=paper.expires_on, expired=paper.lapsed(today)
            )
            for paper in papers
            if paper.expires_on is not None and paper.due(today, PAPERS_DUE_DAYS)
        ],
        driving_time=DrivingTimeRead(**await driving_status(session, tenant, driver.id)),
    )


async def route(session: AsyncSession, tenant: Tenant, travel: GreatCircle) -> list[JobRead]:
    """Accepted and in-progress jobs in order, each stop with its ETA from where the driver's
    vehicle last reported, at the same speeds as suggestions (``travel``)."""
    assert tenant.driver_id is not None
    orders = await jobs.current(session, tenant)
    vehicle = await current_vehicle_of(session, tenant, tenant.driver_id)
    arrivals: dict[tuple[int, str], datetime] = {}
    if vehicle is not None:
        fixes = await latest_fixes(session, tenant.cooperative_id, vehicle_id=vehicle.id)
        if fixes:
            here = (fixes[0].lon, fixes[0].lat)
            arrivals = jobs.etas(orders, here, utcnow(), vehicle.kind, travel)
    answer = []
    for order in orders:
        read: dict[str, Any] = dict(order_service.to_read(order))
        for leg in ("pickup", "dropoff"):
            stop: StopRead = read[leg]
            read[leg] = JobStopRead(**stop.model_dump(), eta=arrivals.get((order.id, leg)))
        answer.append(JobRead(**read))
    return answer


async def start_shift(
    session: AsyncSession,
    tenant: Tenant,
    plate: str | None,
    *,
    planned_end_at: datetime | None,
    end_location: Any | None,
) -> Shift:
    """The driver's shift started on the cooperative's day, refused for a vehicle held by
    overdue safety maintenance as for one with expired papers."""
    today = await local_today(session, tenant)

    async def holds_of(vehicle_id: int) -> list[str]:
        held = await due.holds(session, tenant.cooperative_id, today, [vehicle_id])
        return held.get(vehicle_id, [])

    return await shifts.start(
        session,
        tenant,
        plate,
        today,
        planned_end_at=planned_end_at,
        end_location=end_location,
        holds_of=holds_of,
    )
