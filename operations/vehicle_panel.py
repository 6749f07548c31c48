"""The map's vehicle panel: one vehicle now, from the registry (papers, driver), the driver's
shift, the latest fix and its live status, today's rollup and the order it serves."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, get_scoped
from core.timeutil import today_in, utcnow
from fleet import eligibility, shifts
from fleet.assignments import current_driver_of
from fleet.cooperatives import zone_of
from fleet.models import Vehicle
from fleet.schemas import VehicleRead
from routing.jobs import jobs_by_vehicle
from telematics.journey import read as journey_read
from telematics.journey.rules import JourneyRules
from telematics.live import Fix, latest_fixes, live_status

SOON_DAYS = 30  # a paper expiring within this many days is flagged ``soon``


class PanelDriverRead(BaseModel):
    id: int
    full_name: str
    phone: str | None


class PanelPositionRead(BaseModel):
    lon: float
    lat: float
    speed_kmh: float | None
    heading: int | None
    ignition: bool | None
    device_time: datetime
    received_at: datetime


class PanelShiftRead(BaseModel):
    started_at: datetime
    planned_end_at: datetime
    on_break: bool


class PanelJobRead(BaseModel):
    order_id: int
    reference: str
    status: str


class PanelPaperRead(BaseModel):
    document: str
    expires_on: date | None
    days_left: int | None
    soon: bool


class DailyActivityRead(BaseModel):
    """One local day of a vehicle's or a driver's activity (metres, seconds, counts); the
    subject is ``vehicle_id`` or ``driver_id`` as grouped (the other is left out)."""

    day: date
    vehicle_id: int | None = None
    driver_id: int | None = None
    distance_m: int
    engine_s: int
    moving_s: int
    idle_s: int
    nodata_s: int
    trips: int
    stops: int
    first_move_at: datetime | None
    last_move_at: datetime | None
    events: dict[str, int]


class VehiclePanelRead(BaseModel):
    vehicle: VehicleRead
    driver: PanelDriverRead | None
    position: PanelPositionRead | None
    status: str
    shift: PanelShiftRead | None
    today: DailyActivityRead | None
    job: PanelJobRead | None
    papers: list[PanelPaperRead]
    zone: str


async def vehicle_now(session: AsyncSession, tenant: Tenant, vehicle_id: int) -> VehiclePanelRead:
    """The vehicle, its driver and their shift, its latest fix and status, today's distance and
    time (in the cooperative's zone), the order it is serving and its papers with days left."""
    vehicle = await get_scoped(session, Vehicle, vehicle_id, tenant, what="vehicle")
    driver = await current_driver_of(session, tenant, vehicle.id)
    zone = await zone_of(session, tenant)
    today = today_in(zone)
    found = await latest_fixes(session, tenant.cooperative_id, vehicle_id=vehicle.id)
    fix = found[0] if found else None
    job = (await jobs_by_vehicle(session, tenant, vehicle.id)).get(vehicle.id)
    rollup = await journey_read.daily(
        session, tenant, today, today, group="vehicle", vehicle_id=vehicle.id
    )
    papers = eligibility.vehicle_papers(vehicle)
    if driver is not None:
        papers += eligibility.driver_papers(driver)
    shift = await shifts.current(session, tenant, driver.id) if driver is not None else None
    return VehiclePanelRead(
        vehicle=VehicleRead.model_validate(vehicle),
        driver=None
        if driver is None
        else PanelDriverRead(id=driver.id, full_name=driver.full_name, phone=driver.phone),
        position=None if fix is None else _position(fix),
        status="offline"
        if fix is None
        else live_status(fix, utcnow(), job is not None, JourneyRules()).value,
        shift=None
        if shift is None
        else PanelShiftRead(
            started_at=shift.started_at,
            planned_end_at=shifts.planned_end(shift),
            on_break=shift.break_started_at is not None,
        ),
        today=DailyActivityRead.model_validate(rollup[0]) if rollup else None,
        job=None
        if job is None
        else PanelJobRead(order_id=job.order_id, reference=job.reference, status=job.status),
        papers=[
            PanelPaperRead(
                document=paper.document,
                expires_on=paper.expires_on,
                days_left=None if paper.expires_on is None else (paper.expires_on - today).days,
                soon=paper.due(today, SOON_DAYS),
            )
            for paper in papers
        ],
        zone=zone,
    )


def _position(fix: Fix) -> PanelPositionRead:
    return PanelPositionRead.model_validate(fix, from_attributes=True)
