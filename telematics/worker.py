"""``coopfleet ingest``: MQTT → checks → PostGIS, acknowledging only what is committed.

Threads: paho's network loop only appends received messages to an inbox; the main thread takes
batches (by size or age), checks them, writes them in one transaction and then acknowledges every
message of the batch; a third LISTENs for vehicles whose device changed (``VehicleChanges``).
While the database is down the batch is retried and nothing is acknowledged; the broker stops
sending once its in-flight window is full, so memory stays bounded. A reconnect
starts a new *generation*: message ids of an older connection are never acknowledged (the broker
redelivers those messages, and the duplicates are ignored on insert).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from core.config import Settings
from telematics.checks import Checker, RawMessage, Rules, VehicleInfo
from telematics.contract import telemetry_subscriptions
from telematics.credentials import ingest_client_id, service_password
from telematics.store import PositionStore, connect, maintain_partitions

log = logging.getLogger("coopfleet.ingest")


@dataclass(frozen=True, slots=True)
class IngestConfig:
    dsn: str
    mqtt_host: str
    mqtt_port: int
    mqtt_username: str | None
    mqtt_password: str | None
    worker_id: str = field(default_factory=lambda: f"ingest-{socket.gethostname()}")
    batch_max_messages: int = 5000
    batch_max_seconds: float = 0.2
    subscriptions: tuple[str, ...] = field(default_factory=telemetry_subscriptions)
    stats_every_seconds: float = 5.0
    maintenance_every_seconds: float = 3600.0
    partitions_ahead_days: int = 7
    retention_days: int = 400
    unknown_vehicle_ttl_seconds: float = 60.0
    rules: Rules = field(default_factory=Rules)
    client_id_key: str = ""  # keys the MQTT client id; config_from_settings: the secret key

    @property
    def mqtt_client_id(self) -> str:
        """``worker_id`` names the worker (in ``/metrics``); the broker sees an unguessable id."""
        if not self.client_id_key:
            return self.worker_id
        return ingest_client_id(self.client_id_key, self.worker_id)


@dataclass(slots=True)
class Received:
    topic: str
    payload: bytes
    received_at: float
    mid: int
    qos: int
    generation: int


@dataclass(slots=True)
class Stats:
    messages: int = 0
    written: int = 0
    duplicates: int = 0
    dead: int = 0
    batches: int = 0
    last_batch_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class VehicleDirectory:
    """Vehicle id → cooperative and device, loaded once, read again on a miss and for every
    vehicle ``VehicleChanges`` names (its device, status or cooperative changed)."""

    def __init__(self, store: PositionStore, unknown_ttl: float) -> None:
        self.store = store
        self.known: dict[int, VehicleInfo] = store.vehicles()
        self.unknown_until: dict[int, float] = {}
        self.unknown_ttl = unknown_ttl

    def forget(self, changed: set[int] | None) -> None:
        """Read these vehicles again at their next message; None: all of them, now."""
        if changed is None:
            self.known = self.store.vehicles()
            self.unknown_until.clear()
            return
        for vehicle_id in changed:
            self.known.pop(vehicle_id, None)
            self.unknown_until.pop(vehicle_id, None)

    def lookup(self, vehicle_id: int) -> VehicleInfo | None:
        info = self.known.get(vehicle_id)
        if info is not None:
            return info
        if self.unknown_until.get(vehicle_id, 0.0) > time.monotonic():
            return None
        info = self.store.vehicle(vehicle_id)
        if info is None:
            self.unknown_until[vehicle_id] = time.monotonic() + self.unknown_ttl
        else:
            self.known[vehicle_id] = info
        return info


class VehicleChanges:
    """The vehicles migration 0019's trigger names on ``coopfleet_vehicles``, heard on a
    connection of its own in a thread; the main thread takes them before checking each batch,
    so a device moved to another vehicle (or a vehicle deleted) is followed within a second.
    After every (re)connection everything counts as changed: a notification may have been
    missed meanwhile."""

    CHANNEL = "coopfleet_vehicles"

    def __init__(self, dsn: str, stopping: threading.Event) -> None:
        self.dsn = dsn
        self.stopping = stopping
        self.heard: deque[str] = deque()
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="vehicle-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {self.CHANNEL}")
                    self.heard.append("*")
                    self.listening.set()
                    while not self.stopping.is_set():
                        for notification in conn.notifies(timeout=1.0):
                            self.heard.append(notification.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("vehicle changes not heard (%s); retrying", exc)
                self.stopping.wait(2.0)

    def take(self) -> set[int] | None:
        """The vehicles changed since the last call (empty: none); None: assume all."""
        changed: set[int] = set()
        while self.heard:
            payload = self.heard.popleft()
            if payload == "*":
                self.heard.clear()
                return None
            changed.update(int(part) for part in payload.split(",") if part.isdigit())
        return changed


class IngestWorker:
    def __init__(self, config: IngestConfig) -> None:
        self.config = config
        self.inbox: deque[Received] = deque()
        self.generation = 0
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.stats = Stats()
        self.started_at = datetime.now(UTC)
        self._store: PositionStore | None = None
        self._checker: Checker | None = None
        self._directory: VehicleDirectory | None = None
        self.vehicle_changes = VehicleChanges(config.dsn, self.stopping)
        self.client = self._make_client()

    # --- MQTT side (paho's thread) -----------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.config.mqtt_client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self.config.mqtt_username:
            client.username_pw_set(self.config.mqtt_username, self.config.mqtt_password)
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        self.generation += 1
        client.subscribe([(topic_filter, 1) for topic_filter in self.config.subscriptions])
        self.connected.set()
        log.info(
            "connected to MQTT (generation %d), subscribed to %s",
            self.generation,
            ", ".join(self.config.subscriptions),
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        self.inbox.append(
            Received(msg.topic, bytes(msg.payload), time.time(), msg.mid, msg.qos, self.generation)
        )

    # --- database side (main thread) ---------------------------------------------------------

    def _open_store(self) -> PositionStore:
        if self._store is None:
            store = PositionStore(connect(self.config.dsn))
            heard_before = len(self.vehicle_changes.heard)  # older than the read below
            directory = VehicleDirectory(store, self.config.unknown_vehicle_ttl_seconds)
            for _ in range(heard_before):
                self.vehicle_changes.heard.popleft()
            if self._checker is None:
                self._checker = Checker(self.config.rules, directory.lookup)
                for vehicle_id, fix in store.last_fixes().items():
                    self._checker.remember(vehicle_id, fix)
            else:
                self._checker.lookup = directory.lookup
            self._store, self._directory = store, directory
        return self._store

    def _drop_store(self) -> None:
        if self._store is not None:
            with contextlib.suppress(psycopg.Error):
                self._store.conn.close()
        self._store = None

    def _take_batch(self) -> list[Received]:
        """Wait until a batch is full or old enough, then take it from the inbox."""
        deadline = None
        while not self.stopping.is_set():
            size = len(self.inbox)
            if size >= self.config.batch_max_messages:
                break
            if size:
                if deadline is None:
                    deadline = time.monotonic() + self.config.batch_max_seconds
                elif time.monotonic() >= deadline:
                    break
            time.sleep(0.005)
        count = min(len(self.inbox), self.config.batch_max_messages)
        return [self.inbox.popleft() for _ in range(count)]

    def _store_batch(self, batch: list[Received]) -> None:
        """Check and write one batch, retrying until the database takes it (or we stop)."""
        delay = 0.5
        while True:
            try:
                self._write(batch)
                return
            except psycopg.OperationalError as exc:
                log.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                self._drop_store()
                if self.stopping.wait(delay):
                    return  # not acknowledged: the broker will redeliver
                delay = min(delay * 2, 5.0)

    def _write(self, batch: list[Received]) -> None:
        store = self._open_store()
        assert self._checker is not None and self._directory is not None
        started = time.monotonic()
        changed = self.vehicle_changes.take()
        try:
            self._directory.forget(changed)
        except psycopg.Error:
            self.vehicle_changes.heard.appendleft("*")  # read them all at the next try
            raise
        messages = [
            RawMessage(r.topic, r.payload, datetime.fromtimestamp(r.received_at, UTC))
            for r in batch
        ]
        checked = self._checker.check(messages, datetime.now(UTC))
        written = store.write(checked.rows, checked.dead)
        committed = time.time()
        for received in batch:
            if received.qos and received.generation == self.generation:
                self.client.ack(received.mid, received.qos)
        stats = self.stats
        stats.messages += len(batch)
        stats.written += written.inserted
        stats.duplicates += len(checked.rows) - written.inserted
        stats.dead += written.dead
        stats.batches += 1
        stats.last_batch_seconds = time.monotonic() - started
        stats.latencies_ms.extend(
            (committed - row[2].timestamp()) * 1000 for row in checked.rows[:2000]
        )

    def _report(self) -> None:
        """Upsert this worker's counters for the API's /metrics; never blocks ingestion."""
        if self._store is None:
            return
        s = self.stats
        try:
            with self._store.conn.transaction():
                self._store.conn.execute(
                    """
                    INSERT INTO ingest_workers AS w (worker_id, started_at, updated_at,
                        messages_received, positions_written, duplicates, dead_letters, batches,
                        last_batch_seconds, latency_p50_ms, latency_p99_ms, backlog)
                    VALUES (%s, %s, now(), %s, %s, %s, %s, %s, %s, %s, %s, %s)
                    ON CONFLICT (worker_id) DO UPDATE SET updated_at = now(),
                        started_at = EXCLUDED.started_at,
                        messages_received = EXCLUDED.messages_received,
                        positions_written = EXCLUDED.positions_written,
                        duplicates = EXCLUDED.duplicates, dead_letters = EXCLUDED.dead_letters,
                        batches = EXCLUDED.batches,
                        last_batch_seconds = EXCLUDED.last_batch_seconds,
                        latency_p50_ms = EXCLUDED.latency_p50_ms,
                        latency_p99_ms = EXCLUDED.latency_p99_ms, backlog = EXCLUDED.backlog
                    """,
                    (
                        self.config.worker_id,
                        self.started_at,
                        s.messages,
                        s.written,
                        s.duplicates,
                        s.dead,
                        s.batches,
                        s.last_batch_seconds,
                        s.percentile(0.5),
                        s.percentile(0.99),
                        len(self.inbox),
                    ),
                )
        except psycopg.Error as exc:
            log.warning("could not report worker stats: %s", exc)
            self._drop_store()
        s.latencies_ms.clear()

    def run(self) -> None:
        """Ingest until ``stop()``; then store what was received and disconnect."""
        self.vehicle_changes.start()
        self.client.connect_async(self.config.mqtt_host, self.config.mqtt_port, keepalive=30)
        self.client.loop_start()
        next_report = time.monotonic() + self.config.stats_every_seconds
        next_maintenance = 0.0
        try:
            while not self.stopping.is_set():
                if time.monotonic() >= next_maintenance:
                    pause = self.config.maintenance_every_seconds if self._maintain() else 30.0
                    next_maintenance = time.monotonic() + pause
                batch = self._take_batch()
                if batch:
                    self._store_batch(batch)
                if time.monotonic() >= next_report:
                    self._report()
                    next_report = time.monotonic() + self.config.stats_every_seconds
            self._drain()
            self._report()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self._drop_store()

    def _maintain(self) -> bool:
        """Partitions for the days ahead exist; days past the retention are dropped whole."""
        try:
            store = self._open_store()
            created, dropped = maintain_partitions(
                store.conn,
                today=datetime.now(UTC).date(),
                ahead_days=self.config.partitions_ahead_days,
                retention_days=self.config.retention_days,
            )
            store.partitions.update(created)
            store.partitions.difference_update(dropped)
            if created or dropped:
                log.info("partitions: created %s, dropped %s", created, dropped)
        except psycopg.Error as exc:
            log.warning("partition maintenance failed (%s); retrying in 30 s", exc)
            self._drop_store()
            return False
        return True

    def _drain(self) -> None:
        """At stop, store what already arrived, one attempt: what is not stored is not acked."""
        while self.inbox:
            count = min(len(self.inbox), self.config.batch_max_messages)
            batch = [self.inbox.popleft() for _ in range(count)]
            try:
                self._write(batch)
            except psycopg.OperationalError as exc:
                log.warning("stopping with %d messages unstored (%s)", len(self.inbox), exc)
                return

    def stop(self) -> None:
        self.stopping.set()


def config_from_settings(
    settings: Settings,
    worker_id: str | None = None,
    subscriptions: tuple[str, ...] | None = None,
) -> IngestConfig:
    config = IngestConfig(
        dsn=settings.sync_database_url,
        mqtt_host=settings.mqtt_host,
        mqtt_port=settings.mqtt_port,
        mqtt_username=settings.mqtt_ingest_username,
        mqtt_password=settings.mqtt_ingest_password
        or service_password(settings.secret_key, settings.mqtt_ingest_username),
        batch_max_messages=settings.ingest_batch_max_messages,
        batch_max_seconds=settings.ingest_batch_max_ms / 1000,
        partitions_ahead_days=settings.positions_partitions_ahead_days,
        retention_days=settings.positions_retention_days,
        rules=Rules(retention=timedelta(days=settings.positions_retention_days)),
        client_id_key=settings.secret_key,
    )
    if subscriptions:
        config = replace(config, subscriptions=subscriptions)
    return replace(config, worker_id=worker_id) if worker_id else config


def run_worker(
    settings: Settings,
    worker_id: str | None = None,
    subscriptions: tuple[str, ...] | None = None,
) -> None:
    """Run one worker until SIGTERM or SIGINT, then drain and exit."""
    worker = IngestWorker(config_from_settings(settings, worker_id, subscriptions))
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
