"""Travel speeds calibrated from the cooperative's own trips."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.speeds import SpeedCache
from routing.matrix import DEFAULT_SPEEDS_KMH, GreatCircle
from telematics.journey.read import trip_speeds_by_kind
from tests import factories
from tests.conftest import CoopWorld


async def trip(
    session: AsyncSession, world: CoopWorld, vehicle: int, hours_ago: int, kmh: float
) -> None:
    """A closed 1-hour trip ending ``hours_ago`` at an average of ``kmh``."""
    await session.execute(
        text(
            "INSERT INTO trips (cooperative_id, vehicle_id, started_at, ended_at,"
            " start_geom, end_geom, distance_m, duration_s, moving_s, idle_s,"
            " max_speed_kmh, avg_speed_kmh) VALUES (:c, :v,"
            " now() - make_interval(hours => :n + 1), now() - make_interval(hours => :n),"
            " ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326),"
            " ST_SetSRID(ST_MakePoint(106.9, 10.9), 4326), 10000, 1800, 1700, 100, 80, :s)"
        ),
        {"c": world.coop.id, "v": vehicle, "n": hours_ago, "s": kmh},
    )


async def test_median_trip_speed_by_kind(session: AsyncSession, coop_a: CoopWorld) -> None:
    truck = await factories.make_vehicle(session, coop_a.coop, kind="truck")
    van = await factories.make_vehicle(session, coop_a.coop, kind="van")
    for n in range(25):
        await trip(session, coop_a, truck.id, n, 50 + n % 5)
        if n < 5:
            await trip(session, coop_a, van.id, n, 70)
    measured = await trip_speeds_by_kind(session, coop_a.dispatcher.tenant)
    assert measured == {"truck": 52.0}  # the median of 50..54; vans have too few trips
    travel = GreatCircle.calibrated(measured)
    assert (
        travel.speeds_kmh["truck"] == 52.0 and travel.speeds_kmh["van"] == DEFAULT_SPEEDS_KMH["van"]
    )


async def test_speeds_are_kept_for_their_time_then_read_again(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    truck = await factories.make_vehicle(session, coop_a.coop, kind="truck")
    for n in range(25):
        await trip(session, coop_a, truck.id, n, 50)
    tenant = coop_a.dispatcher.tenant
    kept, fresh = SpeedCache(ttl_s=600), SpeedCache(ttl_s=0)
    assert (await kept.travel(session, tenant)).speeds_kmh["truck"] == 50.0
    for n in range(25, 75):  # the median moves to 80 km/h
        await trip(session, coop_a, truck.id, n, 80)
    assert (await kept.travel(session, tenant)).speeds_kmh["truck"] == 50.0
    assert (await fresh.travel(session, tenant)).speeds_kmh["truck"] == 80.0
