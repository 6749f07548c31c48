"""Suggestions for one order: nearest qualified drivers first, reasons for the others."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import CoopWorld
from tests.routing.test_orders import make

V1 = "/api/v1"


async def park(
    session: AsyncSession, world: CoopWorld, lon: float, lat: float, **vehicle: object
) -> tuple[int, int]:
    driver = await factories.make_driver(session, world.coop)
    car = await factories.make_vehicle(session, world.coop, **vehicle)
    await session.execute(
        text(
            "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
            " VALUES (:c, :v, :d)"
        ),
        {"c": world.coop.id, "v": car.id, "d": driver.id},
    )
    await session.execute(
        text("INSERT INTO shifts (cooperative_id, driver_id, vehicle_id) VALUES (:c, :d, :v)"),
        {"c": world.coop.id, "v": car.id, "d": driver.id},
    )
    await session.execute(
        text(
            "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at, geom)"
            " VALUES (:v, :c, now(), now(), ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
        ),
        {"v": car.id, "c": world.coop.id, "lon": lon, "lat": lat},
    )
    await session.commit()
    return driver.id, car.id


async def test_nearest_qualified_first_with_reasons(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    order = await make(client, coop_a)  # a truck for 4,200 kg at 106.8722, 10.9571
    near, _ = await park(session, coop_a, 106.873, 10.958, payload_kg=8000)
    far, _ = await park(session, coop_a, 106.95, 11.05, payload_kg=8000)
    small, _ = await park(session, coop_a, 106.872, 10.957, payload_kg=1500)
    lapsed, _ = await park(
        session, coop_a, 106.8725, 10.9575, payload_kg=9000, inspection_expiry=date(2020, 1, 1)
    )
    bus, _ = await park(session, coop_a, 106.8721, 10.9572, kind="bus", seats=45)
    leaving, _ = await park(session, coop_a, 106.96, 11.06, payload_kg=8000)
    await session.execute(  # ~15 km from the pickup, stopping in 5 minutes
        text(
            "UPDATE shifts SET planned_end_at = now() + interval '5 minutes' WHERE driver_id = :d"
        ),
        {"d": leaving},
    )
    await session.commit()
    stranger, _ = await park(session, coop_b, 106.8722, 10.9571, payload_kg=9000)
    answer = await client.get(
        f"{V1}/orders/{order['id']}/suggestions?explain=true", headers=coop_a.dispatcher.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [d["driver_id"] for d in body["drivers"]] == [near, far], body
    assert body["drivers"][0]["eta_s"] < body["drivers"][1]["eta_s"]
    reasons = {e["driver_id"]: e["reason"] for e in body["excluded"]}
    assert reasons[small].startswith("capacity 1500 kg")
    assert reasons[lapsed].startswith("inspection expired")
    assert "bus" in reasons[bus]
    assert reasons[leaving].startswith("shift ends in 5 min"), reasons[leaving]
    assert stranger not in reasons and stranger not in [d["driver_id"] for d in body["drivers"]]
    other = await client.get(
        f"{V1}/orders/{order['id']}/suggestions", headers=coop_b.dispatcher.headers
    )
    assert other.status_code == 404


async def test_a_far_driver_on_shift_is_found_behind_many_near_ones_off_shift(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    """The query reads the nearest 4 × shortlist vehicles first; when too few of their drivers
    are on shift it must read further, not answer with fewer than exist."""
    order = await make(client, coop_a)  # pickup at 106.8722, 10.9571
    for n in range(8):  # shortlist 2: these are the nearest 8, all off shift
        off, _ = await park(session, coop_a, 106.8722 + n * 1e-4, 10.9571, payload_kg=8000)
        await session.execute(
            text("UPDATE shifts SET ended_at = now() WHERE driver_id = :d"), {"d": off}
        )
    await session.commit()
    far, _ = await park(session, coop_a, 107.2, 11.3, payload_kg=8000)  # ~50 km away
    answer = await client.get(
        f"{V1}/orders/{order['id']}/suggestions?shortlist=2", headers=coop_a.dispatcher.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["examined"] == 1 and [d["driver_id"] for d in body["drivers"]] == [far], body
