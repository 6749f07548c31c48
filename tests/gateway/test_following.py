"""The gateway and the ingest workers follow the vehicles table while devices send (migration
0019's NOTIFY), close silent devices, and list every device they hear, bound or not."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import psycopg

from core.config import Settings
from devtools.broker import LocalBroker
from tests.gateway import frames
from tests.gateway.conftest import RunningGateway, start_gateway
from tests.gateway.test_gateway import closed, dead_letters, metrics, recent, recv_exactly, rows
from tests.telematics.conftest import Fleet, RunningWorker, wait_for

Devices = dict[str, tuple[int, str]]


class Tracker:
    """A GT06 tracker on one connection: each fix is followed by a heartbeat, whose answer says
    the fix is with the broker (the gateway answers after publishing what came before)."""

    def __init__(self, sock: socket.socket, imei: str, start: datetime | None = None) -> None:
        self.sock = sock
        self.serials = itertools.count(1)
        self.start = start or recent()
        self.sent = 0
        sock.sendall(frames.gt06_login(imei, next(self.serials)))
        assert recv_exactly(sock, 10)[3] == 0x01

    def send(self) -> None:
        when = (self.start + timedelta(seconds=self.sent)).replace(tzinfo=None)  # UTC clock
        lon = 106.84 + self.sent / 100_000
        gps = frames.gt06_gps(when, 10.95, lon, 30, 90, next(self.serials))
        heartbeat = next(self.serials)
        self.sock.sendall(gps + frames.gt06_status(heartbeat))
        assert recv_exactly(self.sock, 10) == frames.gt06_packet(0x13, b"", heartbeat)
        self.sent += 1


def set_devices(settings: Settings, *changes: tuple[int, str | None]) -> None:
    """(vehicle id, tracking device id) in one transaction (an id is unique per cooperative)."""
    with psycopg.connect(settings.sync_database_url) as conn:
        for vehicle_id, device in changes:
            conn.execute(
                "UPDATE vehicles SET tracking_device_id = %s WHERE id = %s", (device, vehicle_id)
            )


def test_a_device_moved_to_another_vehicle_lands_there_while_it_sends(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    old_vehicle, imei = devices["gt06"]
    new_vehicle, _ = devices["osmand"]  # a phone until now: its own device id in the cache
    with gateway.connect(gateway.gt06_port) as sock:
        tracker = Tracker(sock, imei)
        tracker.send()
        wait_for(lambda: len(rows(settings, old_vehicle)) == 1, what="the first fix on the old")
        set_devices(settings, (old_vehicle, None), (new_vehicle, imei))
        moved = time.monotonic()

        def landed_on_new() -> bool:
            tracker.send()  # the tracker goes on sending on the same connection
            time.sleep(0.2)
            return bool(rows(settings, new_vehicle))

        wait_for(landed_on_new, timeout=15, what="a fix of the moved device on its new vehicle")
        followed_in = time.monotonic() - moved
        on_old = len(rows(settings, old_vehicle))
        on_new = len(rows(settings, new_vehicle))
        for _ in range(3):
            tracker.send()
        wait_for(lambda: len(rows(settings, new_vehicle)) == on_new + 3, what="the next fixes")
    assert len(rows(settings, old_vehicle)) == on_old  # nothing more on the old vehicle
    assert followed_in < 10, f"followed after {followed_in:.1f} s"
    stray = [reason for reason, _ in dead_letters(settings, fleet)]
    assert on_old + len(rows(settings, new_vehicle)) + len(stray) == tracker.sent
    assert set(stray) <= {"topic_mismatch"}  # at most the moment both caches differed


def test_a_retired_vehicles_device_is_refused(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, imei = devices["gt06"]
    with gateway.connect(gateway.gt06_port) as sock:
        tracker = Tracker(sock, imei)
        tracker.send()
        with psycopg.connect(settings.sync_database_url) as conn:
            conn.execute("UPDATE vehicles SET status = 'retired' WHERE id = %s", (vehicle_id,))

        def refused() -> bool:
            try:
                tracker.send()
            except (AssertionError, OSError):  # no answer: the connection was closed
                return True
            time.sleep(0.2)
            return False

        wait_for(refused, timeout=15, what="the retired vehicle's device refused")
    assert 'coopfleet_gateway_refused_total{protocol="gt06",reason="vehicle_retired"}' in (
        metrics(gateway)
    )


def test_a_silent_device_is_disconnected(
    settings: Settings, fleet: Fleet, devices: Devices
) -> None:
    gateway = start_gateway(settings, gateway_idle_seconds="1")
    try:
        with gateway.connect(gateway.gt06_port) as sock:
            Tracker(sock, devices["gt06"][1])
            started = time.monotonic()
            assert closed(sock)  # within the socket's 10 s timeout, or recv raises
            assert time.monotonic() - started < 8
        assert 'coopfleet_gateway_refused_total{protocol="gt06",reason="idle"} 1' in (
            metrics(gateway)
        )
    finally:
        gateway.stop()


def heard(settings: Settings, identifier: str) -> tuple[object, ...] | None:
    with psycopg.connect(settings.sync_database_url) as conn:
        return conn.execute(
            "SELECT protocol, cooperative_id, vehicle_id, remote_address, messages, fixes,"
            " refused, last_refusal, last_heard_at FROM gateway_devices WHERE identifier = %s",
            (identifier,),
        ).fetchone()


def test_devices_heard_are_listed_bound_or_not_and_unknown_ones_never_stored(
    settings: Settings, fleet: Fleet, worker: RunningWorker, devices: Devices
) -> None:
    vehicle_id, imei = devices["gt06"]
    unknown = f"35{fleet.coop_id % 10**6:06d}9999999"
    gateway = start_gateway(settings, gateway_heard_flush_seconds="0.2")
    try:
        before = datetime.now(UTC)
        with gateway.connect(gateway.gt06_port) as sock:
            Tracker(sock, imei).send()
        with gateway.connect(gateway.gt06_port) as sock:
            sock.sendall(frames.gt06_login(unknown, 1))
            assert closed(sock)
        known_row = wait_for(lambda: heard(settings, imei), what="the known tracker listed")
        unknown_row = wait_for(lambda: heard(settings, unknown), what="the unknown one listed")
    finally:
        gateway.stop()
        with psycopg.connect(settings.sync_database_url) as conn:
            conn.execute(
                "DELETE FROM gateway_devices WHERE identifier = ANY(%s)", ([imei, unknown],)
            )
    assert known_row[:8] == ("gt06", fleet.coop_id, vehicle_id, "127.0.0.1", 3, 1, 0, None)
    assert unknown_row[:8] == ("gt06", None, None, "127.0.0.1", 1, 0, 1, "unknown_device")
    assert isinstance(known_row[8], datetime) and known_row[8] >= before
    assert len(rows(settings, vehicle_id)) == 1
    assert dead_letters(settings, fleet) == []


def osmand(gateway: RunningGateway, identifier: str, when: datetime) -> tuple[int, str]:
    query = urllib.parse.urlencode(
        {
            "id": identifier,
            "timestamp": int(when.timestamp()),
            "lat": 10.9,
            "lon": 106.8,
            "speed": 5,
        }
    )
    try:
        with urllib.request.urlopen(f"{gateway.base}/?{query}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def healthy(gateway: RunningGateway) -> bool:
    try:
        with urllib.request.urlopen(f"{gateway.base}/healthz", timeout=5) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError:
        return False


def test_while_the_broker_is_away_devices_are_told_to_retry_then_heard_again(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
    broker: LocalBroker,
) -> None:
    vehicle_id, identifier = devices["osmand"]
    start = recent()
    broker.stop()
    try:
        wait_for(lambda: not healthy(gateway), what="the gateway seeing the broker gone")
        status, body = osmand(gateway, identifier, start)
        assert status == 503 and json.loads(body)["error"] == "broker_unavailable"
    finally:
        broker.start()
    wait_for(lambda: healthy(gateway), timeout=20, what="the gateway connected again")
    assert osmand(gateway, identifier, start + timedelta(seconds=1)) == (200, "OK")
    wait_for(lambda: len(rows(settings, vehicle_id)) == 1, timeout=30, what="the fix stored")
    assert rows(settings, vehicle_id)[0][0] == start + timedelta(seconds=1)  # only the answered one


def processes_under(pid: int) -> list[int]:
    """Child process ids of ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


def test_processes_share_the_tcp_ports_and_their_counts_are_summed(
    settings: Settings, fleet: Fleet, worker: RunningWorker, devices: Devices
) -> None:
    vehicle_id, imei = devices["gt06"]
    gateway = start_gateway(settings, gateway_processes="2")
    try:
        others = processes_under(gateway.process.pid)
        assert len(others) >= 1  # the second gateway process (and spawn's resource tracker)
        start = recent()
        for n in range(12):  # new connections: the kernel spreads them over both processes
            with gateway.connect(gateway.gt06_port) as sock:
                Tracker(sock, imei, start + timedelta(seconds=n)).send()
        wait_for(lambda: len(rows(settings, vehicle_id)) == 12, what="every fix stored")
        wait_for(lambda: "coopfleet_gateway_processes 2.0" in metrics(gateway), what="reports")
        wait_for(
            lambda: 'coopfleet_gateway_connections_total{protocol="gt06"} 12.0' in metrics(gateway),
            what="both processes' connections counted",
        )
    finally:
        gateway.stop()
    wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in others), what="all ended")
