"""The shipped broker configuration: per-vehicle accounts, the ACL, persistence across restarts,
and two listeners: the devices' (where the client id is the vehicle id, so no account takes over
another's session) and the services' (where vehicle accounts cannot sign in)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.broker import LocalBroker, ensure_daemon, pid_alive, stop_daemon
from devtools.ports import free_port, port_open
from telematics.credentials import (
    device_password,
    device_username,
    hand_to_broker_user,
    service_password,
)
from tests.telematics.conftest import (
    Fleet,
    RunningWorker,
    device_client,
    private_config,
    start_worker,
    wait_for,
)
from tests.telematics.test_ingest import encode, fix, stored

pytestmark = pytest.mark.broker  # every case runs a Mosquitto (the suite's private one or its own)


def _listener(settings: Settings, topic_filter: str) -> tuple[mqtt.Client, list[str]]:
    received: list[str] = []
    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"listen-{time.monotonic_ns()}")
    client.username_pw_set("ingest", service_password(settings.secret_key, "ingest"))
    client.on_message = lambda c, u, message: received.append(message.topic)
    client.on_subscribe = lambda *args: subscribed.set()
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.subscribe(topic_filter, qos=1)
    client.loop_start()
    assert subscribed.wait(10), "the broker did not acknowledge the subscription"
    return client, received


def test_a_vehicle_publishes_only_on_its_own_topic(settings: Settings, fleet: Fleet) -> None:
    listener, received = _listener(settings, f"coopfleet/{fleet.coop_id}/#")
    own, other = fleet.topic(0), fleet.topic(1)
    device = device_client(settings, fleet.vehicle_ids[0])
    try:
        device.publish(other, b"forged", qos=1).wait_for_publish(5)
        device.publish(own, b"genuine", qos=1).wait_for_publish(5)
        wait_for(lambda: own in received)
        # one connection's messages reach a subscriber in order: had the forged one passed,
        # it would have arrived first
        assert received == [own]
    finally:
        device.disconnect()
        listener.disconnect()


def _answers(client: mqtt.Client) -> list[ReasonCode]:
    """The broker's CONNACK reason codes to ``client``, as they come."""
    answers: list[ReasonCode] = []
    client.on_connect = lambda c, u, flags, reason, properties: answers.append(reason)
    return answers


def test_a_wrong_password_is_refused(settings: Settings, fleet: Fleet) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="intruder")
    client.username_pw_set(str(fleet.vehicle_ids[0]), "not-the-password")
    answers = _answers(client)
    client.connect(settings.mqtt_host, settings.mqtt_device_port)
    client.loop_start()
    try:
        assert wait_for(lambda: answers)[0].is_failure
        assert not client.is_connected()
    finally:
        client.loop_stop()
    anonymous = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="anonymous")
    answers = _answers(anonymous)
    anonymous.connect(settings.mqtt_host, settings.mqtt_device_port)
    anonymous.loop_start()
    try:
        assert wait_for(lambda: answers)[0].is_failure
        assert not anonymous.is_connected()
    finally:
        anonymous.loop_stop()


def _as_vehicle(
    settings: Settings, vehicle_id: int, client_id: str, port: int
) -> tuple[mqtt.Client, list[str]]:
    """A vehicle's account connecting with a client id of our choosing, returned once the broker
    has answered (accepted or refused); records disconnections."""
    events: list[str] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(
        device_username(vehicle_id), device_password(settings.secret_key, vehicle_id)
    )
    answers = _answers(client)
    client.on_disconnect = lambda *args: events.append("disconnected")
    client.connect(settings.mqtt_host, port)
    client.loop_start()
    wait_for(lambda: answers)
    return client, events


