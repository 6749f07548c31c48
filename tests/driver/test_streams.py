"""Push streams against the real server: each one ends when its session does (sign-out, sign-out
everywhere, a password reset, "reset credentials", a disabled account, an expired session) and
delivers nothing after; open streams are capped per user and per cooperative."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.notify import APPLICATION_NAME
from api.streams import CLOSE_GOING_AWAY, MESSAGES, StreamHub
from core.config import Settings
from core.db import session_factory
from devtools.apps import committed_app
from fleet.auth import Principal, open_session
from fleet.enums import Role
from fleet.models import User
from tests.waiting import SERVER_START_S, wait_until_async

RECHECK_S = 1.0  # the servers here re-check sessions every second (30 s by default)
OFFER = {
    "order_id": 1,
    "pickup_address": "KCN Amata, Biên Hòa",
    "dropoff_address": "Cảng Cát Lái, TP.HCM",
    "price_vnd": 1_800_000,
}


@dataclass
class People:
    coop: int
    driver_id: int
    driver_user: int
    admin_user: int
    office_user: int
    other_driver_user: int


@pytest.fixture
def people(settings: Settings) -> Iterator[People]:
    """A cooperative with two drivers' accounts, an admin and a dispatcher, committed."""
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:

        def one(sql: str, *args: Any) -> int:
            row = conn.execute(sql, args).fetchone()
            assert row is not None
            return int(row[0])

        coop = one(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            f"HTX luồng {tag}",
            f"{int(tag, 16) % 10**10:010d}",
        )
        drivers = [
            one(
                "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                " licence_class, licence_expiry) VALUES (%s, %s, %s, %s, 'C', '2030-01-01')"
                " RETURNING id",
                coop,
                f"Tài xế {n}",
                f"09{int(tag, 16) % 10**7:07d}{n}",
                f"LX{tag}{n}",
            )
            for n in range(2)
        ]

        def user(role: str, login: str, driver: int | None = None) -> int:
            return one(
                "INSERT INTO users (cooperative_id, login, full_name, role, password_hash,"
                " driver_id) VALUES (%s, %s, %s, %s, 'x', %s) RETURNING id",
                coop,
                login,
                login,
                role,
                driver,
            )

        made = People(
            coop=coop,
            driver_id=drivers[0],
            driver_user=user("driver", f"09{tag}0", drivers[0]),
            admin_user=user("admin", f"ad{tag}@htx.vn"),
            office_user=user("dispatcher", f"dp{tag}@htx.vn"),
            other_driver_user=user("driver", f"09{tag}1", drivers[1]),
        )
    yield made
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE cooperative_id = %s", (coop,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop,))


async def bearer(engine: AsyncEngine, settings: Settings, user_id: int) -> dict[str, str]:
    """A new committed device session of the user, as request headers."""
    async with session_factory(engine)() as session:
        user = await session.get(User, user_id)
        assert user is not None
        tokens = await open_session(session, user, None, settings)
        await session.commit()
    return {"Authorization": f"Bearer {tokens.access_token}"}


