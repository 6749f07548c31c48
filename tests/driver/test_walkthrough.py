"""A driver's day through the real API server: sign in, shift, an offer pushed over SSE, the
job flow with a retried step, proof of delivery, shift end; plus what others cannot see."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer, order_body
from fleet.passwords import hash_password
from tests.waiting import SERVER_START_S, wait_until_async

PASSWORD = "mat-khau-tai-xe-1"


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@dataclass
class World:
    base: str
    coop: int
    driver_ids: list[int]
    phones: list[str]
    user_ids: list[int]
    office: dict[str, str]
    admin: dict[str, str]


@pytest.fixture
def people(settings: Settings) -> Iterator[tuple[int, list[int], list[str], list[int]]]:
    tag = uuid.uuid4().hex[:6]
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX tài xế {tag}", f"{int(tag, 16) % 10**10:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        drivers, phones, users = [], [], []
        for n in range(2):
            phone = f"09{int(tag, 16) % 10**7:07d}{n}"
            driver = conn.execute(
                "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                " licence_class, licence_expiry) VALUES (%s, %s, %s, %s, 'C', '2030-01-01')"
                " RETURNING id",
                (coop, f"Tài xế {n}", phone, f"TX{tag}{n}"),
            ).fetchone()[0]  # type: ignore[index]
            vehicle = conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind, payload_kg)"
                " VALUES (%s, %s, %s, 'truck', 8000) RETURNING id",
                (coop, f"60C-{n:03d}.{int(tag[:2], 16) % 100:02d}", f"60C{n:03d}{tag}"),
            ).fetchone()[0]  # type: ignore[index]
            conn.execute(
                "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
                " VALUES (%s, %s, %s)",
                (coop, vehicle, driver),
            )
            users.append(
                conn.execute(
                    "INSERT INTO users (cooperative_id, login, full_name, role, password_hash,"
                    " driver_id) VALUES (%s, %s, %s, 'driver', %s, %s) RETURNING id",
                    (coop, phone, f"Tài xế {n}", hash_password(PASSWORD), driver),
                ).fetchone()[0]  # type: ignore[index]
            )
            drivers.append(driver)
            phones.append(phone)
    yield coop, drivers, phones, users
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE cooperative_id = %s", (coop,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop,))


@pytest_asyncio.fixture
async def world(
    settings: Settings,
    engine: AsyncEngine,
    people: tuple[int, list[int], list[str], list[int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    coop, drivers, phones, users = people
    storage = str(tmp_path_factory.mktemp("storage"))
    served = settings.model_copy(update={"storage_dir": storage})
    office = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login=f"dp{coop}@htx.vn"
    )
    admin = await committed_bearer(
        engine, settings, cooperative_id=coop, role="admin", login=f"ad{coop}@htx.vn"
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(committed_app(served, engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    await wait_until_async(lambda: server.started, SERVER_START_S, what="the server started")
    yield World(f"http://127.0.0.1:{port}", coop, drivers, phones, users, office, admin)
    server.should_exit = True
    await asyncio.to_thread(thread.join, 10)


async def sign_in(http: httpx.AsyncClient, phone: str) -> dict[str, str]:
    answer = await http.post("/api/v1/auth/token", data={"username": phone, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def next_events(
    http: httpx.AsyncClient, headers: dict[str, str], count: int
) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    event_id = 0
    async with http.stream("GET", "/api/v1/driver/messages/stream", headers=headers) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("event: "):
                seen.append((event_id, line[7:]))
                if len(seen) == count:
                    break
    return seen


async def test_a_drivers_day(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.base, timeout=20) as http:
        me = await sign_in(http, world.phones[0])
        other = await sign_in(http, world.phones[1])
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        refused = await http.post(
            "/api/v1/driver/shift/start", json={"planned_end_at": past}, headers=me
        )
        assert refused.status_code == 400 and refused.json()["field"] == "planned_end_at"
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=8)
        home = {"type": "Point", "coordinates": [106.8425, 10.9447]}
        shift = await http.post(
            "/api/v1/driver/shift/start",
            json={"planned_end_at": until.isoformat(), "end_location": home},
            headers=me,
        )
        assert shift.status_code == 200, shift.text
        assert datetime.fromisoformat(shift.json()["planned_end_at"]) == until
        assert shift.json()["end_location"] == home
        again = await http.post("/api/v1/driver/shift/start", json={}, headers=me)
        assert again.status_code == 409

        order = (
            await http.post("/api/v1/orders", json=order_body("NGAY-1"), headers=world.office)
        ).json()
        offer = await http.post(
            f"/api/v1/orders/{order['id']}/offers",
            json={"driver_id": world.driver_ids[0]},
            headers=world.office,
        )
        assert offer.status_code == 201, offer.text
        (first,) = await next_events(http, me, 1)  # the offer, pushed
        assert first[1] == "offer"
        accepted = await http.post(f"/api/v1/driver/offers/{offer.json()['id']}/accept", headers=me)
        assert accepted.status_code == 200
        # the connection dropped after the offer: resuming from its id gives what came after
        resumed = await next_events(http, {**me, "Last-Event-ID": str(first[0])}, 1)
        assert resumed[0][0] > first[0] and resumed[0][1] == "job"
        polled = (await http.get(f"/api/v1/driver/messages?after_id={first[0]}", headers=me)).json()
        assert polled[0]["id"] == resumed[0][0] and polled[0]["payload"]["status"] == "accepted"

        route = (await http.get("/api/v1/driver/jobs", headers=me)).json()
        assert [job["id"] for job in route] == [order["id"]]
        assert (await http.get("/api/v1/driver/jobs", headers=other)).json() == []

        url = f"/api/v1/driver/jobs/{order['id']}/steps"
        wrong = await http.post(
            url, json={"status": "delivered"}, headers={**me, "Accept-Language": "vi"}
        )
        assert wrong.status_code == 409 and wrong.json()["details"]["allowed"]
        assert wrong.json()["error"] == "invalid_transition"
        assert wrong.json()["message"].startswith("Không thể chuyển")
        for n, status in enumerate(
            ["en_route_pickup", "at_pickup", "picked_up", "en_route_dropoff", "at_dropoff"]
        ):
            body: dict[str, Any] = {
                "status": status,
                "device_time": (datetime.now(UTC) - timedelta(minutes=10 - n)).isoformat(),
                "location": {"type": "Point", "coordinates": [106.8 + n / 100, 10.9]},
            }
            key = {"Idempotency-Key": f"step-{order['id']}-{status}"}
            moved = await http.post(url, json=body, headers={**me, **key})
            assert moved.status_code == 200, moved.text
            if status == "at_pickup":  # the answer was lost: the phone sends it again
                retry = await http.post(url, json=body, headers={**me, **key})
                assert retry.status_code == 200 and retry.json() == moved.json()
        assert (
            await http.post(url, json={"status": "at_dropoff"}, headers=other)
        ).status_code == 404

        early = await http.post(url, json={"status": "delivered"}, headers=me)
        assert early.status_code == 409 and early.json()["details"]["missing"] == ["photo"]
        assert early.json()["error"] == "proof_required"
        proof = f"/api/v1/driver/jobs/{order['id']}/proof"
        huge = await http.post(
            proof, files={"photos": ("a.jpg", b"\xff\xd8\xff" + b"0" * 20_000_000)}, headers=me
        )
        assert huge.status_code == 400 and huge.json()["field"] == "photo"
        fake = await http.post(
            proof, files={"photos": ("photo.jpg", b"%PDF-1.4 not an image")}, headers=me
        )
        assert fake.status_code == 400 and "not a JPEG" in fake.json()["message"]
        sent_once = {**me, "Idempotency-Key": f"proof-{order['id']}"}
        kept, resent = [
            await http.post(
                proof,
                files={"photos": ("x.bin", png()), "signature": ("s.png", png())},
                data={"recipient_name": "Chị Hoa", "note": "Giao tại cổng"},
                headers=sent_once,
            )
            for _ in range(2)  # the phone lost the first answer and sends again
        ]
        assert kept.status_code == 200, kept.text
        assert resent.status_code == 200 and resent.json() == kept.json()
        other_file = await http.post(
            proof, files={"photos": ("y.png", png() + b"x")}, headers=sent_once
        )
        assert other_file.status_code == 409 and other_file.json()["field"] == "Idempotency-Key"
        stored = await http.get(f"/api/v1/orders/{order['id']}/proof", headers=world.office)
        assert len(stored.json()["files"]) == 2, stored.text  # a photo and a signature, once
        photo_url = kept.json()["files"][0]["url"]
        assert kept.json()["files"][0]["content_type"] == "image/png"
        done = await http.post(url, json={"status": "delivered"}, headers=me)
        assert done.status_code == 200 and done.json()["status"] == "delivered"

        seen_by_office = await http.get(photo_url, headers=world.office)
        assert seen_by_office.status_code == 200 and seen_by_office.content == png()
        assert (await http.get(photo_url, headers=other)).status_code == 404
        history = (
            await http.get(f"/api/v1/orders/{order['id']}/events", headers=world.office)
        ).json()
        steps = [e["to_status"] for e in history]
        assert steps.count("at_pickup") == 1 and steps[-1] == "delivered"
        assert history[2]["device_time"] is not None or history[3]["device_time"] is not None

        end = await http.post("/api/v1/driver/shift/end", headers=me)
        assert end.status_code == 200 and end.json()["ended_at"] is not None

        disabled = await http.patch(
            f"/api/v1/users/{world.user_ids[0]}", json={"is_active": False}, headers=world.admin
        )
        assert disabled.status_code == 200, disabled.text
        assert (await http.get("/api/v1/driver/me", headers=me)).status_code == 401


async def test_websocket_pushes_and_resumes(world: World) -> None:
    import json

    import websockets

    async with httpx.AsyncClient(base_url=world.base, timeout=20) as http:
        token = (await sign_in(http, world.phones[1]))["Authorization"].split()[1]
        ws_url = world.base.replace("http", "ws") + "/api/v1/driver/messages/ws"
        async with websockets.connect(f"{ws_url}?token=nonsense") as refused:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await refused.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        ids = []
        for n in range(2):
            order = await http.post(
                "/api/v1/orders", json=order_body(f"WS-{n}"), headers=world.office
            )
            ids.append(order.json()["id"])
        async with websockets.connect(f"{ws_url}?token={token}") as socket_:
            await http.post(
                f"/api/v1/orders/{ids[0]}/offers",
                json={"driver_id": world.driver_ids[1]},
                headers=world.office,
            )
            first = json.loads(await asyncio.wait_for(socket_.recv(), 10))
            assert first["kind"] == "offer" and first["payload"]["order_id"] == ids[0]
        # offline while the second offer is made; reconnecting after the first id delivers it
        await http.post(
            f"/api/v1/orders/{ids[1]}/offers",
            json={"driver_id": world.driver_ids[1]},
            headers=world.office,
        )
        async with websockets.connect(f"{ws_url}?token={token}&after_id={first['id']}") as again:
            second = json.loads(await asyncio.wait_for(again.recv(), 10))
            assert second["kind"] == "offer" and second["payload"]["order_id"] == ids[1]


async def test_pin_sign_in_and_credential_reset(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.base, timeout=20) as http:
        signed_in = await http.post(
            "/api/v1/auth/token", data={"username": world.phones[0], "password": PASSWORD}
        )
        me = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        device = signed_in.json()["device_token"]  # the PIN works on this phone only
        weak = await http.post(
            "/api/v1/driver/pin", json={"password": PASSWORD, "pin": "123456"}, headers=me
        )
        assert weak.status_code == 400 and weak.json()["field"] == "pin"
        wrong = await http.post(
            "/api/v1/driver/pin", json={"password": "nope", "pin": "482913"}, headers=me
        )
        assert wrong.status_code == 400 and wrong.json()["field"] == "password"
        done = await http.post(
            "/api/v1/driver/pin", json={"password": PASSWORD, "pin": "482913"}, headers=me
        )
        assert done.status_code == 204
        by_pin = await http.post(
            "/api/v1/auth/token",
            data={"username": world.phones[0], "password": "482913", "device_token": device},
        )
        assert by_pin.status_code == 200
        reset = await http.post(
            f"/api/v1/drivers/{world.driver_ids[0]}/reset-credentials", headers=world.office
        )
        assert reset.status_code == 200, reset.text
        assert (await http.get("/api/v1/driver/me", headers=me)).status_code == 401
        old_pin = await http.post(
            "/api/v1/auth/token",
            data={"username": world.phones[0], "password": "482913", "device_token": device},
        )
        assert old_pin.status_code == 401
        temporary = reset.json()["temporary_password"]
        fresh = await http.post(
            "/api/v1/auth/token", data={"username": world.phones[0], "password": temporary}
        )
        assert fresh.status_code == 200