def _close(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()


def test_a_vehicle_account_cannot_sign_in_on_the_services_listener(
    settings: Settings, fleet: Fleet
) -> None:
    client, _ = _as_vehicle(settings, fleet.vehicle_ids[0], "anything", settings.mqtt_port)
    try:
        assert not client.is_connected()
    finally:
        client.loop_stop()


def test_a_vehicle_cannot_kick_the_ingest_worker_off(
    settings: Settings, fleet: Fleet, worker: RunningWorker
) -> None:
    """Even knowing the worker's client id (it is not published), a vehicle connecting with it
    gets its own id at the broker: the worker's session stays."""
    config = worker.worker.config
    assert config.mqtt_client_id.startswith(config.worker_id)
    assert config.mqtt_client_id != config.worker_id  # the name in /metrics is not the id
    generation = worker.worker.generation
    intruders = [  # two vehicles: one account has one session at a time
        _as_vehicle(settings, vehicle_id, client_id, settings.mqtt_device_port)
        for vehicle_id, client_id in zip(
            (fleet.vehicle_ids[0], fleet.vehicle_ids[2]),
            (config.mqtt_client_id, config.worker_id),
            strict=True,
        )
    ]
    try:
        assert all(client.is_connected() for client, _ in intruders)
        device = device_client(settings, fleet.vehicle_ids[1])
        now = datetime.now(UTC).replace(microsecond=0)
        device.publish(fleet.topic(1), encode(fix(now)), qos=1).wait_for_publish(5)
        wait_for(lambda: stored(settings, fleet) == 1)
        _close(device)
        # a worker kicked off by an intruder's connection could only have received the fix
        # after reconnecting, in a new generation
        assert worker.worker.connected.is_set()
        assert worker.worker.generation == generation
    finally:
        for client, _ in intruders:
            _close(client)


def test_a_vehicle_cannot_take_over_another_vehicles_session(
    settings: Settings, fleet: Fleet
) -> None:
    """A device connecting with its IMEI as client id keeps its session when another vehicle's
    account connects with the same client id."""
    victim_id, intruder_id = fleet.vehicle_ids[0], fleet.vehicle_ids[1]
    imei = fleet.device_ids[victim_id]
    port = settings.mqtt_device_port
    victim, victim_events = _as_vehicle(settings, victim_id, imei, port)
    intruder, _ = _as_vehicle(settings, intruder_id, imei, port)
    try:
        assert victim.is_connected() and intruder.is_connected()
        # a round trip on the victim's connection, which a takeover would have closed before
        # the intruder was answered
        victim.publish(fleet.topic(0), b"still here", qos=1).wait_for_publish(5)
        assert victim_events == [] and victim.is_connected()
    finally:
        _close(intruder)
        _close(victim)


def test_broker_restart_the_worker_reconnects_and_resumes(
    settings: Settings, fleet: Fleet, broker: LocalBroker, worker: RunningWorker
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    device = device_client(settings, fleet.vehicle_ids[0])
    device.publish(fleet.topic(0), encode(fix(now - timedelta(seconds=5))), qos=1)
    wait_for(lambda: stored(settings, fleet) == 1)
    device.disconnect()
    device.loop_stop()
    broker.stop()
    wait_for(lambda: not worker.worker.connected.is_set())
    broker.start()  # same port, same persistence directory
    assert worker.worker.connected.wait(20), "the worker did not reconnect"
    device = device_client(settings, fleet.vehicle_ids[0])
    try:
        device.publish(fleet.topic(0), encode(fix(now)), qos=1).wait_for_publish(5)
        wait_for(lambda: stored(settings, fleet) == 2, timeout=15)
    finally:
        device.disconnect()


def test_messages_published_while_no_worker_runs_are_kept(settings: Settings, fleet: Fleet) -> None:
    """The worker's persistent session queues at the broker while it is away."""
    outage_messages = 500
    config = private_config(settings, fleet)
    first = start_worker(config)
    first.stop()  # subscribed once, now gone
    device = device_client(settings, fleet.vehicle_ids[1])
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    try:
        for k in range(outage_messages):
            info = device.publish(fleet.topic(1), encode(fix(start + timedelta(seconds=k))), qos=1)
        info.wait_for_publish(10)
    finally:
        device.disconnect()
    assert stored(settings, fleet) == 0
    second = start_worker(config)  # same client id: the session and its queue
    try:
        wait_for(lambda: stored(settings, fleet) == outage_messages, timeout=20)
    finally:
        second.stop()


async def test_the_credentials_an_admin_reads_let_the_device_publish(
    settings: Settings, fleet: Fleet, engine: AsyncEngine
) -> None:
    """What GET /vehicles/{id}/device-credentials returns is accepted by the shipped broker."""
    headers = await committed_bearer(
        engine,
        settings,
        cooperative_id=fleet.coop_id,
        role="admin",
        login=f"admin-{fleet.coop_id}@x.vn",
    )
    app = committed_app(settings, engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get(
            f"/api/v1/vehicles/{fleet.vehicle_ids[2]}/device-credentials",
            headers=headers,
        )
    assert response.status_code == 200, response.text
    creds = response.json()
    assert creds["topic"] == fleet.topic(2)
    assert creds["port"] == settings.mqtt_device_port
    assert creds["client_id"] == creds["username"] == str(fleet.vehicle_ids[2])
    listener, received = _listener(settings, f"coopfleet/{fleet.coop_id}/#")
    device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=creds["client_id"])
    device.username_pw_set(creds["username"], creds["password"])
    device.connect(creds["host"], creds["port"])
    device.loop_start()
    try:
        device.publish(creds["topic"], b"hello", qos=1).wait_for_publish(5)
        wait_for(lambda: creds["topic"] in received)
    finally:
        device.disconnect()
        device.loop_stop()
        listener.disconnect()


def test_a_second_checkout_is_not_handed_another_checkouts_broker() -> None:
    """``scripts/services.sh`` in a second checkout used to reuse the first one's broker, which
    never reads the second one's accounts: now it stops with what to set instead."""
    first, second = (Path(tempfile.mkdtemp(prefix="coopfleet-mqtt-")) for _ in range(2))
    port, device_port = free_port(), free_port()
    try:
        assert ensure_daemon(first, port, device_port)
        assert not ensure_daemon(first, port, device_port)  # already running here: kept
        with pytest.raises(RuntimeError, match="COOPFLEET_MQTT_PORT"):
            ensure_daemon(second, port, device_port)
    finally:
        stop_daemon(first)
        wait_for(lambda: not pid_alive(first / "mosquitto.pid"))
        for directory in (first, second):
            shutil.rmtree(directory, ignore_errors=True)


def test_a_running_broker_of_the_older_configuration_is_restarted() -> None:
    """One listener only (before the devices' listener existed): ``ensure`` restarts it with
    the shipped configuration instead of leaving devices without their port."""
    directory = Path(tempfile.mkdtemp(prefix="coopfleet-mqtt-"))
    port, device_port = free_port(), free_port()
    old = directory / "old.conf"
    old.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\n"
        f"pid_file {directory / 'mosquitto.pid'}\n"
    )
    hand_to_broker_user(directory, old)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    subprocess.run([binary, "-d", "-c", str(old)], check=True)
    try:
        wait_for(lambda: port_open(port))
        assert not port_open(device_port)
        assert ensure_daemon(directory, port, device_port)
        assert port_open(port) and port_open(device_port)
    finally:
        stop_daemon(directory)
        wait_for(lambda: not pid_alive(directory / "mosquitto.pid"))
        shutil.rmtree(directory, ignore_errors=True)
