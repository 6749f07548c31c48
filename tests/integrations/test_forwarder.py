"""Position forwarders against real receivers: a local HTTP server and a private Mosquitto.

Positions go through the ingest worker's write path (``telematics.store``) and are committed;
the forwarder's worker step (``telematics.forward.drain``) reads what those transactions
marked and sends it. Nothing here mocks the database, the server or the broker.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import psycopg
import pytest
import pytest_asyncio
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.config import Settings
from core.db import session_factory
from devtools.apps import committed_app, committed_bearer
from devtools.broker import LocalBroker
from devtools.processes import start_job_worker
from telematics.forward import drain, thin
from telematics.store import PositionStore, connect
from tests.conftest import CoopWorld
from tests.waiting import wait_until

RECEIVER_CONF = Path(__file__).with_name("receiver_mosquitto.conf")
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """A local HTTP endpoint keeping every JSON body; ``down`` makes it answer 503."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False

    def positions(self) -> list[tuple[int, str]]:
        return [
            (p["vehicle_id"], p["device_time"]) for body in self.bodies for p in body["positions"]
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.down:
                self.send_response(503)
                self.end_headers()
                return
            state.bodies.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/positions"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Fleet:
    dsn: str
    coop_id: int
    vehicle_ids: list[int]

    def store(self, vehicle_id: int, seconds: list[int]) -> None:
        """One batch, as the ingest worker stores it (and marks it in the same transaction)."""
        rows = [
            (self.coop_id, vehicle_id, T0 + timedelta(seconds=s), datetime.now(UTC),
             106.8 + s / 10_000, 10.95, 40.0, 90, None, None, None, True, 1000 * s, None, None)
            for s in seconds
        ]  # fmt: skip
        with connect(self.dsn) as conn:
            PositionStore(conn).write(rows, [])

    def forwarder(self, url: str, *, every_s: int = 0, topic: str | None = None) -> int:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute(
                "INSERT INTO position_forwarders (cooperative_id, name, url, topic, every_s)"
                " VALUES (%s, 'Sở GTVT', %s, %s, %s) RETURNING id",
                (self.coop_id, url, topic, every_s),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def waiting(self, forwarder_id: int) -> int:
        with psycopg.connect(self.dsn) as conn:
            row = conn.execute(
                "SELECT count(*) FROM position_forward_marks WHERE forwarder_id = %s",
                (forwarder_id,),
            ).fetchone()
        return int(row[0]) if row else 0

    def state(self, forwarder_id: int) -> dict[str, Any]:
        with psycopg.connect(self.dsn) as conn:
            cursor = conn.execute(
                "SELECT failures, last_error, retry_at, sent_count FROM position_forwarders"
                " WHERE id = %s",
                (forwarder_id,),
            )
            names = [d.name for d in cursor.description or []]
            row = cursor.fetchone()
        assert row is not None
        return dict(zip(names, row, strict=True))

    def retry_now(self, forwarder_id: int) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(
                "UPDATE position_forwarders SET retry_at = NULL WHERE id = %s", (forwarder_id,)
            )


@pytest.fixture
def fleet(settings: Settings) -> Iterator[Fleet]:
    """A committed cooperative with two vehicles; removed with its positions afterwards."""
    dsn = settings.sync_database_url
    tag = random.randrange(10**8)
    with psycopg.connect(dsn, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX chuyển tiếp {tag}", f"38{tag:08d}"),
        ).fetchone()[0]  # type: ignore[index]
        vehicles = [
            conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind)"
                " VALUES (%s, %s, %s, 'truck') RETURNING id",
                (coop, f"60C-{tag % 1000:03d}.{n:02d}", f"60C{tag % 1000:03d}{n:02d}"),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(2)
        ]
    yield Fleet(dsn, coop, vehicles)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (coop,))
        conn.execute("DELETE FROM derive_marks WHERE cooperative_id = %s", (coop,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop,))


