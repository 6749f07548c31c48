"""Fixtures for ingestion tests: committed rows (the worker has its own connections), a real
Mosquitto, and a worker running in a thread on a subscription private to the test."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.config import Settings
from telematics.contract import telemetry_subscriptions, telemetry_topic
from telematics.worker import IngestConfig, IngestWorker, config_from_settings


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


def _dsn(settings: Settings) -> str:
    return settings.sync_database_url


@pytest.fixture
def fleet(settings: Settings) -> Iterator[Fleet]:
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
    yield Fleet(coop_id, vehicle_ids, devices)
    with psycopg.connect(_dsn(settings), autocommit=True) as conn:
        conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (coop_id,))
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


@dataclass
class RunningWorker:
    worker: IngestWorker
    thread: threading.Thread

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the worker did not stop"


def start_worker(config: IngestConfig) -> RunningWorker:
    worker = IngestWorker(config)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.connected.wait(10), "worker could not connect to MQTT"
    time.sleep(0.2)  # the SUBSCRIBE is sent from on_connect
    return RunningWorker(worker, thread)


@pytest.fixture
def worker(settings: Settings, fleet: Fleet) -> Iterator[RunningWorker]:
    running = start_worker(private_config(settings, fleet))
    yield running
    running.stop()


@pytest.fixture
def publisher(settings: Settings) -> Iterator[Callable[[str, bytes], None]]:
    """Publish with QoS 1 and wait for the broker's PUBACK."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.loop_start()

    def publish(topic: str, payload: bytes) -> None:
        info = client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=10)
        assert info.is_published()

    yield publish
    client.disconnect()
    client.loop_stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def count(settings: Settings, sql: str, *params: object) -> int:
    with psycopg.connect(_dsn(settings)) as conn:
        row = conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0