@contextlib.asynccontextmanager
async def serving(settings: Settings, engine: AsyncEngine) -> AsyncIterator[str]:
    """The app on committed data behind a real server (its lifespan, hence its LISTEN
    connection, included); its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = committed_app(settings, engine)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        await wait_until_async(lambda: server.started, SERVER_START_S, what="the server started")
        # the listener is up: notifications reach the streams
        await wait_until_async(app.state.streams.listener.connected.is_set, SERVER_START_S)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


@pytest_asyncio.fixture
async def base(settings: Settings, engine: AsyncEngine) -> AsyncIterator[str]:
    quick = settings.model_copy(update={"stream_recheck_seconds": RECHECK_S})
    async with serving(quick, engine) as url:
        yield url


def write_message(settings: Settings, people: People, payload: dict[str, Any]) -> None:
    """A message for the driver, written the way the dispatch code writes it (one INSERT)."""
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO driver_messages (cooperative_id, driver_id, kind, payload)"
            " VALUES (%s, %s, 'offer', %s)",
            (people.coop, people.driver_id, json.dumps(payload)),
        )


def write_event(settings: Settings, people: People, kind: str) -> None:
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO journey_events (cooperative_id, source, subject_id, kind, started_at)"
            " VALUES (%s, 'driver', %s, %s, now())",
            (people.coop, people.driver_id, kind),
        )


@dataclass
class Tap:
    """What a stream delivered, and whether (and how) it ended."""

    received: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    status: int | None = None
    close_code: int | None = None
    task: asyncio.Task[None] | None = None

    def got(self, item: dict[str, Any]) -> None:
        self.received.append(item)
        self.arrived.set()

    async def next(self) -> dict[str, Any]:
        async with asyncio.timeout(5):
            while not self.received:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received.pop(0)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def tap_sse(url: str, headers: dict[str, str]) -> Tap:
    tap = Tap()
    opened = asyncio.Event()

    async def run() -> None:
        try:
            async with (
                httpx.AsyncClient(timeout=30) as http,
                http.stream("GET", url, headers=headers) as response,
            ):
                tap.status = response.status_code
                opened.set()
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        tap.got(json.loads(line[6:]))
        finally:
            tap.ended.set()
            opened.set()

    tap.task = asyncio.create_task(run())
    await opened.wait()
    return tap


async def tap_socket(url: str) -> Tap:
    tap = Tap()
    opened = asyncio.Event()

    async def run() -> None:
        try:
            async with connect(url) as ws:
                opened.set()
                async for text in ws:
                    tap.got(json.loads(text))
        except ConnectionClosed as closed:
            tap.close_code = closed.rcvd.code if closed.rcvd else None
        finally:
            tap.ended.set()
            opened.set()

    tap.task = asyncio.create_task(run())
    await opened.wait()
    return tap


@dataclass
class Office:
    """An admin at the cooperative's office, who resets and disables accounts."""

    http: httpx.AsyncClient
    admin: dict[str, str]
    engine: AsyncEngine
    settings: Settings


Revoke = Callable[[Office, People, int, dict[str, str]], Awaitable[None]]
"""Ends the session of the account ``user_id`` whose stream sends with these headers."""


async def _ok(answer: Awaitable[httpx.Response]) -> None:
    response = await answer
    assert response.status_code in (200, 204), response.text


def sign_out(everywhere: bool) -> Revoke:
    async def revoke(office: Office, people: People, user_id: int, stream: dict[str, str]) -> None:
        # everywhere: from the user's *other* device, which must close this one too
        headers = stream
        if everywhere:
            headers = await bearer(office.engine, office.settings, user_id)
        flag = str(everywhere).lower()
        await _ok(office.http.post(f"/api/v1/auth/logout?everywhere={flag}", headers=headers))

    return revoke


async def password_reset(office: Office, people: People, user_id: int, _: dict[str, str]) -> None:
    await _ok(
        office.http.patch(
            f"/api/v1/users/{user_id}",
            json={"password": "mat-khau-moi-123456"},
            headers=office.admin,
        )
    )


async def reset_credentials(
    office: Office, people: People, user_id: int, _: dict[str, str]
) -> None:
    assert user_id == people.driver_user  # a driver's phone only
    await _ok(
        office.http.post(
            f"/api/v1/drivers/{people.driver_id}/reset-credentials", headers=office.admin
        )
    )


async def disable(office: Office, people: People, user_id: int, _: dict[str, str]) -> None:
    await _ok(
        office.http.patch(
            f"/api/v1/users/{user_id}", json={"is_active": False}, headers=office.admin
        )
    )


WAYS = {
    "sign-out": sign_out(False),
    "sign-out everywhere": sign_out(True),
    "password reset": password_reset,
    "reset credentials": reset_credentials,
    "account disabled": disable,
}
OFFICE_WAYS = [way for way in WAYS if way != "reset credentials"]


@contextlib.asynccontextmanager
async def office_client(
    base: str, engine: AsyncEngine, settings: Settings, people: People
) -> AsyncIterator[Office]:
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        yield Office(http, await bearer(engine, settings, people.admin_user), engine, settings)


async def assert_cut_off(tap: Tap, settings: Settings, people: People, *, within: float) -> None:
    """The stream ends within ``within`` seconds of the revocation, and the offer written
    right after the revocation never reaches it."""
    write_message(settings, people, {**OFFER, "order_id": 2})
    async with asyncio.timeout(within):
        await tap.ended.wait()
    assert [m for m in tap.received if m.get("payload", {}).get("order_id") == 2] == []


