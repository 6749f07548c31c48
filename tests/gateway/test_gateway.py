"""The running gateway on real sockets: scripted devices of each protocol, the private broker, an
ingest worker and PostGIS; fixes land in ``positions`` with the right vehicle, time, speed and
heading, devices are acknowledged as their protocol requires, and only after the broker has the
fixes (a SIGKILL loses nothing a device saw acknowledged)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import struct
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from core.config import Settings
from telematics.gateway import jt808
from telematics.gateway.forwarding import traccar_token
from tests.gateway import frames
from tests.gateway.conftest import RunningGateway, start_gateway
from tests.telematics.conftest import Fleet, RunningWorker, count, wait_for

Devices = dict[str, tuple[int, str]]


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_jt808(sock: socket.socket) -> bytes:
    """One whole 7E…7E frame (still escaped), or b"" when the gateway closed the connection."""
    data = b""
    while data.count(b"\x7e") < 2:
        chunk = sock.recv(1)
        if not chunk:
            return b""
        data += chunk
    return data


def answer_body(frame: bytes) -> bytes:
    """The body of the gateway's answer (unescaped, checksum checked)."""
    return jt808.parse_frame(frame[1:-1]).body


def closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def rows(settings: Settings, vehicle_id: int) -> list[tuple[datetime, float, float, float, int]]:
    with psycopg.connect(settings.sync_database_url) as conn:
        return [
            (r[0], round(r[1], 5), round(r[2], 5), round(r[3], 1), r[4])
            for r in conn.execute(
                "SELECT device_time, ST_Y(geom), ST_X(geom), speed_kmh, heading FROM positions"
                " WHERE vehicle_id = %s ORDER BY device_time",
                (vehicle_id,),
            )
        ]


def dead_letters(settings: Settings, fleet: Fleet) -> list[tuple[str, str]]:
    with psycopg.connect(settings.sync_database_url) as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT reason, detail FROM dead_letters WHERE topic LIKE %s",
                (f"coopfleet/{fleet.coop_id}/%",),
            )
        ]


def stored(settings: Settings, fleet: Fleet) -> int:
    return count(
        settings, "SELECT count(*) FROM positions WHERE cooperative_id = %s", fleet.coop_id
    )


def recent() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)


def local(when: datetime, hours: int) -> datetime:
    return (when + timedelta(hours=hours)).replace(tzinfo=None)


