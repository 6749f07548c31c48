"""Fixtures for ingestion tests: committed rows (the worker has its own connections), a real
Mosquitto, and a worker running in a thread on a subscription private to the test."""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.config import Settings
from devtools.broker import LocalBroker
from telematics.contract import telemetry_subscriptions, telemetry_topic
from telematics.credentials import device_password, device_username, write_password_file
from telematics.worker import IngestConfig, IngestWorker, config_from_settings
from tests.waiting import wait_until


@dataclass
class Fleet:
    """A committed cooperative with vehicles, removed with all its telemetry afterwards."""

    coop_id: int
    vehicle_ids: list[int]
    device_ids: dict[int, str] = field(default_factory=dict)

    @property
    def foreign_coop_id(self) -> int:
        """A cooperative id no row has: its topics carry this fleet's vehicles by mistake."""
        return self.coop_id + 1_000_000

    def topic(self, index: int = 0) -> str:
        return telemetry_topic(self.coop_id, self.vehicle_ids[index])


UNKNOWN_VEHICLE_ID = 999_999_999


def _dsn(settings: Settings) -> str:
    return settings.sync_database_url


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """A private Mosquitto running the project's own configuration (auth, ACL, persistence).

    Its directory is not under pytest's tmp_path: Mosquitto drops root privileges and could
    not reach a directory inside pytest's private (0700) one.
    """
    directory = Path(tempfile.mkdtemp(prefix="coopfleet-mqtt-"))
    running = LocalBroker(directory)
    running.start()
    yield running
    running.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(settings: Settings, broker: LocalBroker) -> Settings:
    """The suite's settings, pointed at the private broker (both of its listeners)."""
    return settings.model_copy(
        update={
            "mqtt_host": "127.0.0.1",
            "mqtt_port": broker.port,
            "mqtt_device_port": broker.device_port,
        }
    )


@pytest.fixture
def fleet(settings: Settings, broker: LocalBroker) -> Iterator[Fleet]:
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(_dsn(settings), autocommit=True) as conn:
        coop_id = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX ingest {tag}", f"{int(tag, 16) % 10**10:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        vehicle_ids, devices = [], {}
        for n in range(3):
            device = f"DEV-{tag}-{n}"
            vid = conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind, payload_kg,"
                " tracking_device_id) VALUES (%s, %s, %s, 'truck', 5000, %s) RETURNING id",
                (coop_id, f"60C-{n:03d}.{int(tag[:2], 16) % 100:02d}", f"60C{n}", device),
            ).fetchone()[0]  # type: ignore[index]
            vehicle_ids.append(vid)
            devices[vid] = device
    # accounts for the fleet, plus a vehicle id that exists only at the broker
    write_password_file(
        broker.password_file, settings.secret_key, [*vehicle_ids, UNKNOWN_VEHICLE_ID]
    )
    broker.reload()
    yield Fleet(coop_id, vehicle_ids, devices)
    with psycopg.connect(_dsn(settings), autocommit=True) as conn:
        conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (coop_id,))
        conn.execute("DELETE FROM derive_marks WHERE cooperative_id = %s", (coop_id,))
        conn.execute(
            "DELETE FROM dead_letters WHERE cooperative_id = %s OR topic LIKE %s",
            (coop_id, f"%/{coop_id}/%"),
        )
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop_id,))


def private_config(settings: Settings, fleet: Fleet, **overrides: object) -> IngestConfig:
    """A worker config whose shared subscription sees only this test's cooperative (and the
    made-up cooperative ``fleet.foreign_coop_id`` that the topic-mismatch case publishes to)."""
    group = f"test{uuid.uuid4().hex[:8]}"
    base = config_from_settings(settings, worker_id=f"ingest-{group}")
    filters = telemetry_subscriptions(group, [fleet.coop_id, fleet.foreign_coop_id])
    config = replace(base, subscriptions=filters, batch_max_seconds=0.05, stats_every_seconds=0.5)
    return replace(config, **overrides)  # type: ignore[arg-type]


wait_for = wait_until  # the name the telematics tests know it by


@dataclass
class RunningWorker:
    worker: IngestWorker
    thread: threading.Thread

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the worker did not stop"


def start_worker(config: IngestConfig) -> RunningWorker:
    """A worker in a thread, returned once the broker has acknowledged its subscriptions."""
    worker = IngestWorker(config)
    subscribed = threading.Event()  # the worker subscribes from on_connect; the SUBACK is here
    worker.client.on_subscribe = lambda *args: subscribed.set()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.connected.wait(10), "worker could not connect to MQTT"
    assert subscribed.wait(10), "the broker did not acknowledge the worker's subscriptions"
    return RunningWorker(worker, thread)


@pytest.fixture
def worker(settings: Settings, fleet: Fleet) -> Iterator[RunningWorker]:
    running = start_worker(private_config(settings, fleet))
    yield running
    running.stop()


def device_client(settings: Settings, vehicle_id: int, password: str | None = None) -> mqtt.Client:
    """A connected MQTT client signed in as a vehicle, as a device would be (on the devices'
    listener, where the broker makes the client id the vehicle id whatever it is sent)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:8]}")
    client.username_pw_set(
        device_username(vehicle_id), password or device_password(settings.secret_key, vehicle_id)
    )
    client.connect(settings.mqtt_host, settings.mqtt_device_port)
    client.loop_start()
    return client


@pytest.fixture
def publisher(settings: Settings) -> Iterator[Callable[[str, bytes], None]]:
    """Publish with QoS 1 as the vehicle the topic names, and wait for the broker's PUBACK."""
    clients: dict[int, mqtt.Client] = {}

    def publish(topic: str, payload: bytes) -> None:
        vehicle_id = int(topic.split("/")[3])
        if vehicle_id not in clients:
            clients[vehicle_id] = device_client(settings, vehicle_id)
        info = clients[vehicle_id].publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=10)
        assert info.is_published()

    yield publish
    for client in clients.values():
        client.disconnect()
        client.loop_stop()


def count(settings: Settings, sql: str, *params: object) -> int:
    with psycopg.connect(_dsn(settings)) as conn:
        row = conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0