async def test_every_stored_position_reaches_the_http_receiver_once(
    engine: AsyncEngine, fleet: Fleet, receiver: Receiver
) -> None:
    forwarder = fleet.forwarder(receiver.url)
    first, second = fleet.vehicle_ids
    fleet.store(first, [0, 5, 10])
    fleet.store(second, [0, 5])
    fleet.store(first, [10, 15])  # 10 again: a redelivered message, stored once
    fleet.store(first, [2])  # late: arrives after 15, still forwarded
    outcome = await drain(session_factory(engine), allow_private=True)
    assert outcome.sent == 7 and not outcome.failed
    body = receiver.bodies[0]
    assert body["version"] == 1 and body["cooperative_id"] == fleet.coop_id
    sample = body["positions"][0]
    assert {"vehicle_id", "plate", "device_time", "lon", "lat", "speed_kmh"} <= set(sample)
    expected = [(first, s) for s in (0, 5, 10, 15, 2)] + [(second, s) for s in (0, 5)]
    sent = receiver.positions()
    assert sorted(sent) == sorted((v, (T0 + timedelta(seconds=s)).isoformat()) for v, s in expected)
    assert fleet.waiting(forwarder) == 0
    again = await drain(session_factory(engine), allow_private=True)
    assert again.sent == 0 and len(receiver.positions()) == 7


async def test_one_position_every_n_seconds_per_vehicle(
    engine: AsyncEngine, fleet: Fleet, receiver: Receiver
) -> None:
    fleet.forwarder(receiver.url, every_s=10)
    first, second = fleet.vehicle_ids
    fleet.store(first, list(range(0, 25)))  # 1 Hz for 25 s
    fleet.store(second, [0, 3])
    fleet.store(first, [25, 31])  # next batch continues from the last one sent (20)
    outcome = await drain(session_factory(engine), allow_private=True)
    kept = sorted(receiver.positions())
    times = {v: [t for vv, t in kept if vv == v] for v in (first, second)}
    assert times[first] == [(T0 + timedelta(seconds=s)).isoformat() for s in (0, 10, 20, 31)]
    assert times[second] == [T0.isoformat()]
    assert outcome.sent == 5 and outcome.skipped == 25 + 2 + 2 - 5


async def test_a_receiver_that_is_down_gets_everything_once_it_is_back(
    engine: AsyncEngine, fleet: Fleet, receiver: Receiver
) -> None:
    forwarder = fleet.forwarder(receiver.url)
    vehicle = fleet.vehicle_ids[0]
    receiver.down = True
    fleet.store(vehicle, [0, 1, 2])
    failed = await drain(session_factory(engine), allow_private=True)
    assert failed.failed == [forwarder] and failed.sent == 0
    state = fleet.state(forwarder)
    assert state["failures"] == 1 and "503" in state["last_error"] and state["retry_at"]
    fleet.store(vehicle, [3, 4])  # more comes while it is down
    backing_off = await drain(session_factory(engine), allow_private=True)
    assert backing_off.sent == 0 and not backing_off.failed  # not retried before retry_at
    receiver.down = False
    fleet.retry_now(forwarder)
    back = await drain(session_factory(engine), allow_private=True)
    assert back.sent == 5
    assert sorted(t for _, t in receiver.positions()) == [
        (T0 + timedelta(seconds=s)).isoformat() for s in range(5)
    ]
    assert fleet.state(forwarder)["failures"] == 0 and fleet.waiting(forwarder) == 0


async def test_positions_of_other_cooperatives_are_never_forwarded(
    engine: AsyncEngine, fleet: Fleet, receiver: Receiver, settings: Settings
) -> None:
    fleet.forwarder(receiver.url)
    with psycopg.connect(fleet.dsn, autocommit=True) as conn:
        other = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX khác', %s) RETURNING id",
            (f"37{random.randrange(10**8):08d}",),
        ).fetchone()[0]  # type: ignore[index]
    try:
        Fleet(fleet.dsn, other, fleet.vehicle_ids).store(fleet.vehicle_ids[1], [40])
        fleet.store(fleet.vehicle_ids[0], [0])
        await drain(session_factory(engine), allow_private=True)
        assert [v for v, _ in receiver.positions()] == [fleet.vehicle_ids[0]]
    finally:
        with psycopg.connect(fleet.dsn, autocommit=True) as conn:
            conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (other,))
            conn.execute("DELETE FROM derive_marks WHERE cooperative_id = %s", (other,))
            conn.execute("DELETE FROM cooperatives WHERE id = %s", (other,))


