"""A driver's phone sends positions over HTTP; they reach PostGIS through the MQTT path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from telematics.relay import Relay
from tests.telematics.conftest import Fleet, RunningWorker, count, wait_for
from tests.telematics.test_ingest import fix, stored


@pytest_asyncio.fixture
async def phone(
    settings: Settings, engine: AsyncEngine, fleet: Fleet
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The real app on committed data, its relay on the test broker, and a driver's token."""
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        driver_id = conn.execute(
            "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
            " licence_class, licence_expiry) VALUES (%s, 'Lê Văn Tài', %s, %s, 'C',"
            " '2030-01-01') RETURNING id",
            (fleet.coop_id, f"09{fleet.coop_id:08d}", f"75{fleet.coop_id:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
            " VALUES (%s, %s, %s)",
            (fleet.coop_id, fleet.vehicle_ids[0], driver_id),
        )
    headers = await committed_bearer(
        engine,
        settings,
        cooperative_id=fleet.coop_id,
        role="driver",
        login=f"phone-{fleet.coop_id}",
        driver_id=driver_id,
        device_id="phone-1",
    )
    app = committed_app(settings, engine)
    app.state.relay = Relay(settings.mqtt_host, settings.mqtt_port, settings.secret_key)
    assert app.state.relay.connected.wait(10), "the API could not reach the broker"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://phone") as client:
        yield client, headers
    app.state.relay.close()


async def test_phone_positions_are_stored_and_bad_ones_reported(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    phone: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, headers = phone
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "positions": [
            fix(now - timedelta(seconds=20)),
            fix(now - timedelta(seconds=10)),
            fix(now, lat=95.0),
        ]
    }
    response = await client.post("/api/v1/driver/positions", json=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 2
    assert [r["reason"] for r in response.json()["refused"]] == ["out_of_range"]
    wait_for(lambda: stored(settings, fleet) == 2)
    assert (
        count(
            settings, "SELECT count(*) FROM positions WHERE vehicle_id = %s", fleet.vehicle_ids[0]
        )
        == 2
    )
    # the phone retries the same request (it never saw the answer): nothing is stored twice
    again = await client.post("/api/v1/driver/positions", json=body, headers=headers)
    assert again.status_code == 202
    wait_for(lambda: worker.worker.stats.duplicates >= 2)
    assert stored(settings, fleet) == 2

    garbage = await client.post(
        "/api/v1/driver/positions",
        content=b"{nope",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert garbage.status_code == 422
    assert garbage.json()["refused"][0]["reason"] == "malformed_json"


async def test_positions_name_the_signed_in_drivers_card(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    phone: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    """A driver cannot put their driving on a colleague: the card the phone sends is replaced by
    the signed-in driver's own (issue 21, item 6)."""
    client, headers = phone
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE drivers SET driver_card_id = %s WHERE cooperative_id = %s",
            (f"OWN{fleet.coop_id}", fleet.coop_id),
        )
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "positions": [
            fix(now - timedelta(seconds=10), driver=f"COLLEAGUE{fleet.coop_id}"),
            fix(now),  # no card sent: still the signed-in driver's
        ]
    }
    response = await client.post("/api/v1/driver/positions", json=body, headers=headers)
    assert response.status_code == 202, response.text
    wait_for(lambda: stored(settings, fleet) == 2)
    with psycopg.connect(settings.sync_database_url) as conn:
        cards = conn.execute(
            "SELECT driver_card FROM positions WHERE cooperative_id = %s", (fleet.coop_id,)
        ).fetchall()
    assert [card for (card,) in cards] == [f"OWN{fleet.coop_id}"] * 2
