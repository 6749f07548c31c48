"""The fuel scan over stored positions: events stored once, at the fix where they happened,
whether the day is scanned in one run or many; another cooperative's vehicles untouched."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from devtools.tank_levels import Step, day_of_levels
from maintenance import fuel_scan
from maintenance.fuel_events import LevelFix
from tests import factories
from tests.conftest import CoopWorld


async def store(
    session: AsyncSession, coop_id: int, vehicle_id: int, fixes: list[LevelFix]
) -> None:
    days = {datetime.fromtimestamp(f.t, UTC).date() for f in fixes}
    for day in days:
        await session.execute(text("SELECT coopfleet_ensure_positions_partition(:d)"), {"d": day})
    await session.execute(
        text(
            "INSERT INTO positions (cooperative_id, vehicle_id, device_time, received_at, geom,"
            " fuel_l) SELECT :c, :v, to_timestamp(t), to_timestamp(t),"
            " ST_SetSRID(ST_MakePoint(lon, lat), 4326), fuel"
            " FROM unnest(CAST(:t AS float8[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]),"
            " CAST(:fuel AS float8[])) AS x(t, lon, lat, fuel)"
        ),
        {
            "c": coop_id,
            "v": vehicle_id,
            "t": [f.t for f in fixes],
            "lon": [f.lon for f in fixes],
            "lat": [f.lat for f in fixes],
            "fuel": [f.fuel_l for f in fixes],
        },
    )
    last = fixes[-1]
    await session.execute(
        text(
            "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at,"
            " geom) VALUES (:v, :c, to_timestamp(:t), now(),"
            " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ON CONFLICT (vehicle_id) DO UPDATE"
            " SET device_time = EXCLUDED.device_time"
        ),
        {"v": vehicle_id, "c": coop_id, "t": last.t, "lon": last.lon, "lat": last.lat},
    )


async def events(session: AsyncSession, vehicle_id: int) -> list[tuple[str, float, float]]:
    rows = await session.execute(
        text(
            "SELECT kind, extract(epoch FROM at)::float8, litres FROM fuel_events"
            " WHERE vehicle_id = :v ORDER BY at"
        ),
        {"v": vehicle_id},
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_day_scanned_in_pieces_stores_each_event_once_at_its_fix(
    session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    fixes = day_of_levels(3, steps=(Step(900, 60.0, 3), Step(2000, -25.0, 2)))
    car = await factories.make_vehicle(session, coop_a.coop)
    quiet = await factories.make_vehicle(session, coop_b.coop)
    await store(session, coop_a.coop.id, car.id, fixes[:1500])
    await store(session, coop_b.coop.id, quiet.id, day_of_levels(4))
    first = datetime.fromtimestamp(fixes[0].t, UTC)
    await session.execute(  # the first run starts at the day's first fix
        text("INSERT INTO fuel_scan_marks (vehicle_id, scanned_to) VALUES (:v, :t)"),
        {"v": car.id, "t": first},
    )
    assert await fuel_scan.scan(session, cooperative_id=coop_a.coop.id) == 1
    await store(session, coop_a.coop.id, car.id, fixes[1500:])
    assert await fuel_scan.scan(session, cooperative_id=coop_a.coop.id) == 1
    assert await fuel_scan.scan(session, cooperative_id=coop_a.coop.id) == 0  # nothing new
    found = await events(session, car.id)
    assert [kind for kind, _, _ in found] == ["refuel", "drain"]
    assert abs(found[0][1] - fixes[901].t) <= 30 and abs(found[1][1] - fixes[2000].t) <= 30
    assert await events(session, quiet.id) == []  # not scanned: another cooperative
