"""The gateway's one path for every protocol: device identifier → vehicle → the contract's JSON →
the vehicle's topic with QoS 1, returning only once the broker has acknowledged (PUBACK).

A protocol handler answers its device only after ``deliver`` returns, so nothing a device was
told was received can be lost by a gateway crash: until the broker has it, the device keeps it.
The MQTT connection is ``telematics.relay.Relay`` (the ``api`` service account on the services'
listener, as for phones); ``Publisher`` awaits its PUBACKs on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from core.config import Settings
from telematics.contract import telemetry_topic
from telematics.gateway.counters import Counters
from telematics.gateway.directory import Binding, Directory
from telematics.gateway.fix import Fix, Refused, contract_payload
from telematics.relay import BrokerUnavailable, Relay

log = logging.getLogger("coopfleet.gateway")
INFLIGHT = 1000  # QoS 1 messages awaiting their PUBACK at once (paho's default is 20)


@dataclass
class GatewayConfig:
    secret_key: str
    gt06_utc_offset_minutes: int = 0
    jt808_utc_offset_minutes: int = 480
    idle_seconds: float = 600
    frame_max_bytes: int = 8192
    http_body_max_bytes: int = 262_144
    max_connections: int = 20_000
    metrics_token: str | None = None  # the bearer /metrics asks for; None: /metrics is closed


class Publisher:
    """Awaitable QoS 1 publishes over the relay's connection: each PUBACK resolves a future on the
    event loop, so thousands of devices wait on the broker at once without a thread each (the
    relay's blocking ``publish`` in threads queued fixes for seconds at 3,000 devices).

    No lock: paho calls ``on_publish`` from its network thread holding its own locks, so the
    PUBACK is handed to the loop, where it runs only after ``publish`` has registered its
    future (both happen on the loop, the registration in the same step as the send)."""

    def __init__(self, relay: Relay, loop: asyncio.AbstractEventLoop) -> None:
        self.relay = relay
        self.loop = loop
        self._waiting: dict[int, asyncio.Future[None]] = {}
        relay.client.on_publish = self._on_publish

    def _on_publish(self, client: object, userdata: object, mid: int, *rest: object) -> None:
        self.loop.call_soon_threadsafe(self._acknowledged, mid)

    def _acknowledged(self, mid: int) -> None:
        future = self._waiting.pop(mid, None)
        if future is not None and not future.done():
            future.set_result(None)

    async def publish(self, topic: str, payload: bytes) -> None:
        if not self.relay.connected.is_set():
            raise BrokerUnavailable("the message broker is not reachable; retry later")
        info = self.relay.client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise BrokerUnavailable("the message broker did not take the message")
        future: asyncio.Future[None] = self.loop.create_future()
        self._waiting[info.mid] = future
        try:
            await asyncio.wait_for(future, self.relay.timeout)
        except TimeoutError as exc:
            raise BrokerUnavailable("the message broker did not acknowledge; retry later") from exc
        finally:
            self._waiting.pop(info.mid, None)


class Gateway:
    def __init__(self, config: GatewayConfig, directory: Directory, relay: Relay) -> None:
        self.config = config
        self.directory = directory
        self.relay = relay
        self.counters = Counters()
        self._publisher: Publisher | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        config = GatewayConfig(
            secret_key=settings.secret_key,
            gt06_utc_offset_minutes=settings.gateway_gt06_utc_offset_minutes,
            jt808_utc_offset_minutes=settings.gateway_jt808_utc_offset_minutes,
            idle_seconds=settings.gateway_idle_seconds,
            frame_max_bytes=settings.gateway_frame_max_bytes,
            http_body_max_bytes=settings.gateway_http_body_max_bytes,
            max_connections=settings.gateway_max_connections,
            metrics_token=settings.metrics_token,
        )
        directory = Directory(settings.sync_database_url, settings.gateway_device_refresh_seconds)
        relay = Relay(
            settings.mqtt_host, settings.mqtt_port, settings.secret_key, inflight=INFLIGHT
        )
        return cls(config, directory, relay)

    def refuse(self, protocol: str, refused: Refused) -> None:
        self.counters.add(protocol, "refused", refused.reason)
        log.info("%s refused (%s): %s", protocol, refused.reason, refused.detail)

    async def bind(self, protocol: str, identifier: str) -> Binding:
        """The device's vehicle; an unknown or ambiguous identifier is counted and re-raised."""
        try:
            return await self.directory.lookup(identifier)
        except Refused as refused:
            self.refuse(protocol, refused)
            raise

    async def deliver(self, protocol: str, binding: Binding, fixes: list[Fix]) -> None:
        """Publish the fixes on the vehicle's topic and wait for the broker's PUBACK; raises
        ``telematics.relay.BrokerUnavailable`` when the broker does not have them."""
        if not fixes:
            return
        topic = telemetry_topic(binding.cooperative_id, binding.vehicle_id)
        if self._publisher is None:
            self._publisher = Publisher(self.relay, asyncio.get_running_loop())
        await self._publisher.publish(topic, contract_payload(fixes, binding.device))
        self.counters.add(protocol, "fixes", amount=len(fixes))

    def auth_code(self, identifier: str) -> str:
        """The JT/T 808 authentication code handed out at registration: derived, not stored."""
        digest = hmac.new(
            self.config.secret_key.encode(), f"jt808:{identifier}".encode(), hashlib.sha256
        )
        return digest.hexdigest()[:16]