@pytest.mark.parametrize("way", list(WAYS))
async def test_the_drivers_sse_stream_ends_with_the_session(
    way: str, base: str, people: People, settings: Settings, engine: AsyncEngine
) -> None:
    headers = await bearer(engine, settings, people.driver_user)
    tap = await tap_sse(f"{base}/api/v1/driver/messages/stream", headers)
    try:
        assert tap.status == 200
        write_message(settings, people, OFFER)
        first = await tap.next()
        assert first["payload"]["price_vnd"] == 1_800_000
        async with office_client(base, engine, settings, people) as office:
            await WAYS[way](office, people, people.driver_user, headers)
        await assert_cut_off(tap, settings, people, within=3)
    finally:
        await tap.stop()


@pytest.mark.parametrize("way", list(WAYS))
async def test_the_drivers_websocket_closes_with_the_session(
    way: str, base: str, people: People, settings: Settings, engine: AsyncEngine
) -> None:
    headers = await bearer(engine, settings, people.driver_user)
    token = headers["Authorization"].removeprefix("Bearer ")
    url = f"{base.replace('http', 'ws')}/api/v1/driver/messages/ws?token={token}"
    tap = await tap_socket(url)
    try:
        write_message(settings, people, OFFER)
        assert (await tap.next())["payload"]["order_id"] == 1
        async with office_client(base, engine, settings, people) as office:
            await WAYS[way](office, people, people.driver_user, headers)
        await assert_cut_off(tap, settings, people, within=3)
        assert tap.close_code == 4401
    finally:
        await tap.stop()


@pytest.mark.parametrize("way", OFFICE_WAYS)
async def test_the_event_stream_ends_with_the_session(
    way: str, base: str, people: People, settings: Settings, engine: AsyncEngine
) -> None:
    headers = await bearer(engine, settings, people.office_user)
    tap = await tap_sse(f"{base}/api/v1/events/stream", headers)
    try:
        assert tap.status == 200
        write_event(settings, people, "overspeed")
        assert (await tap.next())["kind"] == "overspeed"
        async with office_client(base, engine, settings, people) as office:
            await WAYS[way](office, people, people.office_user, headers)
        write_event(settings, people, "harsh_braking")
        async with asyncio.timeout(3):
            await tap.ended.wait()
        assert [e["kind"] for e in tap.received] == []
    finally:
        await tap.stop()


async def test_an_expired_session_is_found_by_the_periodic_recheck(
    base: str, people: People, settings: Settings, engine: AsyncEngine
) -> None:
    """No notification says a session expired: the re-check (every second here, 30 s by
    default) finds it, for the SSE stream and the WebSocket alike."""
    headers = await bearer(engine, settings, people.driver_user)
    token = headers["Authorization"].removeprefix("Bearer ")
    sse = await tap_sse(f"{base}/api/v1/driver/messages/stream", headers)
    ws = await tap_socket(f"{base.replace('http', 'ws')}/api/v1/driver/messages/ws?token={token}")
    try:
        write_message(settings, people, OFFER)
        await sse.next()
        await ws.next()
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE auth_sessions SET expires_at = now() - interval '1 second'"
                " WHERE user_id = %s",
                (people.driver_user,),
            )
        async with asyncio.timeout(RECHECK_S * 3 + 2):
            await sse.ended.wait()
            await ws.ended.wait()
        assert ws.close_code == 4401
    finally:
        await sse.stop()
        await ws.stop()


async def test_a_stream_for_another_driver_is_not_woken_and_sees_nothing(
    base: str, people: People, settings: Settings, engine: AsyncEngine
) -> None:
    other = await bearer(engine, settings, people.other_driver_user)
    tap = await tap_sse(f"{base}/api/v1/driver/messages/stream", other)
    try:
        write_message(settings, people, OFFER)
        with pytest.raises(TimeoutError):
            await tap.next()
    finally:
        await tap.stop()


