"""Positions sent over HTTP (drivers' phones) join the MQTT path: checked here, then published.

The phone gets an answer at once: which positions were refused and why. Accepted positions are
published as one batch message on the vehicle's topic with QoS 1 and the API answers only after the
broker's acknowledgement, so from then on they follow the same path as a device's messages
(the ingest workers store them). If the broker cannot be reached the phone is told to retry;
sending the same positions twice is harmless.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from core.errors import DomainError
from telematics.checks import Checker, DeadLetter, RawMessage, Rules, VehicleInfo
from telematics.contract import telemetry_topic
from telematics.credentials import service_password


class BrokerUnavailable(DomainError):
    status = 503
    code = "broker_unavailable"


class Relay:
    """One MQTT connection per API process, signed in as the ``api`` account."""

    def __init__(
        self, host: str, port: int, secret_key: str, *, timeout: float = 5.0, inflight: int = 20
    ) -> None:
        """``inflight``: QoS 1 messages awaiting their PUBACK at once (paho's default, 20)."""
        self.timeout = timeout
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"api-{uuid.uuid4().hex[:12]}"
        )
        self.client.username_pw_set("api", service_password(secret_key, "api"))
        self.client.reconnect_delay_set(1, 10)
        self.client.max_inflight_messages_set(inflight)
        self.connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *args: self.connected.clear()
        self._lock = threading.Lock()
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: ReasonCode,
        properties: object,
    ) -> None:
        if not reason.is_failure:
            self.connected.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> None:
        """Publish with QoS 1 and wait for the PUBACK (blocking: call it from a thread)."""
        if not self.connected.is_set():
            raise BrokerUnavailable("the message broker is not reachable; retry later")
        with self._lock:
            info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(self.timeout)
        if not info.is_published():
            raise BrokerUnavailable("the message broker did not acknowledge; retry later")


def check_for_vehicle(
    vehicle: VehicleInfo,
    body: bytes,
    received_at: datetime,
    now: datetime,
    *,
    driver_card: str | None,
) -> tuple[bytes | None, int, list[DeadLetter]]:
    """Check a phone's batch as ingestion would; the accepted positions re-encoded as a batch,
    each naming ``driver_card`` (the signed-in driver's), whatever card the phone sent."""
    topic = telemetry_topic(vehicle.cooperative_id, vehicle.vehicle_id)
    checker = Checker(
        Rules(), lambda vehicle_id: vehicle if vehicle_id == vehicle.vehicle_id else None
    )
    checked = checker.check([RawMessage(topic, body, received_at)], now)
    if not checked.rows:
        return None, 0, checked.dead
    positions = [
        {
            "time": row[2],
            "lat": row[5],
            "lon": row[4],
            "speed": row[6],
            "heading": row[7],
            "alt": row[8],
            "sats": row[9],
            "hdop": row[10],
            "ign": row[11],
            "odo": row[12],
            "driver": driver_card,
            "fuel": row[14],
        }
        for row in checked.rows
    ]
    cleaned = [{k: v for k, v in p.items() if v is not None} for p in positions]
    return msgspec.json.encode({"positions": cleaned}), len(checked.rows), checked.dead