def metrics(gateway: RunningGateway) -> str:
    request = urllib.request.Request(
        f"{gateway.base}/metrics", headers={"Authorization": "Bearer gateway-test-metrics-token"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST  # rendered by the library
        return str(response.read().decode())


def test_gt06_tracker_logs_in_sends_fixes_and_is_acknowledged(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, imei = devices["gt06"]
    start = recent()
    with gateway.connect(gateway.gt06_port) as sock:
        sock.sendall(frames.gt06_login(imei, 1, zone_hours=7))  # its clock keeps UTC+7
        assert recv_exactly(sock, 10) == frames.gt06_packet(0x01, b"", 1)
        sock.sendall(frames.gt06_alarm(local(start, 7), 10.95, 106.84, 2))  # one by one
        assert recv_exactly(sock, 10) == frames.gt06_packet(0x16, b"", 2)
        burst = b"".join(
            frames.gt06_gps(
                local(start + timedelta(seconds=n), 7),
                10.95 + n / 1000,
                106.84,
                40 + n,
                90 + n,
                2 + n,
            )
            for n in range(1, 6)
        )
        sock.sendall(burst + frames.gt06_status(9))  # five fixes and a heartbeat in one write
        assert recv_exactly(sock, 10) == frames.gt06_packet(0x13, b"", 9)
        wait_for(lambda: len(rows(settings, vehicle_id)) == 6)
    stored_rows = rows(settings, vehicle_id)
    assert stored_rows[0] == (start, 10.95, 106.84, 30.0, 90)
    assert stored_rows[1:] == [
        (start + timedelta(seconds=n), round(10.95 + n / 1000, 5), 106.84, 40.0 + n, 90 + n)
        for n in range(1, 6)
    ]


def test_jt808_terminal_registers_authenticates_and_reports(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, phone = devices["jt808"]
    start = recent()
    with gateway.connect(gateway.jt808_port) as sock:
        sock.sendall(frames.jt808_frame(0x0100, phone, 1, frames.jt808_register_body()))
        answer = recv_jt808(sock)
        assert answer[1:3] == b"\x81\x00"
        body = answer_body(answer)
        assert body[:3] == b"\x00\x01\x00"  # our serial 1, result 0: registered
        code = body[3:]
        sock.sendall(frames.jt808_frame(0x0102, phone, 2, code))
        assert answer_body(recv_jt808(sock)) == b"\x00\x02\x01\x02\x00"  # 0x8001 to 0x0102: OK
        sock.sendall(frames.jt808_frame(0x0002, phone, 3, b""))
        assert answer_body(recv_jt808(sock)) == b"\x00\x03\x00\x02\x00"
        one = frames.jt808_location_body(local(start, 8), 10.95, 106.84, 42.5, 178, sats=9)
        sock.sendall(frames.jt808_frame(0x0200, phone, 4, one))  # one by one
        assert answer_body(recv_jt808(sock)) == b"\x00\x04\x02\x00\x00"
        backlog = [
            frames.jt808_location_body(
                local(start + timedelta(seconds=n), 8), 10.95, 106.84 + n / 1000, 30 + n, n
            )
            for n in range(1, 4)
        ]
        sock.sendall(frames.jt808_frame(0x0704, phone, 5, frames.jt808_batch_body(backlog)))
        assert answer_body(recv_jt808(sock)) == b"\x00\x05\x07\x04\x00"
        wait_for(lambda: len(rows(settings, vehicle_id)) == 4)
    assert rows(settings, vehicle_id) == [
        (start, 10.95, 106.84, 42.5, 178),
        *[
            (start + timedelta(seconds=n), 10.95, round(106.84 + n / 1000, 5), 30.0 + n, n)
            for n in range(1, 4)
        ],
    ]


def test_unknown_devices_are_refused_counted_and_not_stored(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    with gateway.connect(gateway.gt06_port) as sock:
        sock.sendall(frames.gt06_login("359999999999999", 1))
        assert closed(sock)  # no acknowledgement, the connection ended
    with gateway.connect(gateway.jt808_port) as sock:
        sock.sendall(frames.jt808_frame(0x0100, "019999999999", 1, frames.jt808_register_body()))
        answer = recv_jt808(sock)
        assert (
            answer[1:3] == b"\x81\x00" and answer_body(answer)[:3] == b"\x00\x01\x04"
        )  # no such terminal
        assert closed(sock)
    query = urllib.parse.urlencode(
        {"id": "no-such-phone", "lat": 10.9, "lon": 106.8, "timestamp": int(recent().timestamp())}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{gateway.base}/?{query}", timeout=5)
    assert refused.value.code == 404
    assert json.loads(refused.value.read())["error"] == "unknown_device"
    text = metrics(gateway)
    for protocol in ("gt06", "jt808", "osmand"):
        assert (
            f'coopfleet_gateway_refused_total{{protocol="{protocol}",reason="unknown_device"}} 1'
            in text
        )
    assert stored(settings, fleet) == 0
    assert dead_letters(settings, fleet) == []  # refused at the gateway, never published


def test_traccar_client_and_forwarding_requests_are_stored(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, identifier = devices["osmand"]
    start = recent()
    # Traccar Client's OsmAnd request as its documentation shows it (POST, fields in the query)
    query = urllib.parse.urlencode(
        {
            "id": identifier,
            "timestamp": int(start.timestamp()),
            "lat": 10.95,
            "lon": 106.84,
            "speed": 10.0,
            "bearing": 178.0,
            "altitude": 12.0,
            "accuracy": 5.0,
            "batt": 87.0,
        }
    )
    request = urllib.request.Request(f"{gateway.base}/?{query}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    # its JSON form, two fixes
    body = {
        "device_id": identifier,
        "location": [
            {
                "timestamp": (start + timedelta(seconds=n)).isoformat(),
                "coords": {
                    "latitude": 10.95,
                    "longitude": 106.84 + n / 1000,
                    "speed": 5.0,
                    "heading": 90.0,
                },
            }
            for n in (1, 2)
        ],
    }
    request = urllib.request.Request(
        f"{gateway.base}/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    # Traccar's JSON forwarding of a position of the same device
    forwarded = {
        "position": {
            "fixTime": (start + timedelta(seconds=3)).isoformat(),
            "valid": True,
            "latitude": 10.9501,
            "longitude": 106.8431,
            "speed": 20.0,
            "course": 45.0,
            "attributes": {"ignition": True},
        },
        "device": {"id": 1, "uniqueId": identifier},
    }
    token = traccar_token(settings.secret_key, fleet.coop_id)  # the forward.header's token
    request = urllib.request.Request(
        f"{gateway.base}/traccar",
        data=json.dumps(forwarded).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    wait_for(lambda: len(rows(settings, vehicle_id)) == 4)
    assert rows(settings, vehicle_id) == [
        (start, 10.95, 106.84, 18.5, 178),
        (start + timedelta(seconds=1), 10.95, 106.841, 18.0, 90),
        (start + timedelta(seconds=2), 10.95, 106.842, 18.0, 90),
        (start + timedelta(seconds=3), 10.9501, 106.8431, 37.0, 45),
    ]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(
            f"{gateway.base}/?id={identifier}&lat=north&lon=1&timestamp=1", timeout=5
        )
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["field"] == "lat"
    huge = urllib.request.Request(
        f"{gateway.base}/traccar",
        data=b"{" + b" " * 300_000 + b"}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(huge, timeout=5)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["field"] == "body"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{gateway.base}/metrics", timeout=5)  # no bearer
    assert refused.value.code == 401
    assert 'coopfleet_gateway_fixes_total{protocol="osmand"} 3' in metrics(gateway)
    assert 'coopfleet_gateway_fixes_total{protocol="traccar"} 1' in metrics(gateway)


def test_a_garbage_stream_does_not_stop_another_devices_fixes(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, imei = devices["gt06"]
    start = recent()
    noise = random.Random(15).randbytes(200_000)
    with gateway.connect(gateway.gt06_port) as junk, gateway.connect(gateway.gt06_port) as sock:
        sock.sendall(frames.gt06_login(imei, 1))
        assert recv_exactly(sock, 10) == frames.gt06_packet(0x01, b"", 1)
        with contextlib.suppress(OSError):  # the gateway may already have closed it
            junk.sendall(noise[:100_000])
        for n in range(3):
            sock.sendall(
                frames.gt06_alarm(local(start + timedelta(seconds=n), 0), 10.95, 106.84, 2 + n)
            )
            assert recv_exactly(sock, 10) == frames.gt06_packet(0x16, b"", 2 + n)
        with gateway.connect(gateway.jt808_port) as junk808:
            junk808.sendall(noise[100_000:])
        wait_for(lambda: len(rows(settings, vehicle_id)) == 3)
    assert gateway.process.poll() is None


def test_sigkill_loses_no_fix_a_device_saw_acknowledged(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, phone = devices["jt808"]
    start = recent()
    acknowledged: list[datetime] = []
    with gateway.connect(gateway.jt808_port) as sock:
        for n in range(200):
            when = start + timedelta(seconds=n)
            body = frames.jt808_location_body(local(when, 8), 10.95, 106.84 + n / 10000, 30, 90)
            sock.sendall(frames.jt808_frame(0x0200, phone, n + 1, body))
            if n == 120:
                os.kill(gateway.process.pid, signal.SIGKILL)  # mid-stream, before the answer
            try:
                answer = recv_jt808(sock)
            except OSError:
                break
            if not answer:
                break
            assert answer_body(answer) == struct.pack(">HHB", n + 1, 0x0200, 0)
            acknowledged.append(when)
    gateway.process.wait(10)
    assert len(acknowledged) >= 120
    wait_for(lambda: set(acknowledged) <= {r[0] for r in rows(settings, vehicle_id)}, timeout=20)
    # the device sends its unacknowledged fixes again to a new gateway: nothing is missing after
    again = start_gateway(settings)
    try:
        with again.connect(again.jt808_port) as sock:
            for n in range(len(acknowledged), 200):
                when = start + timedelta(seconds=n)
                body = frames.jt808_location_body(local(when, 8), 10.95, 106.84 + n / 10000, 30, 90)
                sock.sendall(frames.jt808_frame(0x0200, phone, n + 1, body))
                assert answer_body(recv_jt808(sock)) == struct.pack(">HHB", n + 1, 0x0200, 0)
        wait_for(lambda: len(rows(settings, vehicle_id)) == 200, timeout=20)
    finally:
        again.stop()


def test_traccar_forwarding_needs_its_cooperatives_token(
    settings: Settings,
    fleet: Fleet,
    worker: RunningWorker,
    devices: Devices,
    gateway: RunningGateway,
) -> None:
    vehicle_id, identifier = devices["osmand"]
    forwarded = {
        "position": {"fixTime": recent().isoformat(), "latitude": 10.95, "longitude": 106.84},
        "device": {"uniqueId": identifier},
    }
    other = traccar_token(settings.secret_key, fleet.foreign_coop_id)  # a valid token, not theirs
    mine = traccar_token(settings.secret_key, fleet.coop_id)
    for authorization, status, error in (
        (None, 401, "not_authenticated"),
        (f"Bearer {mine[:-1]}{'1' if mine[-1] == '0' else '0'}", 401, "not_authenticated"),
        (f"Bearer {fleet.coop_id}.", 401, "not_authenticated"),
        (f"Bearer {other}", 404, "not_this_cooperative"),
    ):
        headers = {"Authorization": authorization} if authorization else {}
        request = urllib.request.Request(
            f"{gateway.base}/traccar", data=json.dumps(forwarded).encode(), headers=headers
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        answer = json.loads(refused.value.read())
        assert (refused.value.code, answer["error"]) == (status, error), authorization
        if status == 401:
            assert answer["field"] == "authorization"
    assert rows(settings, vehicle_id) == []
    text = metrics(gateway)
    refusals = 'coopfleet_gateway_refused_total{protocol="traccar",reason="%s"} %d'
    assert refusals % ("not_authenticated", 3) in text
    assert refusals % ("not_this_cooperative", 1) in text