async def test_open_streams_are_capped_per_user_and_per_cooperative(
    settings: Settings, engine: AsyncEngine, people: People
) -> None:
    capped = settings.model_copy(update={"streams_per_user": 2, "streams_per_cooperative": 3})
    async with serving(capped, engine) as base:
        driver = await bearer(engine, settings, people.driver_user)
        token = driver["Authorization"].removeprefix("Bearer ")
        stream = f"{base}/api/v1/driver/messages/stream"
        socket_url = f"{base.replace('http', 'ws')}/api/v1/driver/messages/ws?token={token}"
        taps = [await tap_sse(stream, driver), await tap_socket(socket_url)]
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                refused = await http.get(stream, headers=driver)
                in_vietnamese = await http.get(stream, headers={**driver, "Accept-Language": "vi"})
            assert refused.status_code == 429
            assert "kết nối" in in_vietnamese.json()["message"]
            body = refused.json()
            assert body["error"] == "too_many_streams" and "per user" in body["message"]
            third = await tap_socket(socket_url)
            async with asyncio.timeout(3):
                await third.ended.wait()
            assert third.close_code == 4429

            office = await bearer(engine, settings, people.office_user)
            taps.append(await tap_sse(f"{base}/api/v1/events/stream", office))
            assert taps[-1].status == 200  # the cooperative's third
            other = await bearer(engine, settings, people.other_driver_user)
            async with httpx.AsyncClient(timeout=10) as http:
                full = await http.get(stream, headers=other)
            assert full.status_code == 429 and "per cooperative" in full.json()["message"]

            await taps.pop(0).stop()  # a stream closed frees its place

            async def admitted() -> Tap | None:
                tap = await tap_sse(stream, other)
                if tap.status == 200:
                    return tap
                await tap.stop()
                return None

            taps.append(await wait_until_async(admitted, timeout=5))
        finally:
            for tap in taps:
                await tap.stop()


async def test_without_its_listener_the_streams_read_at_the_recheck_pace(
    settings: Settings, engine: AsyncEngine, people: People
) -> None:
    """A LISTEN connection that cannot be opened (here: a port nobody listens on) does not
    leave streams deaf: they read at the re-check's pace, and live sessions stay open."""
    async with session_factory(engine)() as session:
        user = await session.get(User, people.driver_user)
        assert user is not None
        session_id = (await open_session(session, user, None, settings)).refresh_token.split(".")[0]
        await session.commit()
    deaf = settings.model_copy(
        update={
            "database_url": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere",
            "stream_recheck_seconds": 0.3,
        }
    )
    hub = StreamHub(deaf, session_factory(engine))
    hub.start()
    try:
        principal = Principal(
            people.driver_user, session_id, Role.DRIVER, people.coop, people.driver_id
        )
        subscription = hub.open(principal, (MESSAGES, people.coop, people.driver_id))
        async with asyncio.timeout(3):
            await subscription.wake.wait()
        assert not hub.listener.connected.is_set()
        assert not subscription.ended.is_set()
    finally:
        await hub.stop()


async def test_a_stopping_server_ends_its_streams_without_calling_it_a_sign_out(
    settings: Settings, engine: AsyncEngine, people: People
) -> None:
    hub = StreamHub(settings, session_factory(engine))
    hub.start()
    principal = Principal(people.driver_user, "x" * 32, Role.DRIVER, people.coop, people.driver_id)
    subscription = hub.open(principal, (MESSAGES, people.coop, people.driver_id))
    await hub.stop()
    assert subscription.ended.is_set() and subscription.close_code == CLOSE_GOING_AWAY


async def test_what_was_written_while_the_listener_reconnected_still_arrives(
    people: People, settings: Settings, engine: AsyncEngine
) -> None:
    """The listener's connection is killed in the transaction that writes a message, so its
    notification is lost; the re-read after the listener reconnects delivers it (the re-check,
    at 30 s here, is too slow to be what does)."""
    async with serving(settings, engine) as served:
        headers = await bearer(engine, settings, people.driver_user)
        tap = await tap_sse(f"{served}/api/v1/driver/messages/stream", headers)
        try:
            write_message(settings, people, OFFER)
            await tap.next()
            with psycopg.connect(settings.sync_database_url) as conn:  # one transaction
                conn.execute(
                    "INSERT INTO driver_messages (cooperative_id, driver_id, kind, payload)"
                    " VALUES (%s, %s, 'offer', %s)",
                    (people.coop, people.driver_id, json.dumps({**OFFER, "order_id": 3})),
                )
                killed = conn.execute(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
                    " FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = %s",
                    (APPLICATION_NAME,),
                ).fetchone()
                assert killed is not None and killed[0] == 1
            async with asyncio.timeout(5):
                assert (await tap.next())["payload"]["order_id"] == 3
        finally:
            await tap.stop()
