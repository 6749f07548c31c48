"""The read side: latest positions as GeoJSON, tracks, metrics — scoped to the cooperative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from fleet.models import Vehicle
from tests import factories
from tests.conftest import CoopWorld, sign_in_as

V1 = "/api/v1"


async def _place(
    session: AsyncSession, vehicle: Vehicle, lon: float, lat: float, when: datetime
) -> None:
    await session.execute(
        text(
            "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at,"
            " geom, speed_kmh) VALUES (:v, :c, :t, :t, ST_SetSRID(ST_MakePoint(:lon, :lat),"
            " 4326), 30)"
        ),
        {"v": vehicle.id, "c": vehicle.cooperative_id, "t": when, "lon": lon, "lat": lat},
    )


async def _positions(
    session: AsyncSession, vehicle: Vehicle, points: list[tuple[float, float, datetime]]
) -> None:
    for _, _, when in points:
        await session.execute(
            text("SELECT coopfleet_ensure_positions_partition(:d)"), {"d": when.date()}
        )
    for lon, lat, when in points:
        await session.execute(
            text(
                "INSERT INTO positions (cooperative_id, vehicle_id, device_time, received_at,"
                " geom) VALUES (:c, :v, :t, :t, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {"v": vehicle.id, "c": vehicle.cooperative_id, "t": when, "lon": lon, "lat": lat},
        )


async def test_latest_positions_filter_by_area_and_tenant(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    now = datetime.now(UTC)
    bien_hoa = await factories.make_vehicle(session, coop_a.coop)
    nhon_trach = await factories.make_vehicle(session, coop_a.coop)
    foreign = await factories.make_vehicle(session, coop_b.coop)
    await _place(session, bien_hoa, 106.8426, 10.9574, now)
    await _place(session, nhon_trach, 106.91, 10.735, now)
    await _place(session, foreign, 106.8427, 10.9575, now)
    await session.commit()
    headers = coop_a.dispatcher.headers

    everything = (await client.get(f"{V1}/positions/latest", headers=headers)).json()
    assert everything["type"] == "FeatureCollection"
    assert {f["id"] for f in everything["features"]} == {bien_hoa.id, nhon_trach.id}
    first = next(f for f in everything["features"] if f["id"] == bien_hoa.id)
    assert first["geometry"] == {"type": "Point", "coordinates": [106.8426, 10.9574]}
    assert first["properties"]["plate"] == bien_hoa.plate

    boxed = (
        await client.get(
            f"{V1}/positions/latest", params={"bbox": "106.8,10.9,106.9,11.0"}, headers=headers
        )
    ).json()
    assert [f["id"] for f in boxed["features"]] == [bien_hoa.id]
    near = (
        await client.get(
            f"{V1}/positions/latest",
            params={"near": "106.91,10.74", "radius_m": 2000},
            headers=headers,
        )
    ).json()
    assert [f["id"] for f in near["features"]] == [nhon_trach.id]
    bad = await client.get(f"{V1}/positions/latest", params={"bbox": "1,2,3"}, headers=headers)
    assert bad.status_code == 422  # malformed input (InvalidValue)
    assert bad.json()["field"] == "bbox"


async def test_track_is_simplified_and_scoped(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    vehicle = await factories.make_vehicle(session, coop_a.coop)
    # 101 points on a straight line northwards, ~11 m apart: simplification keeps the ends only
    points = [(106.84, 10.90 + k * 0.0001, start + timedelta(seconds=10 * k)) for k in range(101)]
    await _positions(session, vehicle, points)
    await session.commit()
    params = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    response = await client.get(
        f"{V1}/vehicles/{vehicle.id}/track", params=params, headers=coop_a.director.headers
    )
    assert response.status_code == 200, response.text
    feature = response.json()
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["points"] == 101
    assert feature["properties"]["shown_points"] == 2
    assert 1100 <= feature["properties"]["length_m"] <= 1125  # 0.01° of latitude ≈ 1,106 m
    foreign = await client.get(
        f"{V1}/vehicles/{vehicle.id}/track", params=params, headers=coop_b.director.headers
    )
    assert foreign.status_code == 404
    backwards = await client.get(
        f"{V1}/vehicles/{vehicle.id}/track",
        params={"start": params["end"], "end": params["start"]},
        headers=coop_a.director.headers,
    )
    assert backwards.status_code == 400
    assert backwards.json()["field"] == "end"


async def test_metrics_count_dead_letters_by_reason(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    for reason in ("malformed_json", "malformed_json", "too_old"):
        await session.execute(
            text(
                "INSERT INTO dead_letters (received_at, topic, payload, reason, detail)"
                " VALUES (now(), 't', '\\x00', :r, '')"
            ),
            {"r": reason},
        )
    await session.commit()
    platform = await sign_in_as(
        session, settings, await factories.make_user(session, None, role="platform_admin")
    )
    body = (await client.get("/metrics", headers=platform.headers)).text
    assert 'coopfleet_dead_letters_total{reason="malformed_json"} 2' in body
    assert 'coopfleet_dead_letters_total{reason="too_old"} 1' in body