@pytest.fixture(scope="module")
def receiving_broker() -> Iterator[LocalBroker]:
    directory = Path(tempfile.mkdtemp(prefix="coopfleet-forward-"))
    broker = LocalBroker(directory, template=RECEIVER_CONF)
    broker.start()
    yield broker
    broker.stop()
    shutil.rmtree(directory, ignore_errors=True)


async def test_positions_reach_a_private_mosquitto_as_qos1_messages(
    engine: AsyncEngine, fleet: Fleet, receiving_broker: LocalBroker
) -> None:
    received: list[tuple[str, dict[str, Any]]] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="authority")
    client.on_connect = lambda c, *_: c.subscribe("htx/#", qos=1)
    client.on_subscribe = lambda *_: subscribed.set()
    client.on_message = lambda c, u, m: received.append((m.topic, json.loads(m.payload)))
    client.connect("127.0.0.1", receiving_broker.port)
    client.loop_start()
    try:
        wait_until(subscribed.is_set, timeout=10, what="the authority's SUBACK")
        url = f"mqtt://forwarder:unused@127.0.0.1:{receiving_broker.port}"
        fleet.forwarder(url, topic="htx/{vehicle_id}/position")
        vehicle = fleet.vehicle_ids[0]
        fleet.store(vehicle, [0, 1, 2])
        outcome = await drain(session_factory(engine), allow_private=True)
        assert outcome.sent == 3
        wait_until(lambda: len(received) == 3, timeout=10, what="3 messages at the authority")
        assert {topic for topic, _ in received} == {f"htx/{vehicle}/position"}
        assert [m["device_time"] for _, m in received] == [
            (T0 + timedelta(seconds=s)).isoformat() for s in range(3)
        ]
        assert all(m["version"] == 1 and m["cooperative_id"] == fleet.coop_id for _, m in received)
    finally:
        client.loop_stop()
        client.disconnect()


async def test_a_broker_that_refuses_leaves_the_positions_waiting(
    engine: AsyncEngine, fleet: Fleet
) -> None:
    with tempfile.TemporaryDirectory() as nowhere:
        closed_port = LocalBroker(Path(nowhere)).port  # a free port nobody listens on
    forwarder = fleet.forwarder(f"mqtt://127.0.0.1:{closed_port}", topic="x/{plate}")
    fleet.store(fleet.vehicle_ids[0], [0])
    outcome = await drain(session_factory(engine), allow_private=True)
    assert outcome.failed == [forwarder]
    assert fleet.waiting(forwarder) == 1 and "MQTT" in fleet.state(forwarder)["last_error"]


def test_thinning_keeps_the_first_and_then_one_per_interval() -> None:
    rows = [{"vehicle_id": 1, "device_time": T0 + timedelta(seconds=s)} for s in (0, 4, 9, 12)]
    kept, newest = thin(rows, 5, {1: T0 - timedelta(seconds=2)})
    assert [r["device_time"] for r in kept] == [T0 + timedelta(seconds=s) for s in (4, 9)]
    assert newest == {1: T0 + timedelta(seconds=9)}
    everything, _ = thin(rows, 0, {1: T0 + timedelta(hours=1)})
    assert everything == rows


# ---- the admin's routes ---------------------------------------------------------------------


