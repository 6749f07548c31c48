"""What the live map needs from telematics: each vehicle's latest fix and the status it shows.

The status rule lives here, next to the journey rules it shares thresholds with, so the map's
"offline" is the same silence that raises a "not transmitting" event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.legal import transmission_rules_on
from telematics.journey.rules import JourneyRules
from telematics.tables import vehicle_state


class LiveStatus(StrEnum):
    MOVING = "moving"
    IDLE = "idle"  # engine on, standing
    STOPPED = "stopped"
    OFFLINE = "offline"  # silent longer than the law allows a working device
    ON_JOB = "on_job"  # moving or standing while serving an order


@dataclass(frozen=True, slots=True)
class Fix:
    """A vehicle's latest stored fix, as the map shows it."""

    vehicle_id: int
    lon: float
    lat: float
    speed_kmh: float | None
    heading: int | None
    ignition: bool | None
    device_time: datetime
    received_at: datetime


def silence_allowed_s(speed_kmh: float | None, day: date, rules: JourneyRules) -> float:
    """Seconds of silence after which a device counts as offline (legal interval × tolerance)."""
    legal = transmission_rules_on(day)
    moving = (speed_kmh or 0.0) >= rules.moving_speed_kmh
    return (legal.moving_max_s if moving else legal.stopped_max_s) * rules.transmission_tolerance


def live_status(fix: Fix, now: datetime, on_job: bool, rules: JourneyRules) -> LiveStatus:
    """Offline beats everything (the position is stale); a job beats motion."""
    silent_s = (now - fix.received_at).total_seconds()
    if silent_s > silence_allowed_s(fix.speed_kmh, now.date(), rules):
        return LiveStatus.OFFLINE
    if on_job:
        return LiveStatus.ON_JOB
    if (fix.speed_kmh or 0.0) >= rules.moving_speed_kmh and fix.ignition is not False:
        return LiveStatus.MOVING
    if fix.ignition:
        return LiveStatus.IDLE
    return LiveStatus.STOPPED


async def latest_fixes(
    session: AsyncSession,
    cooperative_id: int,
    *,
    since: datetime | None = None,
    vehicle_id: int | None = None,
) -> list[Fix]:
    """The cooperative's latest fix per vehicle: those received after ``since``, or one
    vehicle's."""
    statement = select(
        vehicle_state.c.vehicle_id,
        func.ST_X(vehicle_state.c.geom).label("lon"),
        func.ST_Y(vehicle_state.c.geom).label("lat"),
        vehicle_state.c.speed_kmh,
        vehicle_state.c.heading,
        vehicle_state.c.ignition,
        vehicle_state.c.device_time,
        vehicle_state.c.received_at,
    ).where(vehicle_state.c.cooperative_id == cooperative_id)
    if since is not None:
        statement = statement.where(vehicle_state.c.received_at > since)
    if vehicle_id is not None:
        statement = statement.where(vehicle_state.c.vehicle_id == vehicle_id)
    rows: Any = (await session.execute(statement)).all()
    return [Fix(*row) for row in rows]
