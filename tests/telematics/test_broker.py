"""The shipped broker configuration: per-vehicle accounts, the ACL, persistence across restarts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from telematics.broker import LocalBroker
from telematics.credentials import service_password
from tests.conftest import committed_app, committed_bearer
from tests.telematics.conftest import (
    Fleet,
    RunningWorker,
    device_client,
    private_config,
    start_worker,
    wait_for,
)
from tests.telematics.test_ingest import encode, fix, stored


def _listener(settings: Settings, topic_filter: str) -> tuple[mqtt.Client, list[str]]:
    received: list[str] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"listen-{time.monotonic_ns()}")
    client.username_pw_set("ingest", service_password(settings.secret_key, "ingest"))
    client.on_message = lambda c, u, message: received.append(message.topic)
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.subscribe(topic_filter, qos=1)
    client.loop_start()
    time.sleep(0.3)
    return client, received


def test_a_vehicle_publishes_only_on_its_own_topic(settings: Settings, fleet: Fleet) -> None:
    listener, received = _listener(settings, f"coopfleet/{fleet.coop_id}/#")
    own, other = fleet.topic(0), fleet.topic(1)
    device = device_client(settings, fleet.vehicle_ids[0])
    try:
        device.publish(other, b"forged", qos=1).wait_for_publish(5)
        device.publish(own, b"genuine", qos=1).wait_for_publish(5)
        wait_for(lambda: own in received)
        time.sleep(0.3)
        assert received == [own]
    finally:
        device.disconnect()
        listener.disconnect()


def test_a_wrong_password_is_refused(settings: Settings, fleet: Fleet) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="intruder")
    client.username_pw_set(str(fleet.vehicle_ids[0]), "not-the-password")
    client.connect(settings.mqtt_host, settings.mqtt_port)
    client.loop_start()
    time.sleep(0.5)
    try:
        assert not client.is_connected()
    finally:
        client.loop_stop()
    anonymous = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="anonymous")
    anonymous.connect(settings.mqtt_host, settings.mqtt_port)
    anonymous.loop_start()
    time.sleep(0.5)
    try:
        assert not anonymous.is_connected()
    finally:
        anonymous.loop_stop()


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
