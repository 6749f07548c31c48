"""``GET /api/v1/gateway/devices``: an admin sees their cooperative's devices heard and their
vehicles not heard; another cooperative's devices and unknown identifiers stay hidden from them;
a platform admin sees everything; other roles are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from telematics.gateway.forwarding import token_cooperative
from telematics.tables import gateway_devices
from tests import factories
from tests.conftest import CoopWorld, sign_in_as

URL = "/api/v1/gateway/devices"


async def hear(
    session: AsyncSession,
    identifier: str,
    *,
    vehicle_id: int | None = None,
    cooperative_id: int | None = None,
    ago: timedelta = timedelta(minutes=5),
    refusal: str | None = None,
) -> None:
    at = datetime.now(UTC) - ago
    await session.execute(
        insert(gateway_devices).values(
            protocol="gt06",
            identifier=identifier,
            vehicle_id=vehicle_id,
            cooperative_id=cooperative_id,
            remote_address="203.0.113.7",
            first_heard_at=at - timedelta(hours=1),
            last_heard_at=at,
            messages=10,
            fixes=0 if refusal else 9,
            refused=1 if refusal else 0,
            last_refusal=refusal,
        )
    )


@pytest.mark.asyncio
async def test_admins_see_their_devices_and_silent_vehicles_platform_admins_everything(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    heard_a = await factories.make_vehicle(session, coop_a.coop, tracking_device_id="861")
    silent_a = await factories.make_vehicle(session, coop_a.coop, tracking_device_id="862")
    heard_b = await factories.make_vehicle(session, coop_b.coop, tracking_device_id="871")
    await hear(session, "861", vehicle_id=heard_a.id, cooperative_id=coop_a.coop.id)
    await hear(session, "871", vehicle_id=heard_b.id, cooperative_id=coop_b.coop.id)
    await hear(session, "999", refusal="unknown_device")  # a typo: on no vehicle
    two_hours = timedelta(hours=2)  # heard, but not in the last hour
    await hear(session, "862", vehicle_id=silent_a.id, cooperative_id=coop_a.coop.id, ago=two_hours)
    await session.commit()

    answer = await client.get(URL, headers=coop_a.admin.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(d["identifier"], d["bound"], d["plate"]) for d in body["items"]] == [
        ("861", True, heard_a.plate)
    ]
    assert body["total"] == 1
    assert body["items"][0]["remote_address"] == "203.0.113.7"
    assert [v["plate"] for v in body["silent"]] == [silent_a.plate]

    wider = await client.get(URL, params={"minutes": 180}, headers=coop_a.admin.headers)
    assert {d["identifier"] for d in wider.json()["items"]} == {"861", "862"}
    assert wider.json()["silent"] == []

    platform = await sign_in_as(
        session, settings, await factories.make_user(session, None, role="platform_admin")
    )
    everything = (await client.get(URL, headers=platform.headers)).json()["items"]
    mine = {d["identifier"]: d for d in everything if d["identifier"] in {"861", "871", "999"}}
    assert set(mine) == {"861", "871", "999"}
    assert mine["999"]["bound"] is False and mine["999"]["last_refusal"] == "unknown_device"
    assert mine["871"]["cooperative_id"] == coop_b.coop.id

    for role in ("dispatcher", "director", "driver"):
        refused = await client.get(URL, headers=coop_a.by_role(role).headers)
        assert refused.status_code == 403, role
    bad = await client.get(URL, params={"minutes": 0}, headers=coop_a.admin.headers)
    assert bad.status_code == 422 and bad.json()["field"] == "minutes"


@pytest.mark.asyncio
async def test_an_admin_gets_the_cooperatives_traccar_token(
    client: httpx.AsyncClient, settings: Settings, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    answer = await client.get("/api/v1/gateway/traccar-forwarding", headers=coop_a.admin.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert token_cooperative(settings.secret_key, f"Bearer {body['token']}") == coop_a.coop.id
    assert body["header"] == f"Authorization: Bearer {body['token']}"
    other = await client.get("/api/v1/gateway/traccar-forwarding", headers=coop_b.admin.headers)
    assert other.json()["token"] != body["token"]
    dispatcher = await client.get(
        "/api/v1/gateway/traccar-forwarding", headers=coop_a.dispatcher.headers
    )
    assert dispatcher.status_code == 403
