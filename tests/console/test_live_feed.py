"""The live map's WebSocket feed against the real server: who may listen, what a cooperative
sees, and that after the snapshot only changes are sent."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from core.config import Settings
from fleet.passwords import hash_password
from tests.console.conftest import PASSWORD, ConsoleWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def token(world: ConsoleWorld, login: str, password: str = PASSWORD) -> str:
    async with httpx.AsyncClient(base_url=world.base) as http:
        answer = await http.post(
            "/api/v1/auth/token", data={"username": login, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


def feed_url(world: ConsoleWorld, access_token: str) -> str:
    return f"{world.base.replace('http', 'ws')}/api/v1/live/ws?token={access_token}"


async def receive(socket: ClientConnection) -> dict[str, Any]:
    """The next message; the feed sends at least a delta a second while anything changes."""
    async with asyncio.timeout(5):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def test_only_office_roles_with_a_valid_token_may_listen(
    world: ConsoleWorld, settings: Settings
) -> None:
    with pytest.raises(ConnectionClosed) as refused:
        async with connect(feed_url(world, "not-a-token")) as socket:
            await receive(socket)
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4401
    phone = f"09{uuid.uuid4().int % 10**8:08d}"
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (cooperative_id, login, full_name, role, password_hash, driver_id)"
            " VALUES (%s, %s, 'Tài xế', 'driver', %s, %s)",
            (world.coop_id, phone, hash_password(PASSWORD), world.driver_ids[0]),
        )
    with pytest.raises(ConnectionClosed) as driver:
        async with connect(feed_url(world, await token(world, phone))) as socket:
            await receive(socket)
    assert driver.value.rcvd is not None and driver.value.rcvd.code == 4403


async def test_a_cooperative_sees_only_its_own_fleet(
    world: ConsoleWorld, settings: Settings
) -> None:
    access = await token(world, world.logins["dispatcher"])
    bare = f"{world.base.replace('http', 'ws')}/api/v1/live/ws"  # the token as a subprotocol
    async with connect(bare, subprotocols=[Subprotocol("bearer"), Subprotocol(access)]) as socket:
        assert socket.subprotocol == "bearer"
        snapshot = await receive(socket)
    assert snapshot["type"] == "snapshot"
    index = snapshot["fields"].index("id")
    assert sorted(row[index] for row in snapshot["vehicles"]) == sorted(world.vehicle_ids)

    tag = uuid.uuid4().hex[:6]
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        other = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX khác {tag}", f"{int(tag, 16) % 10**10:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind) VALUES (%s, %s, %s,"
            " 'van')",
            (other, "51D-999.99", f"51D99999{tag}"),
        )
        conn.execute(
            "INSERT INTO users (cooperative_id, login, full_name, role, password_hash)"
            " VALUES (%s, %s, 'Điều phối khác', 'dispatcher', %s)",
            (other, f"other-{tag}@htx.vn", hash_password(PASSWORD)),
        )
    try:
        access = await token(world, f"other-{tag}@htx.vn")
        async with connect(feed_url(world, access)) as socket:
            theirs = await receive(socket)
        ids = [row[index] for row in theirs["vehicles"]]
        assert len(ids) == 1 and not set(ids) & set(world.vehicle_ids)
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE cooperative_id = %s", (other,))
            conn.execute("DELETE FROM cooperatives WHERE id = %s", (other,))


async def test_after_the_snapshot_only_changes_are_sent(
    world: ConsoleWorld, settings: Settings
) -> None:
    async with connect(feed_url(world, await token(world, world.logins["dispatcher"]))) as socket:
        snapshot = await receive(socket)
        fields = snapshot["fields"]
        status_at = fields.index("status")
        shown = {row[0]: row for row in snapshot["vehicles"]}
        moved = world.vehicle_ids[10]
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE vehicle_state SET geom = ST_SetSRID(ST_MakePoint(106.7777, 10.8888), 4326),"
                " device_time = now(), received_at = now(), speed_kmh = 33 WHERE vehicle_id = %s",
                (moved,),
            )
        seen: dict[int, list[Any]] = {}
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and moved not in seen:
            delta = await receive(socket)
            assert delta["type"] == "delta"
            for row in delta.get("moves", []):
                seen[row[0]] = row
    move_fields = snapshot["move_fields"]
    row = dict(zip(move_fields, seen[moved], strict=True))
    assert (row["lon"], row["lat"], row["speed"], row["status"]) == (
        106.7777,
        10.8888,
        33,
        "moving",
    )
    for vehicle_id, change in seen.items():  # any other vehicle sent had changed its status
        if vehicle_id != moved:
            before = shown[vehicle_id][status_at]
            assert change[move_fields.index("status")] != before


async def test_order_status_changes_are_pushed(world: ConsoleWorld) -> None:
    access = await token(world, world.logins["dispatcher"])
    headers = {"Authorization": f"Bearer {access}"}
    body = {
        "reference": f"LIVE-{uuid.uuid4().hex[:6]}",
        "kind": "freight",
        "customer_name": "Khách trực tuyến",
        "pickup": {"address": "Kho A", "location": {"type": "Point", "coordinates": [106.8, 10.9]}},
        "dropoff": {
            "address": "Kho B",
            "location": {"type": "Point", "coordinates": [106.7, 10.8]},
        },
    }
    async with connect(feed_url(world, access)) as socket:
        await receive(socket)
        async with httpx.AsyncClient(base_url=world.base, headers=headers) as http:
            answer = await http.post("/api/v1/orders", json=body)
            assert answer.status_code == 201, answer.text
            created = answer.json()
            cancelled = await http.post(
                f"/api/v1/orders/{created['id']}/transitions", json={"status": "cancelled"}
            )
            assert cancelled.status_code == 200, cancelled.text
        statuses: list[str] = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and "cancelled" not in statuses:
            delta = await receive(socket)
            statuses += [o["status"] for o in delta.get("orders", []) if o["id"] == created["id"]]
    assert statuses[-1] == "cancelled"


@pytest.mark.parametrize("way", ["sign-out everywhere", "password reset", "account disabled"])
async def test_the_live_feed_closes_at_once_when_its_session_ends(
    way: str, world: ConsoleWorld, settings: Settings
) -> None:
    """The server re-checks a session every 30 s; the notification of its end closes the socket
    well before that, and no change reaches it afterwards."""
    login = f"live-{uuid.uuid4().hex[:8]}@htx.vn"
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO users (cooperative_id, login, full_name, role, password_hash)"
            " VALUES (%s, %s, 'Điều phối ca đêm', 'dispatcher', %s) RETURNING id",
            (world.coop_id, login, hash_password(PASSWORD)),
        ).fetchone()
    assert row is not None
    user_id = row[0]
    access = await token(world, login)
    admin = {"Authorization": f"Bearer {await token(world, world.logins['admin'])}"}
    try:
        async with connect(feed_url(world, access)) as socket:
            assert (await receive(socket))["type"] == "snapshot"
            async with httpx.AsyncClient(base_url=world.base) as http:
                if way == "sign-out everywhere":
                    own = {"Authorization": f"Bearer {access}"}
                    out = await http.post("/api/v1/auth/logout?everywhere=true", headers=own)
                else:
                    change: dict[str, Any] = {"password": "mat-khau-moi-ca-dem-1"}
                    if way == "account disabled":
                        change = {"is_active": False}
                    out = await http.patch(f"/api/v1/users/{user_id}", json=change, headers=admin)
                assert out.status_code in (200, 204), out.text
            with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
                conn.execute(
                    "UPDATE vehicle_state SET device_time = now(), received_at = now(),"
                    " speed_kmh = 21 WHERE vehicle_id = %s",
                    (world.vehicle_ids[3],),
                )
            after: list[dict[str, Any]] = []
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(5):
                    while True:
                        after.append(json.loads(await socket.recv()))
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    moved = [m for m in after if any(row[0] == world.vehicle_ids[3] for row in m.get("moves", []))]
    assert moved == []