@pytest_asyncio.fixture
async def committed_admin(
    engine: AsyncEngine, settings: Settings, fleet: Fleet
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    headers = await committed_bearer(
        engine,
        settings,
        cooperative_id=fleet.coop_id,
        role="admin",
        login=f"admin{fleet.coop_id}@htx.vn",
    )
    open_settings = settings.model_copy(update={"webhooks_allow_private": True})
    transport = httpx.ASGITransport(app=committed_app(open_settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        yield api, headers


async def test_admin_creates_a_forwarder_and_sees_what_it_sent(
    engine: AsyncEngine,
    fleet: Fleet,
    receiver: Receiver,
    committed_admin: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    api, headers = committed_admin
    created = await api.post(
        "/api/v1/position-forwarders",
        json={"name": "Sở GTVT", "url": receiver.url, "every_s": 0},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    fleet.store(fleet.vehicle_ids[0], [0, 1])
    waiting = (await api.get(f"/api/v1/position-forwarders/{ident}", headers=headers)).json()
    assert waiting["waiting"] == 1
    await drain(session_factory(engine), allow_private=True)
    sent = (await api.get(f"/api/v1/position-forwarders/{ident}", headers=headers)).json()
    assert sent["sent_count"] == 2 and sent["waiting"] == 0 and sent["last_sent_at"]
    paused = await api.patch(
        f"/api/v1/position-forwarders/{ident}", json={"enabled": False}, headers=headers
    )
    assert paused.status_code == 200 and paused.json()["enabled"] is False
    fleet.store(fleet.vehicle_ids[0], [2])  # stored while disabled: not marked
    assert fleet.waiting(ident) == 0
    mqtt_one = await api.post(
        "/api/v1/position-forwarders",
        json={"name": "MQTT", "url": "mqtt://htx:bí-mật@127.0.0.1:1999", "topic": "a/{plate}"},
        headers=headers,
    )
    assert mqtt_one.status_code == 201 and "bí-mật" not in mqtt_one.text
    deleted = await api.delete(f"/api/v1/position-forwarders/{ident}", headers=headers)
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    ("url", "field", "status"),
    [
        ("http://127.0.0.1:8080/x", "url", 400),  # loopback: SSRF rules
        ("http://10.1.2.3/x", "url", 400),
        ("http://169.254.169.254/latest/meta-data", "url", 400),  # cloud metadata
        ("ftp://example.com/x", "url", 422),
        ("http:///nohost", "url", 422),
        ("http://" + "a" * 64 + ".vn/x", "url", 400),  # a label DNS cannot carry: no 500
        ("http://[::ffff:127.0.0.1]/x", "url", 400),  # loopback in IPv6 clothing
    ],
)
async def test_private_and_malformed_targets_are_refused(
    client: httpx.AsyncClient, coop_a: CoopWorld, url: str, field: str, status: int
) -> None:
    answer = await client.post(
        "/api/v1/position-forwarders",
        json={"name": "x", "url": url},
        headers=coop_a.admin.headers,
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field


async def test_forwarders_are_the_admins_and_their_cooperatives_own(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    for role in ("dispatcher", "director", "driver"):
        listed = await client.get(
            "/api/v1/position-forwarders", headers=coop_a.by_role(role).headers
        )
        assert listed.status_code == 403
    theirs = await session.scalar(
        text(
            "INSERT INTO position_forwarders (cooperative_id, name, url)"
            " VALUES (:coop, 'x', 'https://example.com/') RETURNING id"
        ),
        {"coop": coop_b.coop.id},
    )
    await session.commit()
    headers = coop_a.admin.headers
    path = f"/api/v1/position-forwarders/{theirs}"
    assert (await client.get(path, headers=headers)).status_code == 404
    assert (await client.patch(path, json={"every_s": 5}, headers=headers)).status_code == 404
    assert (await client.delete(path, headers=headers)).status_code == 404
    assert (await client.get("/api/v1/position-forwarders", headers=headers)).json() == []
    assert (
        len((await client.get("/api/v1/position-forwarders", headers=coop_b.admin.headers)).json())
        == 1
    )


@pytest.mark.slow
async def test_the_job_worker_forwards_on_its_own(
    settings: Settings, fleet: Fleet, receiver: Receiver
) -> None:
    """``coopfleet worker`` as its own process: its 2-second schedule sends what is stored."""
    fleet.forwarder(receiver.url)
    worker = start_job_worker(
        settings.database_url,
        settings.secret_key,
        environment="test",
        webhooks_allow_private="true",  # the receiver listens on 127.0.0.1
    )
    try:
        fleet.store(fleet.vehicle_ids[0], [0, 1, 2])
        fleet.store(fleet.vehicle_ids[1], [0])
        wait_until(lambda: len(receiver.positions()) == 4, timeout=60, what="4 positions sent")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
