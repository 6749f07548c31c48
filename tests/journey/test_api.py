"""The journey API on derived facts: content, filters, acknowledgement, excuses, tenancy."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest_asyncio
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from telematics.journey.facts import Kind
from tests.journey.conftest import JourneyFleet
from tests.journey.test_derive import drive_hours
from tests.journey.tracks import Track
from tests.waiting import SERVER_START_S, wait_until_async

DAY = "start=2026-07-01T00:00:00Z&end=2026-09-01T00:00:00Z"


@pytest_asyncio.fixture
async def api(
    settings: Settings, engine: AsyncEngine, journey_fleet: JourneyFleet
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[str, str]]]]:
    drive_hours(journey_fleet, datetime(2026, 8, 3, 0, 0, tzinfo=UTC), [(4 + 10 / 60, 30)])
    fast = Track(datetime(2026, 8, 4, 1, 0, tzinfo=UTC), 106.8, 10.9, every_s=2).stand(10)
    fast.drive_for(120, 100).stand(600)
    journey_fleet.store(journey_fleet.vehicle_ids[1], fast.fixes)
    journey_fleet.deriver().run_until_idle()
    tag = journey_fleet.coop_id
    headers = {
        "dispatcher": await committed_bearer(
            engine, settings, cooperative_id=tag, role="dispatcher", login=f"d{tag}@x.vn"
        ),
        "driver": await committed_bearer(
            engine,
            settings,
            cooperative_id=tag,
            role="driver",
            login=f"drv{tag}",
            driver_id=journey_fleet.driver_ids[0],
        ),
        "other_driver": await committed_bearer(
            engine,
            settings,
            cooperative_id=tag,
            role="driver",
            login=f"drv2{tag}",
            driver_id=journey_fleet.driver_ids[1],
        ),
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=committed_app(settings, engine)), base_url="http://t"
    ) as client:
        yield client, headers


async def test_trips_stops_and_events_of_a_vehicle(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]], journey_fleet: JourneyFleet
) -> None:
    client, headers = api
    vehicle = journey_fleet.vehicle_ids[0]
    trips = await client.get(
        f"/api/v1/vehicles/{vehicle}/trips?{DAY}", headers=headers["dispatcher"]
    )
    assert trips.status_code == 200, trips.text
    assert len(trips.json()) == 1 and trips.json()[0]["driver_id"] == journey_fleet.driver_ids[0]
    geo = await client.get(
        f"/api/v1/vehicles/{vehicle}/trips?{DAY}&format=geojson", headers=headers["dispatcher"]
    )
    assert geo.json()["features"][0]["geometry"]["type"] == "LineString"
    stops = await client.get(
        f"/api/v1/vehicles/{vehicle}/stops?{DAY}", headers=headers["dispatcher"]
    )
    assert len(stops.json()) == 2
    fast = await client.get(
        f"/api/v1/events?kind={Kind.OVERSPEED}&vehicle_id={journey_fleet.vehicle_ids[1]}",
        headers=headers["dispatcher"],
    )
    assert [e["details"]["max_kmh"] for e in fast.json()] == [100.0]
    bad = await client.get("/api/v1/events?kind=teleport", headers=headers["dispatcher"])
    assert bad.status_code == 400 and bad.json()["field"] == "kind"


async def test_acknowledge_and_excuse_a_violation(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]],
) -> None:
    client, headers = api
    listed = await client.get(
        f"/api/v1/events?kind={Kind.CONTINUOUS_DRIVING}&acknowledged=false",
        headers=headers["dispatcher"],
    )
    (violation,) = listed.json()
    done = await client.post(
        f"/api/v1/events/{violation['id']}/acknowledge",
        json={"note": "Đã gọi tài xế"},
        headers=headers["dispatcher"],
    )
    assert done.status_code == 200 and done.json()["ack_note"] == "Đã gọi tài xế"
    excused = await client.post(
        f"/api/v1/events/{violation['id']}/excuse",
        json={"reason": "Tắc đường do tai nạn"},
        headers=headers["dispatcher"],
    )
    assert excused.status_code == 200 and excused.json()["excuse_reason"] == "Tắc đường do tai nạn"
    warning = (
        await client.get(
            f"/api/v1/events?kind={Kind.DRIVING_WARNING}", headers=headers["dispatcher"]
        )
    ).json()[0]
    refused = await client.post(
        f"/api/v1/events/{warning['id']}/excuse",
        json={"reason": "abc"},
        headers=headers["dispatcher"],
    )
    assert refused.status_code == 409
    pending = await client.get("/api/v1/events?acknowledged=false", headers=headers["dispatcher"])
    assert violation["id"] not in [e["id"] for e in pending.json()]


async def test_rollups_and_driving_time(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]], journey_fleet: JourneyFleet
) -> None:
    client, headers = api
    rows = await client.get(
        "/api/v1/rollups/daily?start_day=2026-08-01&end_day=2026-08-31&group=driver",
        headers=headers["dispatcher"],
    )
    assert rows.status_code == 200, rows.text
    (day,) = rows.json()
    assert day["driver_id"] == journey_fleet.driver_ids[0] and day["trips"] == 1
    assert abs(day["moving_s"] - (4 * 3600 + 600)) < 120
    assert day["events"][Kind.CONTINUOUS_DRIVING] == 1
    status = await client.get(
        f"/api/v1/drivers/{journey_fleet.driver_ids[0]}/driving-time", headers=headers["driver"]
    )
    assert status.status_code == 200 and status.json()["continuous_limit_s"] == 4 * 3600


async def test_a_driver_sees_only_their_own_trips(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]], journey_fleet: JourneyFleet
) -> None:
    client, headers = api
    mine = journey_fleet.driver_ids[0]
    own = await client.get(f"/api/v1/drivers/{mine}/trips?{DAY}", headers=headers["driver"])
    assert own.status_code == 200 and len(own.json()) == 1
    theirs = await client.get(
        f"/api/v1/drivers/{mine}/trips?{DAY}", headers=headers["other_driver"]
    )
    assert theirs.status_code == 404
    events = await client.get("/api/v1/events", headers=headers["driver"])
    assert events.status_code == 403


async def test_another_cooperative_sees_nothing(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]],
    journey_fleet: JourneyFleet,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    client, _ = api
    with journey_fleet.deriver().conn as conn:
        other = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX khác', %s) RETURNING id",
            (f"{journey_fleet.coop_id + 7_000_000:010d}",),
        ).fetchone()[0]  # type: ignore[index]
    stranger = await committed_bearer(
        engine, settings, cooperative_id=other, role="dispatcher", login=f"s{other}@x.vn"
    )
    vehicle = journey_fleet.vehicle_ids[0]
    assert (
        await client.get(f"/api/v1/vehicles/{vehicle}/trips?{DAY}", headers=stranger)
    ).status_code == 404
    assert (await client.get("/api/v1/events", headers=stranger)).json() == []
    rollups = await client.get(
        "/api/v1/rollups/daily?start_day=2026-08-01&end_day=2026-08-31", headers=stranger
    )
    assert rollups.json() == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_event_stream_resumes_from_the_last_id(
    api: tuple[httpx.AsyncClient, dict[str, dict[str, str]]],
    journey_fleet: JourneyFleet,
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    _, headers = api
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(committed_app(settings, engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        await wait_until_async(lambda: server.started, SERVER_START_S, what="the server started")
        url = f"http://127.0.0.1:{port}/api/v1/events/stream?after_id=0"
        seen: list[int] = []
        async with httpx.AsyncClient(timeout=20) as http:
            async with http.stream("GET", url, headers=headers["dispatcher"]) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("id: "):
                        seen.append(int(line[4:]))
                    if len(seen) >= 2:
                        break
            resume = {**headers["dispatcher"], "Last-Event-ID": str(seen[0])}
            again: list[int] = []
            async with http.stream("GET", url, headers=resume) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith("id: "):
                        again.append(int(line[4:]))
                        break
        assert seen[0] < seen[1] and again == [seen[1]]
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
