"""Travel speeds calibrated from the cooperative's own trips."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from routing.matrix import DEFAULT_SPEEDS_KMH, GreatCircle
from telematics.journey.read import trip_speeds_by_kind
from tests import factories
from tests.conftest import CoopWorld


async def test_median_trip_speed_by_kind(session: AsyncSession, coop_a: CoopWorld) -> None:
    truck = await factories.make_vehicle(session, coop_a.coop, kind="truck")
    van = await factories.make_vehicle(session, coop_a.coop, kind="van")
    for n in range(25):
        for vehicle, speed, count in ((truck, 50 + n % 5, 25), (van, 70, 5)):
            if n >= count:
                continue
            await session.execute(
                text(
                    "INSERT INTO trips (cooperative_id, vehicle_id, started_at, ended_at,"
                    " start_geom, end_geom, distance_m, duration_s, moving_s, idle_s,"
                    " max_speed_kmh, avg_speed_kmh) VALUES (:c, :v,"
                    " now() - make_interval(hours => :n + 1), now() - make_interval(hours => :n),"
                    " ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326),"
                    " ST_SetSRID(ST_MakePoint(106.9, 10.9), 4326), 10000, 1800, 1700, 100, 80, :s)"
                ),
                {"c": coop_a.coop.id, "v": vehicle.id, "n": n, "s": speed},
            )
    measured = await trip_speeds_by_kind(session, coop_a.dispatcher.tenant)
    assert measured == {"truck": 52.0}  # the median of 50..54; vans have too few trips
    travel = GreatCircle.calibrated(measured)
    assert (
        travel.speeds_kmh["truck"] == 52.0 and travel.speeds_kmh["van"] == DEFAULT_SPEEDS_KMH["van"]
    )
